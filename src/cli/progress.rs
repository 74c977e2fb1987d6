//! A progress bar on stderr for runs longer than a second; silent when
//! stderr is not a terminal (indicatif checks). It appears after a second
//! whether or not a replication has finished, and ticks while it waits, so
//! a long first replication never looks like a hang.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nines::experiment::ProgressUpdate;

/// How long a run goes before its bar shows.
const SHOW_AFTER: Duration = Duration::from_secs(1);

pub struct Progress {
    bar: ProgressBar,
    stop: Option<Sender<()>>,
    shower: Option<JoinHandle<()>>,
}

impl Progress {
    pub fn new() -> Self {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg}{bar:40} {pos}/{len} replications, {elapsed} elapsed, {eta} left",
            )
            .expect("the template is valid"),
        );
        let (stop, stopped) = mpsc::channel::<()>();
        let shown = bar.clone();
        let shower = std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(SHOW_AFTER) {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(200));
            }
        });
        Progress {
            bar,
            stop: Some(stop),
            shower: Some(shower),
        }
    }

    pub fn update(&self, update: ProgressUpdate) {
        match update {
            ProgressUpdate::Round(round) => self.bar.set_message(format!("round {round}: ")),
            ProgressUpdate::Planned(total) => self.bar.set_length(total),
            ProgressUpdate::Done(n) => self.bar.inc(n),
        }
    }

    pub fn finish(&mut self) {
        // Wakes the thread if the bar is not shown yet, then waits for it,
        // so the bar cannot appear after the run.
        self.stop.take();
        if let Some(shower) = self.shower.take() {
            let _ = shower.join();
        }
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
