//! `downtime_tail`: which outage lengths carry the downtime — per SLI,
//! the share of its downtime spent in outages longer than a given time,
//! on a log time axis.
//!
//! A CDF of outage counts hides the tail: a few outages of hours can carry
//! most of the downtime while being 1 % of the outages. Weighting each
//! outage by its length shows them.

use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{Axis, duration_label, duration_ticks};
use super::outage_cdf::{SHORTEST, time_range};
use super::{
    AXIS_NAME_PX, Chart, FONT, GRID_COLOR, SeriesStyle, TICK_PX, frame, note, run_line,
    series_style,
};
use crate::report::output::Output;
use crate::report::{Report, ReportError, units};

/// Width of the report's duration bins, as a ratio: 40 bins per decade
/// (see `SliReport::outage_cdf`).
const BIN_RATIO: f64 = 1.059_253_725_177_289; // 10^(1/40)

/// Writes `downtime_tail.svg` and `downtime_tail.png` to `dir`: for each
/// SLI with outages, the share of its outage time spent in outages longer
/// than x, x on a log time axis, and in the key the length beyond which
/// half of the downtime lies. Computed from the report's outage-duration
/// bins (40 per decade), each bin's outages taken at the bin's geometric
/// middle: within about 3 %.
pub fn render_downtime_tail(
    report: &Report,
    dir: impl Into<Output>,
) -> Result<Vec<PathBuf>, ReportError> {
    super::write(&DowntimeTail { report }, &dir.into())
}

struct DowntimeTail<'a> {
    report: &'a Report,
}

/// The downtime-weighted survival curve of a CDF given at bin upper edges
/// (`[seconds, share of outages at most that long]`, ascending): vertices
/// (x, share of the outage time in outages longer than x), falling from 1
/// to 0. Zero-length outages carry no time and are left out.
pub(super) fn tail(cdf: &[[f64; 2]]) -> Vec<(f64, f64)> {
    let mut bins: Vec<(f64, f64, f64)> = Vec::new();
    let (mut below, mut previous) = (0.0, 0.0f64);
    for &[upper, share] in cdf {
        let count = share - below;
        below = share;
        if upper > 0.0 && count > 0.0 {
            let lower = (upper / BIN_RATIO).max(previous).max(SHORTEST).min(upper);
            bins.push((lower, upper, count * (lower * upper).sqrt()));
        }
        previous = previous.max(upper);
    }
    let total: f64 = bins.iter().map(|b| b.2).sum();
    if total <= 0.0 || !total.is_finite() {
        return Vec::new();
    }
    let mut points = Vec::with_capacity(2 * bins.len());
    let mut above = total;
    for (lower, upper, weight) in bins {
        points.push((lower, above / total));
        above -= weight;
        points.push((upper, (above / total).max(0.0)));
    }
    points
}

/// Where a falling curve first reaches `share` (interpolated on the log
/// time axis).
fn crossing(points: &[(f64, f64)], share: f64) -> Option<f64> {
    points.windows(2).find_map(|w| {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if y0 >= share && y1 <= share && y0 > y1 {
            let t = (y0 - share) / (y0 - y1);
            Some(10f64.powf(x0.log10() + t * (x1.log10() - x0.log10())))
        } else {
            None
        }
    })
}

/// The heading of the key, whose entries end with the length beyond
/// which half the SLI's downtime lies.
const KEY_HEADING: &str = "SLI: half the downtime in outages";

/// One SLI's curve: its index in the report, name and vertices.
type Line<'a> = (usize, &'a str, Vec<(f64, f64)>);

impl DowntimeTail<'_> {
    fn lines(&self) -> Vec<Line<'_>> {
        self.report
            .slis
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.name.as_str(), tail(&s.outage_cdf)))
            .filter(|(_, _, points)| !points.is_empty())
            .collect()
    }
}

impl Chart for DowntimeTail<'_> {
    const NAME: &'static str = "downtime_tail";

    fn height(&self) -> u32 {
        super::HEIGHT.max(96 + super::key_height(self.lines().len()) + 40)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let report = self.report;
        let body = frame(root, "Which outages carry the downtime", &run_line(report))?;
        let lines = self.lines();
        if lines.is_empty() {
            return super::empty(&body, "no outages");
        }
        let (lo, hi) = time_range(lines.iter().map(|l| l.2.as_slice()));
        let entries: Vec<(SeriesStyle, String)> = lines
            .iter()
            .map(|(index, name, points)| {
                let half = crossing(points, 0.5).map_or(String::new(), |x| {
                    format!(": half > {}", units::duration(x))
                });
                (series_style(*index), format!("{name}{half}"))
            })
            .collect();

        let (width, height) = body.dim_in_pixel();
        let (main, foot) = body.split_vertically(height - 40);
        let key_width = super::key_width(&main, KEY_HEADING, &entries)?;
        let (plot, key_area) = main.split_horizontally(width.saturating_sub(key_width));
        let shares: Vec<f64> = (0..=4).map(|q| q as f64 / 4.0).collect();
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(24)
            .margin_right(24)
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
            .y_desc("downtime in longer outages")
            .axis_desc_style((FONT, AXIS_NAME_PX))
            .label_style((FONT, TICK_PX))
            .draw()?;
        chart.draw_series(DashedLineSeries::new(
            [(lo, 0.5), (hi, 0.5)],
            10,
            8,
            BLACK.mix(0.4).stroke_width(1),
        ))?;
        for (index, _, points) in &lines {
            super::draw_line(&chart, points, series_style(*index), *index)?;
        }
        super::key(&key_area, KEY_HEADING, &entries)?;
        note(
            &foot,
            "each outage weighted by its length, pooled over all replications; read: y of the downtime was in outages longer than x",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_rare_outages_carry_the_downtime() {
        // 99 outages of about 1 s and one of about 1000 s: 1 % of the
        // outages, about 91 % of the downtime.
        let cdf = [[1.0, 0.99], [1000.0, 1.0]];
        let points = tail(&cdf);
        assert_eq!(points.first().map(|p| p.1), Some(1.0));
        assert_eq!(points.last().map(|p| p.1), Some(0.0));
        let short = 0.99 * (1.0 / BIN_RATIO).sqrt();
        let long = 0.01 * 1000.0 / BIN_RATIO.sqrt();
        let expected = long / (short + long);
        // After the short bin, only the long outage's share is left.
        assert!((points[1].1 - expected).abs() < 1e-12, "{points:?}");
        assert!((expected - 0.91).abs() < 0.01);
        let half = crossing(&points, 0.5).expect("a crossing");
        assert!(half > 900.0 && half < 1000.0, "{half}");
        assert!((BIN_RATIO - 10f64.powf(1.0 / 40.0)).abs() < 1e-15);
    }

    #[test]
    fn zero_length_outages_carry_nothing() {
        assert!(tail(&[[0.0, 1.0]]).is_empty());
        assert!(tail(&[]).is_empty());
        let points = tail(&[[0.0, 0.5], [10.0, 1.0]]);
        assert_eq!(points, [(10.0 / BIN_RATIO, 1.0), (10.0, 0.0)]);
    }
}
