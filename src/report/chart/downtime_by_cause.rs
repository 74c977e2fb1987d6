//! `downtime_by_cause`: per SLI, its downtime per year as a horizontal bar
//! split into the initiating causes it is charged to.

use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{Axis, linear_ticks, number_label};
use super::{
    AXIS_NAME_PX, Chart, FONT, GRID_COLOR, PALETTE, TICK_PX, faded, foot_height, frame, imprecise,
    imprecise_legend, notes, run_line, text_style,
};
use crate::report::output::Output;
use crate::report::{Report, ReportError, SliReport};

/// Causes drawn in their own colour, largest first; the rest share one
/// grey "other causes" segment so that colours stay distinguishable.
const MAX_CAUSES: usize = PALETTE.len() - 1;

/// Colour of the "other causes" segment.
const OTHER_COLOR: RGBColor = RGBColor(0xAA, 0xAA, 0xAA);

/// Label of the "other causes" segment.
const OTHER: &str = "other causes";

/// Writes `downtime_by_cause.svg` and `downtime_by_cause.png` to `dir`: one
/// horizontal bar per SLI with downtime, as long as its request-weighted
/// downtime per year (in seconds, minutes or hours, whichever reads best),
/// split into the causes it is charged to
/// ([`SliReport::downtime_by_cause`]), with a whisker for the confidence
/// interval of the downtime. A cause keeps its colour across bars; causes
/// beyond the six largest (over all SLIs) are drawn together as "other
/// causes". The bar of an SLI whose downtime is imprecise is faded and
/// labelled so. SLIs without downtime are named in a note; with none at
/// all the chart says "no downtime".
pub fn render_downtime_by_cause(
    report: &Report,
    dir: impl Into<Output>,
) -> Result<Vec<PathBuf>, ReportError> {
    super::write(&DowntimeByCause { report }, &dir.into())
}

struct DowntimeByCause<'a> {
    report: &'a Report,
}

/// Request-weighted downtime per year charged to causes, seconds.
fn total(sli: &SliReport) -> f64 {
    sli.downtime_by_cause
        .iter()
        .map(|c| c.downtime_seconds_per_year)
        .filter(|d| d.is_finite() && *d > 0.0)
        .sum()
}

/// The confidence interval of the SLI's downtime per year, seconds, when
/// both ends are finite.
fn whisker(sli: &SliReport) -> Option<(f64, f64)> {
    let d = &sli.downtime_seconds_per_year;
    (d.lower.is_finite() && d.upper.is_finite()).then_some((d.lower.max(0.0), d.upper))
}

/// Causes in colour order: largest total downtime over all SLIs first,
/// ties by name. Only the first [`MAX_CAUSES`] get their own colour.
fn cause_order(slis: &[&SliReport]) -> Vec<String> {
    let mut totals: Vec<(String, f64)> = Vec::new();
    for sli in slis {
        for c in &sli.downtime_by_cause {
            let d = c.downtime_seconds_per_year;
            if !(d.is_finite() && d > 0.0) {
                continue;
            }
            match totals.iter_mut().find(|(name, _)| *name == c.cause) {
                Some((_, t)) => *t += d,
                None => totals.push((c.cause.clone(), d)),
            }
        }
    }
    totals.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    totals.into_iter().map(|(name, _)| name).collect()
}

/// The unit downtime per year is shown in: (seconds per unit, name,
/// short name), chosen so that the longest bar reads between about 1 and
/// 120 units.
fn unit(max_secs: f64) -> (f64, &'static str, &'static str) {
    if max_secs < 120.0 {
        (1.0, "seconds", "s")
    } else if max_secs < 2.0 * 3_600.0 {
        (60.0, "minutes", "min")
    } else {
        (3_600.0, "hours", "h")
    }
}

/// A value with three significant digits at most: `12.3`, `0.457`, `152`.
fn short(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else if value >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

/// Segments of one SLI's bar: (colour index, or None for "other causes";
/// downtime per year in seconds), in colour order.
fn segments(sli: &SliReport, causes: &[String]) -> Vec<(Option<usize>, f64)> {
    let mut own = vec![0.0; causes.len().min(MAX_CAUSES)];
    let mut other = 0.0;
    for c in &sli.downtime_by_cause {
        let d = c.downtime_seconds_per_year;
        if !(d.is_finite() && d > 0.0) {
            continue;
        }
        match causes.iter().position(|name| *name == c.cause) {
            Some(k) if k < MAX_CAUSES => own[k] += d,
            _ => other += d,
        }
    }
    let mut out: Vec<(Option<usize>, f64)> = own
        .into_iter()
        .enumerate()
        .filter(|(_, d)| *d > 0.0)
        .map(|(k, d)| (Some(k), d))
        .collect();
    if other > 0.0 {
        out.push((None, other));
    }
    out
}

fn segment_color(key: Option<usize>) -> RGBColor {
    key.map_or(OTHER_COLOR, |k| PALETTE[k % PALETTE.len()])
}

/// Space under the title that is not rows: plot margin, the x axis and
/// two note lines, pixels.
const FIXED_PX: u32 = 96 + 12 + 72 + 16 + 2 * 24;

impl Chart for DowntimeByCause<'_> {
    const NAME: &'static str = "downtime_by_cause";

    fn height(&self) -> u32 {
        let bars = self.report.slis.iter().filter(|s| total(s) > 0.0).count();
        super::rows_height(bars, FIXED_PX)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let report = self.report;
        let body = frame(root, "Downtime by cause", &run_line(report))?;
        let bars: Vec<&SliReport> = report.slis.iter().filter(|s| total(s) > 0.0).collect();
        let quiet: Vec<&str> = report
            .slis
            .iter()
            .filter(|s| total(s) <= 0.0)
            .map(|s| s.name.as_str())
            .collect();
        if bars.is_empty() {
            return super::empty(&body, "no downtime");
        }
        let causes = cause_order(&bars);
        let max = bars.iter().map(|s| total(s)).fold(0.0f64, f64::max);
        let (scale, unit_name, unit_short) = unit(max);
        let reach = bars
            .iter()
            .map(|s| whisker(s).map_or(total(s), |(_, upper)| upper.max(total(s))))
            .fold(0.0f64, f64::max);
        let value_label = |sli: &SliReport| {
            let x = total(sli) / scale;
            if imprecise(sli) {
                format!("{} {unit_short}, imprecise", short(x))
            } else {
                format!("{} {unit_short}", short(x))
            }
        };

        let legend_note = imprecise_legend(report, "faded bars");
        let (width, height) = body.dim_in_pixel();
        let (main, foot) =
            body.split_vertically(height - foot_height(1 + usize::from(legend_note.is_some())));
        let legend_width = 330;
        let (plot, legend) = main.split_horizontally(width - legend_width);

        let n = bars.len();
        let tick_style = text_style(TICK_PX, &BLACK);
        let mut name_width = 0;
        for sli in &bars {
            name_width = name_width.max(super::text_width(&plot, &sli.name, &tick_style)?);
        }
        // Room right of the longest bar for its value label.
        let mut label_width = 0;
        for sli in &bars {
            label_width =
                label_width.max(super::text_width(&plot, &value_label(sli), &tick_style)?);
        }
        let y_label_px = (name_width + 24).clamp(120, 560);
        let axis_px = f64::from(
            plot.dim_in_pixel()
                .0
                .saturating_sub(y_label_px + 24 + 16)
                .max(1),
        );
        let room = (f64::from(label_width + 24) / axis_px).min(0.6);
        let x_hi = reach / scale / (1.0 - room);
        let rows: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(24)
            .margin_right(16)
            .margin_top(12)
            .x_label_area_size(72)
            .y_label_area_size(y_label_px)
            .build_cartesian_2d(
                Axis::linear(0.0, x_hi, linear_ticks(&[], 0.0, x_hi)),
                Axis::linear(-0.5, n as f64 - 0.5, rows),
            )?;
        // Row 0 is at the bottom: the first SLI of the report goes on top.
        let name_of = |v: &f64| {
            let i = v.round();
            if i >= 0.0 && (i as usize) < n {
                bars[n - 1 - i as usize].name.clone()
            } else {
                String::new()
            }
        };
        let x_label = |v: &f64| number_label(*v);
        let x_desc = format!("downtime per year ({unit_name}, request-weighted)");
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID_COLOR)
            .x_label_formatter(&x_label)
            .y_label_formatter(&name_of)
            .x_desc(x_desc)
            .axis_desc_style((FONT, AXIS_NAME_PX))
            .label_style((FONT, TICK_PX))
            .draw()?;

        let half = if n == 1 { 0.25 } else { 0.36 };
        let value_style = text_style(TICK_PX, &BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        for (i, sli) in bars.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let vague = imprecise(sli);
            let mut x = 0.0;
            for (key, secs) in segments(sli, &causes) {
                let w = secs / scale;
                let fill = if vague {
                    faded(segment_color(key))
                } else {
                    segment_color(key)
                };
                chart.draw_series([
                    Rectangle::new([(x, y - half), (x + w, y + half)], fill.filled()),
                    Rectangle::new([(x, y - half), (x + w, y + half)], WHITE.stroke_width(1)),
                ])?;
                x += w;
            }
            let mut end = x;
            if let Some((lower, upper)) = whisker(sli) {
                let (lower, upper) = (lower / scale, upper / scale);
                let cap = half * 0.5;
                let line = BLACK.stroke_width(2);
                chart.draw_series([
                    PathElement::new(vec![(lower, y), (upper, y)], line),
                    PathElement::new(vec![(lower, y - cap), (lower, y + cap)], line),
                    PathElement::new(vec![(upper, y - cap), (upper, y + cap)], line),
                ])?;
                end = end.max(upper);
            }
            let label = value_label(sli);
            chart.draw_series([
                EmptyElement::at((end, y)) + Text::new(label, (8, 0), value_style.clone())
            ])?;
        }

        // Legend: one swatch per cause, in colour order.
        let mut keys: Vec<(RGBColor, &str)> = causes
            .iter()
            .take(MAX_CAUSES)
            .enumerate()
            .map(|(k, name)| (segment_color(Some(k)), name.as_str()))
            .collect();
        if causes.len() > MAX_CAUSES {
            keys.push((OTHER_COLOR, OTHER));
        }
        let head = text_style(TICK_PX, &BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        legend.draw_text("cause", &head, (8, 28))?;
        let label = text_style(TICK_PX - 4, &BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        for (k, (c, name)) in keys.iter().enumerate() {
            let y = 64 + 34 * k as i32;
            legend.draw(&Rectangle::new([(8, y - 10), (30, y + 10)], c.filled()))?;
            legend.draw_text(&clip(name, 28), &label, (40, y))?;
        }

        let level = format!("{:.0}%", report.confidence * 100.0);
        let mut text = format!(
            "mean over all replications, split by initiating cause; whiskers: {level} confidence interval"
        );
        if !quiet.is_empty() {
            text.push_str("; no downtime: ");
            text.push_str(&super::list(&quiet, 40));
        }
        notes(
            &foot,
            &[Some(text), legend_note]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>(),
        )
    }
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_keep_bars_readable() {
        assert_eq!(unit(30.0).1, "seconds");
        assert_eq!(unit(600.0).1, "minutes");
        assert_eq!(unit(5.0 * 3_600.0).1, "hours");
        assert_eq!(short(12.345), "12.3");
        assert_eq!(short(0.4567), "0.457");
    }

    #[test]
    fn long_lists_are_cut() {
        assert_eq!(super::super::list(&["a", "b"], 70), "a, b");
        assert_eq!(
            super::super::list(&["aaaa", "bbbb", "cccc"], 8),
            "aaaa and 2 more"
        );
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
