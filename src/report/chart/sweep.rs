//! `sweep`: availability (nines) per SLI against one scenario parameter,
//! from one report per parameter value.

use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{Axis, linear_ticks, nines_label, nines_range, nines_ticks, number_label};
use super::mark::Mark;
use super::{
    AXIS_NAME_PX, Chart, FONT, GRID_COLOR, SeriesStyle, TICK_PX, frame, note, run_line,
    series_style, text_style,
};
use crate::report::output::Output;
use crate::report::{Report, ReportError};

/// Writes `sweep.svg` and `sweep.png` to `dir`: x is the value of
/// `parameter` (as written, e.g. `etcd.members`), y the availability of
/// each SLI in nines with its confidence interval, one line per SLI in the
/// order SLIs first appear. `points` pairs each parameter value with the
/// report simulated at it, in any order; non-finite values are skipped.
/// SLIs that never failed at a value are drawn there as lower bounds.
pub fn render_sweep(
    parameter: &str,
    points: &[(f64, &Report)],
    dir: impl Into<Output>,
) -> Result<Vec<PathBuf>, ReportError> {
    super::write(&Sweep { parameter, points }, &dir.into())
}

struct Sweep<'a> {
    parameter: &'a str,
    points: &'a [(f64, &'a Report)],
}

/// One SLI's marks, ascending in the parameter.
struct Line<'a> {
    name: &'a str,
    marks: Vec<(f64, Mark)>,
}

impl Sweep<'_> {
    fn lines(&self) -> Vec<Line<'_>> {
        let mut sorted: Vec<(f64, &Report)> = self
            .points
            .iter()
            .filter(|(x, _)| x.is_finite())
            .map(|&(x, r)| (x, r))
            .collect();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut lines: Vec<Line<'_>> = Vec::new();
        for (x, report) in sorted {
            for sli in &report.slis {
                let Some(mark) = Mark::of(sli) else { continue };
                match lines.iter_mut().find(|l| l.name == sli.name) {
                    Some(line) => line.marks.push((x, mark)),
                    None => lines.push(Line {
                        name: &sli.name,
                        marks: vec![(x, mark)],
                    }),
                }
            }
        }
        lines
    }
}

impl Chart for Sweep<'_> {
    const NAME: &'static str = "sweep";

    fn height(&self) -> u32 {
        super::HEIGHT.max(96 + super::key_height(self.lines().len()) + 40)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let title = format!("Availability vs {}", self.parameter);
        let subtitle = match self.points.first() {
            Some((_, report)) => format!("each point: {}", run_line(report)),
            None => String::new(),
        };
        let body = frame(root, &title, &subtitle)?;
        let lines = self.lines();
        if lines.is_empty() {
            return super::empty(&body, "no sweep points");
        }

        let xs: Vec<f64> = lines
            .iter()
            .flat_map(|l| l.marks.iter().map(|m| m.0))
            .collect();
        let (x_lo, x_hi) = padded_range(&xs);
        // Lines side by side so their whiskers do not hide each other.
        let dodge = (x_hi - x_lo) * 0.006;
        let (lo, hi) = nines_range(
            lines
                .iter()
                .flat_map(|l| l.marks.iter().flat_map(|(_, m)| m.extent())),
        );

        let entries: Vec<(SeriesStyle, String)> = lines
            .iter()
            .enumerate()
            .map(|(k, l)| (series_style(k), l.name.to_string()))
            .collect();
        let (width, height) = body.dim_in_pixel();
        let (main, foot) = body.split_vertically(height - 40);
        let key_width = super::key_width(&main, "SLI", &entries)?;
        let (plot, key_area) = main.split_horizontally(width.saturating_sub(key_width));
        // Room for the widest tick label beside the rotated axis name.
        let tick_style = text_style(TICK_PX, &BLACK);
        let mut y_label_px = 0;
        for t in nines_ticks(lo, hi) {
            y_label_px = y_label_px.max(super::text_width(&plot, &nines_label(t), &tick_style)?);
        }
        let y_label_px = (y_label_px + 64).max(160);
        let x_axis = thinned_x(&plot, &xs, x_lo, x_hi, y_label_px)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(24)
            .margin_right(24)
            .margin_top(12)
            .x_label_area_size(72)
            .y_label_area_size(y_label_px)
            .build_cartesian_2d(x_axis, Axis::linear(lo, hi, nines_ticks(lo, hi)))?;
        let x_label = |v: &f64| number_label(*v);
        let y_label = |v: &f64| nines_label(*v);
        chart
            .configure_mesh()
            .bold_line_style(GRID_COLOR)
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .x_desc(self.parameter)
            .y_desc("availability (nines scale)")
            .axis_desc_style((FONT, AXIS_NAME_PX))
            .label_style((FONT, TICK_PX))
            .draw()?;

        let count = lines.len() as f64;
        for (k, line) in lines.iter().enumerate() {
            let style = series_style(k);
            let shift = (k as f64 - (count - 1.0) / 2.0) * dodge;
            let points: Vec<(f64, f64)> = line
                .marks
                .iter()
                .map(|(x, m)| (x + shift, m.center()))
                .collect();
            style.path(chart.plotting_area(), points)?;
            for (x, mark) in &line.marks {
                mark.draw(&mut chart, x + shift, dodge * 0.8, hi, style.color)?;
            }
        }
        super::key(&key_area, "SLI", &entries)?;

        let level = self.points.first().map_or(String::new(), |(_, r)| {
            format!("{:.0}% ", r.confidence * 100.0)
        });
        note(
            &foot,
            &format!(
                "● mean availability, bars: {level}confidence interval   ○↑ no outage seen: lower bound"
            ),
        )
    }
}

/// One point's paired differences, as drawn: per SLI, the mean difference
/// in downtime per year with its interval, seconds.
pub struct DifferencePoint<'a> {
    /// The parameter value (x).
    pub x: f64,
    /// Whether this is the reference point itself (labelled `ref`).
    pub reference: bool,
    /// Per SLI present at both points: name, mean, lower, upper (seconds
    /// per year; the interval is the mean itself when nothing varies).
    pub slis: Vec<(&'a str, f64, f64, f64)>,
}

/// Writes `sweep_difference.svg` and `.png` to `dir`: x is the value of
/// `parameter`, y each SLI's paired difference in downtime per year to the
/// reference point, with its confidence interval as error bars, one line
/// per SLI, and a dashed line at zero. `subtitle` names the reference and
/// the run. Points without a difference are left out by the caller.
pub fn render_sweep_difference(
    parameter: &str,
    subtitle: &str,
    level: f64,
    points: &[DifferencePoint<'_>],
    dir: impl Into<Output>,
) -> Result<Vec<PathBuf>, ReportError> {
    super::write(
        &SweepDifference {
            parameter,
            subtitle,
            level,
            points,
        },
        &dir.into(),
    )
}

struct SweepDifference<'a> {
    parameter: &'a str,
    subtitle: &'a str,
    level: f64,
    points: &'a [DifferencePoint<'a>],
}

/// A unit for downtime differences: its size in seconds and its name.
fn difference_unit(largest: f64) -> (f64, &'static str) {
    if largest >= 2.0 * 86_400.0 {
        (86_400.0, "days")
    } else if largest >= 2.0 * 3_600.0 {
        (3_600.0, "hours")
    } else if largest >= 120.0 {
        (60.0, "minutes")
    } else {
        (1.0, "seconds")
    }
}

/// One SLI's differences: (x, mean, lower, upper) ascending in x.
struct DifferenceLine<'a> {
    name: &'a str,
    marks: Vec<(f64, f64, f64, f64)>,
}

impl SweepDifference<'_> {
    fn lines(&self) -> Vec<DifferenceLine<'_>> {
        let mut sorted: Vec<&DifferencePoint<'_>> =
            self.points.iter().filter(|p| p.x.is_finite()).collect();
        sorted.sort_by(|a, b| a.x.total_cmp(&b.x));
        let mut lines: Vec<DifferenceLine<'_>> = Vec::new();
        for point in sorted {
            for &(name, mean, lower, upper) in &point.slis {
                if !(mean.is_finite() && lower.is_finite() && upper.is_finite()) {
                    continue;
                }
                let mark = (point.x, mean, lower.min(mean), upper.max(mean));
                match lines.iter_mut().find(|l| l.name == name) {
                    Some(line) => line.marks.push(mark),
                    None => lines.push(DifferenceLine {
                        name,
                        marks: vec![mark],
                    }),
                }
            }
        }
        lines
    }
}

impl Chart for SweepDifference<'_> {
    const NAME: &'static str = "sweep_difference";

    fn height(&self) -> u32 {
        super::HEIGHT.max(96 + super::key_height(self.lines().len()) + 40)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let title = format!("Paired difference in downtime vs {}", self.parameter);
        let body = frame(root, &title, self.subtitle)?;
        let lines = self.lines();
        if lines.is_empty() {
            return super::empty(&body, "no paired differences");
        }
        let xs: Vec<f64> = lines
            .iter()
            .flat_map(|l| l.marks.iter().map(|m| m.0))
            .collect();
        let (x_lo, x_hi) = padded_range(&xs);
        let dodge = (x_hi - x_lo) * 0.006;

        let largest = lines
            .iter()
            .flat_map(|l| l.marks.iter().flat_map(|m| [m.2.abs(), m.3.abs()]))
            .fold(0.0, f64::max);
        let (unit, unit_name) = difference_unit(largest);
        let (mut lo, mut hi) = lines
            .iter()
            .flat_map(|l| l.marks.iter().flat_map(|m| [m.2 / unit, m.3 / unit]))
            .fold((0.0_f64, 0.0_f64), |(lo, hi), y| (lo.min(y), hi.max(y)));
        if hi - lo <= 0.0 {
            (lo, hi) = (-1.0, 1.0);
        }
        let y_pad = (hi - lo) * 0.08;
        let (lo, hi) = (lo - y_pad, hi + y_pad);

        let entries: Vec<(SeriesStyle, String)> = lines
            .iter()
            .enumerate()
            .map(|(k, l)| (series_style(k), l.name.to_string()))
            .collect();
        let (width, height) = body.dim_in_pixel();
        let (main, foot) = body.split_vertically(height - 40);
        let key_width = super::key_width(&main, "SLI", &entries)?;
        let (plot, key_area) = main.split_horizontally(width.saturating_sub(key_width));
        let x_axis = thinned_x(&plot, &xs, x_lo, x_hi, 160)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(24)
            .margin_right(24)
            .margin_top(12)
            .x_label_area_size(72)
            .y_label_area_size(160)
            .build_cartesian_2d(x_axis, Axis::linear(lo, hi, linear_ticks(&[], lo, hi)))?;
        let x_label = |v: &f64| number_label(*v);
        let y_label = |v: &f64| {
            let text = number_label(*v);
            if *v > 0.0 { format!("+{text}") } else { text }
        };
        chart
            .configure_mesh()
            .bold_line_style(GRID_COLOR)
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .x_desc(self.parameter)
            .y_desc(format!("Δ downtime, {unit_name} per year"))
            .axis_desc_style((FONT, AXIS_NAME_PX))
            .label_style((FONT, TICK_PX))
            .draw()?;
        chart.draw_series(DashedLineSeries::new(
            [(x_lo, 0.0), (x_hi, 0.0)],
            12,
            8,
            BLACK.mix(0.6).stroke_width(2),
        ))?;

        let count = lines.len() as f64;
        for (k, line) in lines.iter().enumerate() {
            let style = series_style(k);
            let c = style.color;
            let shift = (k as f64 - (count - 1.0) / 2.0) * dodge;
            let stroke = c.stroke_width(3);
            let points: Vec<(f64, f64)> = line
                .marks
                .iter()
                .map(|m| (m.0 + shift, m.1 / unit))
                .collect();
            style.path(chart.plotting_area(), points)?;
            let cap = dodge * 0.8;
            for &(x, mean, lower, upper) in &line.marks {
                let x = x + shift;
                let (mean, lower, upper) = (mean / unit, lower / unit, upper / unit);
                if upper > lower {
                    chart.draw_series([
                        PathElement::new(vec![(x, lower), (x, upper)], stroke),
                        PathElement::new(vec![(x - cap, lower), (x + cap, lower)], stroke),
                        PathElement::new(vec![(x - cap, upper), (x + cap, upper)], stroke),
                    ])?;
                }
                chart.draw_series([Circle::new((x, mean), 8, c.filled())])?;
            }
        }
        if let Some(r) = self.points.iter().find(|p| p.reference && p.x.is_finite()) {
            let style = super::text_style(TICK_PX, &super::NOTE_COLOR)
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            chart
                .draw_series([EmptyElement::at((r.x, 0.0)) + Text::new("ref", (0, -14), style)])?;
        }
        super::key(&key_area, "SLI", &entries)?;
        note(
            &foot,
            &format!(
                "● mean of the per-replication differences (this point − reference), bars: {:.0}% paired-t interval; 0 without a bar: identical",
                self.level * 100.0
            ),
        )
    }
}

/// The range of the swept values `xs`, padded so the end marks stay clear
/// of the axes (a single value gets a range around it).
fn padded_range(xs: &[f64]) -> (f64, f64) {
    let (min, max) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    let pad = if max > min {
        (max - min) * 0.06
    } else {
        (min.abs() * 0.1).max(1.0)
    };
    (min - pad, max + pad)
}

/// The x axis of a sweep chart on `plot` over `lo..hi` with ticks at the
/// swept values `xs`, thinned so that their labels do not overlap
/// (`y_label_px` is the width of the y axis labels).
fn thinned_x<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    xs: &[f64],
    lo: f64,
    hi: f64,
    y_label_px: u32,
) -> Result<Axis, DrawingAreaErrorKind<DB::ErrorType>> {
    let axis = Axis::linear(lo, hi, linear_ticks(xs, lo, hi));
    let style = text_style(TICK_PX, &BLACK);
    let mut widths = Vec::new();
    for &t in axis.ticks() {
        widths.push(f64::from(super::text_width(
            plot,
            &number_label(t),
            &style,
        )?));
    }
    let length = f64::from(plot.dim_in_pixel().0.saturating_sub(y_label_px + 48));
    Ok(axis.thinned(length, &widths))
}
