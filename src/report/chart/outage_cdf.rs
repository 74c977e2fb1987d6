//! `outage_cdf`: the empirical distribution of outage durations, one line
//! per SLI, on a log time axis.

use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::{Axis, duration_label, duration_range, duration_ticks};
use super::{AXIS_NAME_PX, Chart, FONT, GRID_COLOR, TICK_PX, color, frame, note, run_line};
use crate::report::output::Output;
use crate::report::{Report, ReportError};

/// Shortest duration placed on the axis, seconds: a zero-length outage
/// would sit at minus infinity on a log scale.
const SHORTEST: f64 = 1e-3;

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
fn vertices(cdf: &[[f64; 2]]) -> Vec<(f64, f64)> {
    let mut points = Vec::with_capacity(cdf.len() + 1);
    if let Some(first) = cdf.first() {
        points.push((first[0].max(SHORTEST), 0.0));
    }
    points.extend(cdf.iter().map(|p| (p[0].max(SHORTEST), p[1])));
    points
}

impl Chart for OutageCdf<'_> {
    const NAME: &'static str = "outage_cdf";

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let report = self.report;
        let body = frame(root, "Outage durations (CDF)", &run_line(report))?;
        let lines: Vec<Line<'_>> = report
            .slis
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let count = s.outage_duration_seconds.map_or(0.0, |d| d.count);
                (i, s.name.as_str(), vertices(&s.outage_cdf), count)
            })
            .filter(|(_, _, d, _)| !d.is_empty())
            .collect();
        if lines.is_empty() {
            return super::empty(&body, "no outages");
        }
        let min = lines
            .iter()
            .flat_map(|(_, _, d, _)| d.first())
            .fold(f64::INFINITY, |m, &(d, _)| m.min(d))
            .max(SHORTEST);
        let max = lines
            .iter()
            .flat_map(|(_, _, d, _)| d.last())
            .fold(0.0f64, |m, &(d, _)| m.max(d))
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

        for (index, name, points, count) in &lines {
            let c = color(*index);
            chart
                .draw_series(LineSeries::new(points.iter().copied(), c.stroke_width(3)))?
                .label(format!(
                    "{name} ({} outages)",
                    crate::report::units::count(*count)
                ))
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
            .filter(|s| s.outage_cdf.is_empty())
            .map(|s| s.name.as_str())
            .collect();
        let mut text = String::from("outages pooled over all replications, in log-scale bins");
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
    fn a_cdf_rises_from_zero_at_its_first_edge_to_one() {
        assert_eq!(
            vertices(&[[1.0, 0.5], [2.0, 1.0]]),
            [(1.0, 0.0), (1.0, 0.5), (2.0, 1.0)]
        );
        assert_eq!(vertices(&[[0.0, 1.0]]), [(SHORTEST, 0.0), (SHORTEST, 1.0)]);
        assert!(vertices(&[]).is_empty());
    }
}
