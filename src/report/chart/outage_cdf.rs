//! `outage_cdf`: the empirical distribution of outage durations, one line
//! per SLI, on a log time axis.

use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{Axis, duration_label, duration_range, duration_ticks};
use super::{
    AXIS_NAME_PX, Chart, FONT, GRID_COLOR, SeriesStyle, TICK_PX, frame, note, run_line,
    series_style,
};
use crate::report::output::Output;
use crate::report::{Report, ReportError};

/// Shortest duration placed on the axis, seconds: a zero-length outage
/// would sit at minus infinity on a log scale.
pub(super) const SHORTEST: f64 = 1e-3;

/// Writes `outage_cdf.svg` and `outage_cdf.png` to `dir`: for each SLI with
/// outages, the share of its outages that lasted at most a given time
/// (from [`SliReport::outage_cdf`](crate::report::SliReport)), on a
/// log time axis labelled 1s, 10s, 1m, … SLIs without outages are left
/// out; with none at all the chart says "no outages".
pub fn render_outage_cdf(
    report: &Report,
    dir: impl Into<Output>,
) -> Result<Vec<PathBuf>, ReportError> {
    super::write(&OutageCdf { report }, &dir.into())
}

struct OutageCdf<'a> {
    report: &'a Report,
}

/// One SLI's curve: its colour index, name, vertices and outage count.
type Line<'a> = (usize, &'a str, Vec<(f64, f64)>, f64);

/// The vertices of a CDF given at histogram bin edges (`[seconds, share]`,
/// ascending): from zero at the first edge, then linear between edges.
pub(super) fn vertices(cdf: &[[f64; 2]]) -> Vec<(f64, f64)> {
    let mut points = Vec::with_capacity(cdf.len() + 1);
    if let Some(first) = cdf.first() {
        points.push((first[0].max(SHORTEST), 0.0));
    }
    points.extend(cdf.iter().map(|p| (p[0].max(SHORTEST), p[1])));
    points
}

impl OutageCdf<'_> {
    fn lines(&self) -> Vec<Line<'_>> {
        self.report
            .slis
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let count = s.outage_duration_seconds.map_or(0.0, |d| d.count);
                (i, s.name.as_str(), vertices(&s.outage_cdf), count)
            })
            .filter(|(_, _, d, _)| !d.is_empty())
            .collect()
    }
}

impl Chart for OutageCdf<'_> {
    const NAME: &'static str = "outage_cdf";

    fn height(&self) -> u32 {
        super::HEIGHT.max(96 + super::key_height(self.lines().len()) + 40)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let report = self.report;
        let body = frame(root, "Outage durations (CDF)", &run_line(report))?;
        let lines = self.lines();
        if lines.is_empty() {
            return super::empty(&body, "no outages");
        }
        let (lo, hi) = time_range(lines.iter().map(|l| l.2.as_slice()));
        let entries: Vec<(SeriesStyle, String)> = lines
            .iter()
            .map(|(index, name, _, count)| {
                (
                    series_style(*index),
                    format!("{name} ({} outages)", crate::report::units::count(*count)),
                )
            })
            .collect();

        let (width, height) = body.dim_in_pixel();
        let (main, foot) = body.split_vertically(height - 40);
        let key_width = super::key_width(&main, "SLI", &entries)?;
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
            .y_desc("outages at most this long")
            .axis_desc_style((FONT, AXIS_NAME_PX))
            .label_style((FONT, TICK_PX))
            .draw()?;

        for (index, _, points, _) in &lines {
            super::draw_line(&chart, points, series_style(*index), *index)?;
        }
        super::key(&key_area, "SLI", &entries)?;

        let left_out: Vec<&str> = report
            .slis
            .iter()
            .filter(|s| s.outage_cdf.is_empty())
            .map(|s| s.name.as_str())
            .collect();
        let mut text = String::from("outages pooled over all replications, in log-scale bins");
        if !left_out.is_empty() {
            text.push_str(&format!("; no outage seen: {}", super::list(&left_out, 60)));
        }
        note(&foot, &text)
    }
}

/// The log time axis covering every curve in `curves` (vertices whose x
/// is seconds, ascending).
pub(super) fn time_range<'a>(curves: impl Iterator<Item = &'a [(f64, f64)]> + Clone) -> (f64, f64) {
    let min = curves
        .clone()
        .flat_map(|d| d.first())
        .fold(f64::INFINITY, |m, &(d, _)| m.min(d))
        .max(SHORTEST);
    let max = curves
        .flat_map(|d| d.last())
        .fold(0.0f64, |m, &(d, _)| m.max(d))
        .max(min);
    duration_range(min, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cdf_rises_from_zero_at_its_first_edge_to_one() {
        assert_eq!(
            vertices(&[[1.0, 0.5], [2.0, 1.0]]),
            [(1.0, 0.0), (1.0, 0.5), (2.0, 1.0)]
        );
        assert_eq!(vertices(&[[0.0, 1.0]]), [(SHORTEST, 0.0), (SHORTEST, 1.0)]);
        assert!(vertices(&[]).is_empty());
    }
}
