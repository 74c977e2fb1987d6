//! `outage_cdf`: the empirical distribution of outage durations, one line
//! per SLI, on a log time axis.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{Axis, duration_label, duration_range, duration_ticks};
use super::{AXIS_NAME_PX, Chart, FONT, GRID_COLOR, TICK_PX, color, frame, note, run_line};
use crate::report::{Report, ReportError};

/// Most vertices drawn per line; longer samples are thinned evenly (the
/// first and last outage always kept), which no reader can see at 1280 px.
const MAX_VERTICES: usize = 2_000;

/// Shortest duration placed on the axis, seconds: a zero-length outage
/// would sit at minus infinity on a log scale.
const SHORTEST: f64 = 1e-3;

/// Writes `outage_cdf.svg` and `outage_cdf.png` to `dir`: for each SLI with
/// outages, the share of its outages that lasted at most a given time
/// (from [`SliReport::outage_durations`](crate::report::SliReport)), on a
/// log time axis labelled 1s, 10s, 1m, … SLIs without outages are left
/// out; with none at all the chart says "no outages".
pub fn render_outage_cdf(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    super::write(&OutageCdf { report }, dir)
}

struct OutageCdf<'a> {
    report: &'a Report,
}

/// The step function of an empirical CDF of ascending `durations`, as
/// (seconds, share) vertices.
fn steps(durations: &[f64]) -> Vec<(f64, f64)> {
    let n = durations.len();
    let stride = (2 * n).div_ceil(MAX_VERTICES).max(1);
    let mut points = Vec::with_capacity(2 * n / stride + 2);
    for (i, &d) in durations.iter().enumerate() {
        if i % stride != 0 && i + 1 != n {
            continue;
        }
        let d = d.max(SHORTEST);
        let before = i as f64 / n as f64;
        let after = (i + 1) as f64 / n as f64;
        if stride == 1 {
            points.push((d, before));
        }
        points.push((d, after));
    }
    points
}

impl Chart for OutageCdf<'_> {
    const NAME: &'static str = "outage_cdf";

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let report = self.report;
        let body = frame(root, "Outage durations (empirical CDF)", &run_line(report))?;
        let lines: Vec<(usize, &str, Vec<f64>)> = report
            .slis
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let finite: Vec<f64> = s
                    .outage_durations
                    .iter()
                    .copied()
                    .filter(|d| d.is_finite())
                    .collect();
                (i, s.name.as_str(), finite)
            })
            .filter(|(_, _, d)| !d.is_empty())
            .collect();
        if lines.is_empty() {
            return super::empty(&body, "no outages");
        }
        let min = lines
            .iter()
            .flat_map(|(_, _, d)| d.first())
            .fold(f64::INFINITY, |m, &d| m.min(d))
            .max(SHORTEST);
        let max = lines
            .iter()
            .flat_map(|(_, _, d)| d.last())
            .fold(0.0f64, |m, &d| m.max(d))
            .max(min);
        let (lo, hi) = duration_range(min, max);

        let (_, height) = body.dim_in_pixel();
        let (plot, foot) = body.split_vertically(height - 40);
        let shares: Vec<f64> = (0..=4).map(|q| q as f64 / 4.0).collect();
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(24)
            .margin_right(48)
            .margin_top(12)
            .x_label_area_size(72)
            .y_label_area_size(110)
            .build_cartesian_2d(
                Axis::log(lo, hi, duration_ticks(lo, hi)),
                Axis::linear(0.0, 1.0, shares),
            )?;
        let x_label = |v: &f64| duration_label(*v);
        let y_label = |v: &f64| format!("{:.0}%", v * 100.0);
        chart
            .configure_mesh()
            .bold_line_style(GRID_COLOR)
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .x_desc("outage duration (log scale)")
            .y_desc("outages at most this long")
            .axis_desc_style((FONT, AXIS_NAME_PX))
            .label_style((FONT, TICK_PX))
            .draw()?;

        for (index, name, durations) in &lines {
            let c = color(*index);
            chart
                .draw_series(LineSeries::new(steps(durations), c.stroke_width(3)))?
                .label(format!("{name} ({} outages)", durations.len()))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 32, y)], c.stroke_width(4))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .margin(16)
            .legend_area_size(40)
            .label_font((FONT, TICK_PX))
            .background_style(WHITE.mix(0.9))
            .border_style(GRID_COLOR)
            .draw()?;

        let left_out: Vec<&str> = report
            .slis
            .iter()
            .filter(|s| s.outage_durations.is_empty())
            .map(|s| s.name.as_str())
            .collect();
        let mut text = String::from("outages pooled over all replications");
        if !left_out.is_empty() {
            text.push_str(&format!("; no outage seen: {}", left_out.join(", ")));
        }
        note(&foot, &text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cdf_is_a_staircase_to_one() {
        assert_eq!(
            steps(&[1.0, 2.0]),
            [(1.0, 0.0), (1.0, 0.5), (2.0, 0.5), (2.0, 1.0)]
        );
        let many: Vec<f64> = (1..=10_000).map(f64::from).collect();
        let thinned = steps(&many);
        assert!(thinned.len() <= MAX_VERTICES + 1);
        assert_eq!(thinned.last(), Some(&(10_000.0, 1.0)));
    }
}
