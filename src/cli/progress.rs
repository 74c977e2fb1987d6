//! A progress bar on stderr for runs longer than a second; silent when
//! stderr is not a terminal (indicatif checks).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nines::experiment::ProgressUpdate;

pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    shown: AtomicBool,
}

impl Progress {
    pub fn new() -> Self {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{msg}{bar:40} {pos}/{len} replications, {eta} left")
                .expect("the template is valid"),
        );
        Progress {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
        }
    }

    pub fn update(&self, update: ProgressUpdate) {
        match update {
            ProgressUpdate::Round(round) => self.bar.set_message(format!("round {round}: ")),
            ProgressUpdate::Planned(total) => self.bar.set_length(total),
            ProgressUpdate::Done(n) => self.bar.inc(n),
        }
        if self.started.elapsed() > Duration::from_secs(1)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
