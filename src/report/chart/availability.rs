//! `availability`: one point per SLI with its confidence interval on a
//! nines scale, lower bounds where nothing failed, and targets.

use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{Axis, nines_label, nines_range, nines_ticks};
use super::mark::Mark;
use super::{
    AXIS_NAME_PX, Chart, FONT, GRID_COLOR, TARGET_COLOR, TICK_PX, WIDTH, color, faded, foot_height,
    frame, imprecise, imprecise_legend, nines, notes, run_line, text_style,
};
use crate::report::output::Output;
use crate::report::{Report, ReportError};

/// Writes `availability.svg` and `availability.png` to `dir`: per SLI, the
/// mean availability and its confidence interval on a nines scale (ticks
/// labelled 99 %, 99.9 %, …), one row per SLI named on the left, and in
/// a column on the right its value in words. An SLI that never failed is
/// drawn as a lower bound at 1 - `unavailability_upper`. Each (SLI,
/// availability) in `targets` is drawn as a dashed red line across that
/// SLI's row and written after its value; targets naming no SLI of the
/// report are ignored. The chart grows taller with the number of SLIs.
pub fn render_availability(
    report: &Report,
    targets: &[(String, f64)],
    dir: impl Into<Output>,
) -> Result<Vec<PathBuf>, ReportError> {
    super::write(&Availability { report, targets }, &dir.into())
}

struct Availability<'a> {
    report: &'a Report,
    targets: &'a [(String, f64)],
}

/// An availability with two significant digits of unavailability:
/// `99.99977%`, `99.50%`.
fn percent(nines_value: f64) -> String {
    let availability = 1.0 - 10f64.powf(-nines_value);
    let decimals = (nines_value.ceil() - 1.0).clamp(1.0, 10.0) as usize;
    format!("{:.*}%", decimals, availability * 100.0)
}

/// Space under the title that is not rows: plot margin, the x axis and
/// two note lines, pixels.
const FIXED_PX: u32 = 96 + 12 + 72 + 16 + 2 * 24;

impl Availability<'_> {
    /// The target of each SLI of the report, in nines.
    fn targets(&self) -> Vec<Option<f64>> {
        self.report
            .slis
            .iter()
            .map(|s| {
                self.targets
                    .iter()
                    .find(|(name, _)| *name == s.name)
                    .map(|(_, a)| nines(*a))
                    .filter(|n| n.is_finite())
            })
            .collect()
    }
}

/// The value column's text for one SLI.
fn value_text(mark: Option<Mark>, vague: bool) -> String {
    match mark {
        Some(Mark::Estimate { point, .. }) if vague => {
            format!("{} · {point:.2} nines, imprecise", percent(point))
        }
        Some(Mark::Estimate { point, .. }) => format!("{} · {point:.2} nines", percent(point)),
        Some(Mark::Bound(at)) => format!("≥ {} · no outage seen", percent(at)),
        None => "no estimate".into(),
    }
}

impl Chart for Availability<'_> {
    const NAME: &'static str = "availability";

    fn height(&self) -> u32 {
        super::rows_height(self.report.slis.len(), FIXED_PX)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let report = self.report;
        let body = frame(root, "Availability per SLI", &run_line(report))?;
        if report.slis.is_empty() {
            return super::empty(&body, "no SLIs in this report");
        }
        let marks: Vec<Option<Mark>> = report.slis.iter().map(Mark::of).collect();
        let targets = self.targets();
        let (lo, hi) = nines_range(
            marks
                .iter()
                .flatten()
                .flat_map(Mark::extent)
                .chain(targets.iter().flatten().copied()),
        );

        let legend = imprecise_legend(report, "faded");
        let (width, height) = body.dim_in_pixel();
        let (main, foot) =
            body.split_vertically(height - foot_height(1 + usize::from(legend.is_some())));

        // Three columns: SLI names (the y axis labels), the plot, and each
        // SLI's value and target in words.
        let n = report.slis.len();
        let tick_style = text_style(TICK_PX, &BLACK);
        let target_style = text_style(TICK_PX, &TARGET_COLOR);
        let mut name_width = 0;
        for sli in &report.slis {
            name_width = name_width.max(super::text_width(&main, &sli.name, &tick_style)?);
        }
        let values: Vec<String> = marks
            .iter()
            .zip(&report.slis)
            .map(|(m, s)| value_text(*m, imprecise(s)))
            .collect();
        let target_texts: Vec<Option<String>> = targets
            .iter()
            .map(|t| t.map(|t| format!("target {}", nines_label(t))))
            .collect();
        let mut value_width = 0;
        for (value, target) in values.iter().zip(&target_texts) {
            let mut w = super::text_width(&main, value, &tick_style)?;
            if let Some(target) = target {
                w += VALUE_GAP_PX + super::text_width(&main, target, &target_style)?;
            }
            value_width = value_width.max(w);
        }
        let value_column = (value_width + 32).max(200);
        let (plot, _) = main.split_horizontally(width.saturating_sub(value_column));
        let names_px = name_width + 24;
        let (plot_width, _) = plot.dim_in_pixel();
        let x_axis = Axis::linear(lo, hi, nines_ticks(lo, hi));
        let mut label_widths = Vec::new();
        for &t in x_axis.ticks() {
            label_widths.push(f64::from(super::text_width(
                &main,
                &nines_label(t),
                &tick_style,
            )?));
        }
        let axis_px = f64::from(plot_width.saturating_sub(names_px + 24 + 24));
        let x_axis = x_axis.thinned(axis_px, &label_widths);
        let rows: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(24)
            .margin_right(24)
            .margin_top(12)
            .x_label_area_size(72)
            .y_label_area_size(names_px)
            .build_cartesian_2d(x_axis, Axis::linear(-0.5, n as f64 - 0.5, rows))?;
        // Row 0 is at the bottom: the first SLI of the report goes on top.
        let row_of = |i: usize| (n - 1 - i) as f64;
        let name_of = |v: &f64| {
            let i = v.round();
            if i >= 0.0 && (i as usize) < n {
                report.slis[n - 1 - i as usize].name.clone()
            } else {
                String::new()
            }
        };
        let x_label = |v: &f64| nines_label(*v);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID_COLOR)
            .x_label_formatter(&x_label)
            .y_label_formatter(&name_of)
            .x_desc("availability (nines scale)")
            .axis_desc_style((FONT, AXIS_NAME_PX))
            .label_style((FONT, TICK_PX))
            .draw()?;

        let value_style = tick_style.pos(Pos::new(HPos::Left, VPos::Center));
        let target_label = target_style.pos(Pos::new(HPos::Left, VPos::Center));
        let column_x = (WIDTH - value_column + 8) as i32;
        for (i, mark) in marks.iter().enumerate() {
            let y = row_of(i);
            let vague = imprecise(&report.slis[i]);
            let c = if vague { faded(color(i)) } else { color(i) };
            if let Some(target) = targets[i] {
                chart.draw_series(DashedLineSeries::new(
                    [(target, y - 0.42), (target, y + 0.42)],
                    8,
                    5,
                    TARGET_COLOR.stroke_width(3),
                ))?;
            }
            if let Some(mark) = mark {
                mark.draw_across(&mut chart, y, 0.18, hi, c)?;
            }
            // The value column, on the row's line (root coordinates).
            let (_, row_px) = chart.backend_coord(&(lo, y));
            root.draw_text(&values[i], &value_style, (column_x, row_px))?;
            if let Some(target) = &target_texts[i] {
                let w = super::text_width(root, &values[i], &value_style)?;
                root.draw_text(
                    target,
                    &target_label,
                    (column_x + (w + VALUE_GAP_PX) as i32, row_px),
                )?;
            }
        }

        let level = format!("{:.0}%", report.confidence * 100.0);
        let mut text = format!("● mean availability, bars: {level} confidence interval");
        if marks.iter().any(|m| matches!(m, Some(Mark::Bound(_)))) {
            text.push_str(&format!(
                "   ○→ no outage seen: lower bound at {level} confidence"
            ));
        }
        if targets.iter().any(Option::is_some) {
            text.push_str("   ┆ target (expect:)");
        }
        notes(
            &foot,
            &[Some(text), legend]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>(),
        )
    }
}

/// Space between an SLI's value and its target in the value column, px.
const VALUE_GAP_PX: u32 = 14;
