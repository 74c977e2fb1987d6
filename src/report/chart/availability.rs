//! `availability`: one point per SLI with its confidence interval on a
//! nines scale, lower bounds where nothing failed, and targets.

use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{Axis, nines_label, nines_range, nines_ticks};
use super::mark::Mark;
use super::{
    AXIS_NAME_PX, Chart, FONT, GRID_COLOR, NOTE_COLOR, TARGET_COLOR, TICK_PX, color, faded,
    foot_height, frame, imprecise, imprecise_legend, nines, notes, run_line, text_style,
};
use crate::report::output::Output;
use crate::report::{Report, ReportError};

/// Writes `availability.svg` and `availability.png` to `dir`: per SLI, the
/// mean availability and its confidence interval on a nines scale (ticks
/// labelled 99 %, 99.9 %, …). An SLI that never failed is drawn as a lower
/// bound at 1 - `unavailability_upper`. Each (SLI, availability) in
/// `targets` is drawn as a dashed line over that SLI; targets naming no SLI
/// of the report are ignored.
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

impl Chart for Availability<'_> {
    const NAME: &'static str = "availability";

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
        let targets: Vec<Option<f64>> = report
            .slis
            .iter()
            .map(|s| {
                self.targets
                    .iter()
                    .find(|(name, _)| *name == s.name)
                    .map(|(_, a)| nines(*a))
                    .filter(|n| n.is_finite())
            })
            .collect();
        let (lo, hi) = nines_range(
            marks
                .iter()
                .flatten()
                .flat_map(Mark::extent)
                .chain(targets.iter().flatten().copied()),
        );

        let legend = imprecise_legend(report, "faded");
        let (_, height) = body.dim_in_pixel();
        let (plot, foot) =
            body.split_vertically(height - foot_height(1 + usize::from(legend.is_some())));
        let n = report.slis.len();
        let names: Vec<&str> = report.slis.iter().map(|s| s.name.as_str()).collect();
        let x_keys: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(24)
            .margin_right(100)
            .margin_top(12)
            .x_label_area_size(72)
            .y_label_area_size(160)
            .build_cartesian_2d(
                Axis::linear(-0.5, n as f64 - 0.5, x_keys),
                Axis::linear(lo, hi, nines_ticks(lo, hi)),
            )?;
        let x_label = |v: &f64| {
            let i = v.round();
            if i >= 0.0 && (i as usize) < names.len() {
                names[i as usize].to_string()
            } else {
                String::new()
            }
        };
        let y_label = |v: &f64| nines_label(*v);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(GRID_COLOR)
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .x_desc("SLI")
            .y_desc("availability (nines scale)")
            .axis_desc_style((FONT, AXIS_NAME_PX))
            .label_style((FONT, TICK_PX))
            .draw()?;

        let value_style = text_style(TICK_PX, &BLACK).pos(Pos::new(HPos::Left, VPos::Bottom));
        let nines_style = text_style(TICK_PX - 2, &NOTE_COLOR).pos(Pos::new(HPos::Left, VPos::Top));
        for (i, mark) in marks.iter().enumerate() {
            let x = i as f64;
            let vague = imprecise(&report.slis[i]);
            let c = if vague { faded(color(i)) } else { color(i) };
            if let Some(mark) = mark {
                mark.draw(&mut chart, x, 0.06, hi, c)?;
                let (value, detail) = match *mark {
                    Mark::Estimate { point, .. } if vague => {
                        (percent(point), format!("{point:.2} nines, imprecise"))
                    }
                    Mark::Estimate { point, .. } => (percent(point), format!("{point:.2} nines")),
                    Mark::Bound(at) => (format!("≥ {}", percent(at)), "no outage seen".into()),
                };
                let at = (x, mark.center());
                chart.draw_series([
                    EmptyElement::at(at) + Text::new(value, (16, 2), value_style.clone()),
                    EmptyElement::at(at) + Text::new(detail, (16, 4), nines_style.clone()),
                ])?;
            }
            if let Some(target) = targets[i] {
                chart.draw_series(DashedLineSeries::new(
                    [(x - 0.4, target), (x + 0.4, target)],
                    12,
                    8,
                    TARGET_COLOR.stroke_width(3),
                ))?;
                let style =
                    text_style(TICK_PX - 2, &TARGET_COLOR).pos(Pos::new(HPos::Right, VPos::Bottom));
                chart.draw_series([EmptyElement::at((x + 0.4, target))
                    + Text::new(format!("target {}", nines_label(target)), (0, -6), style)])?;
            }
        }

        let level = format!("{:.0}%", report.confidence * 100.0);
        let mut text = format!("● mean availability, bars: {level} confidence interval");
        if marks.iter().any(|m| matches!(m, Some(Mark::Bound(_)))) {
            text.push_str(&format!(
                "   ○↑ no outage seen: lower bound at {level} confidence"
            ));
        }
        if targets.iter().any(Option::is_some) {
            text.push_str("   - - target");
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
