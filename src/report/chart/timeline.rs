//! `timeline`: one replication's trace, one row per SLI showing its
//! success share over time, under a row of fault markers.

use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{Axis, linear_ticks, number_label};
use super::{
    AXIS_NAME_PX, Chart, FONT, GRID_COLOR, NOTE_COLOR, NOTE_PX, PALETTE, TICK_PX, frame, text_style,
};
use crate::experiment::TraceEntry;
use crate::report::output::Output;
use crate::report::{ReportError, units};

/// Most SLI rows drawn; beyond that the SLIs that lost the most time are
/// kept.
const MAX_ROWS: usize = 30;

/// Most fault labels written; every fault still gets its tick.
const MAX_LABELS: usize = 20;

/// Narrowest span or tick drawn, pixels: a 5-second outage in a year is
/// far below one pixel.
const MIN_PX: f64 = 2.0;

/// Colour of a span where an SLI is down (share 0); partial shares are
/// drawn lighter.
const DOWN_COLOR: RGBColor = RGBColor(0xD5, 0x5E, 0x00);

/// Colour of a row's background (the SLI fully up).
const ROW_COLOR: RGBColor = RGBColor(0xEE, 0xF4, 0xEE);

/// Writes `timeline.svg` and `timeline.png` to `dir` from the trace of one
/// replication (as `nines run --trace` writes it): one row per SLI whose
/// success share changed (from the `sli` entries, `<name> <before> ->
/// <after>`), shaded where the share is below 1 (solid when down, lighter
/// for partial shares), and on top a row of ticks for machine, zone and
/// domain failures and chaos steps, at most twenty of them labelled. The
/// time axis runs from 0 to the last entry, in hours or days. `title` is
/// the chart's title.
pub fn render_timeline(
    trace: &[TraceEntry],
    title: &str,
    dir: impl Into<Output>,
) -> Result<Vec<PathBuf>, ReportError> {
    super::write(&Timeline::new(trace, title), &dir.into())
}

/// The kind of fault a tick stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FaultClass {
    Machine,
    Zone,
    Domain,
    Chaos,
}

impl FaultClass {
    const ALL: [FaultClass; 4] = [
        FaultClass::Machine,
        FaultClass::Zone,
        FaultClass::Domain,
        FaultClass::Chaos,
    ];

    fn color(self) -> RGBColor {
        match self {
            FaultClass::Machine => PALETTE[0],
            FaultClass::Zone => PALETTE[4],
            FaultClass::Domain => PALETTE[3],
            FaultClass::Chaos => PALETTE[2],
        }
    }

    fn name(self) -> &'static str {
        match self {
            FaultClass::Machine => "machine failure",
            FaultClass::Zone => "zone outage",
            FaultClass::Domain => "domain failure",
            FaultClass::Chaos => "chaos step",
        }
    }
}

/// One fault tick.
#[derive(Clone, Debug, PartialEq)]
struct Fault {
    time: f64,
    class: FaultClass,
    label: String,
}

/// The fault an entry reports, if it is one.
fn fault(entry: &TraceEntry) -> Option<Fault> {
    let (class, label) = match entry.kind.as_str() {
        "machine-failed" => (FaultClass::Machine, entry.detail.clone()),
        "zone-failed" => (FaultClass::Zone, format!("{} down", entry.detail)),
        "zone-partitioned" => (FaultClass::Zone, format!("{} cut off", entry.detail)),
        "domain-failed" => (FaultClass::Domain, entry.detail.clone()),
        "chaos-started" => (FaultClass::Chaos, entry.detail.clone()),
        _ => return None,
    };
    Some(Fault {
        time: entry.time_seconds,
        class,
        label: clip(&label, 22),
    })
}

/// An `sli` entry's detail, `<name> <before> -> <after>`, read back.
fn sli_change(detail: &str) -> Option<(&str, f64, f64)> {
    let (rest, after) = detail.rsplit_once(" -> ")?;
    let (name, before) = rest.rsplit_once(' ')?;
    Some((name, before.parse().ok()?, after.parse().ok()?))
}

/// One SLI's row: where its share was below 1.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    name: String,
    /// (from, to, share) in seconds, ascending and disjoint.
    spans: Vec<(f64, f64, f64)>,
}

impl Row {
    /// Time lost, seconds: each span weighted by the share missing.
    fn lost(&self) -> f64 {
        self.spans.iter().map(|(a, b, s)| (b - a) * (1.0 - s)).sum()
    }
}

struct Timeline<'a> {
    title: &'a str,
    /// Last time in the trace, seconds (at least 1).
    end: f64,
    rows: Vec<Row>,
    /// SLIs that changed but are left out (more than [`MAX_ROWS`]).
    hidden: usize,
    faults: Vec<Fault>,
}

impl<'a> Timeline<'a> {
    fn new(trace: &[TraceEntry], title: &'a str) -> Timeline<'a> {
        let end = trace
            .iter()
            .map(|e| e.time_seconds)
            .filter(|t| t.is_finite())
            .fold(1.0f64, f64::max);
        // (name, share since, since) per SLI, in order of first change.
        let mut open: Vec<(String, f64, f64)> = Vec::new();
        let mut rows: Vec<Row> = Vec::new();
        for entry in trace.iter().filter(|e| e.kind == "sli") {
            let Some((name, before, after)) = sli_change(&entry.detail) else {
                continue;
            };
            let t = entry.time_seconds;
            let k = match open.iter().position(|(n, _, _)| n == name) {
                Some(k) => k,
                None => {
                    open.push((name.to_string(), before, 0.0));
                    rows.push(Row {
                        name: name.to_string(),
                        spans: Vec::new(),
                    });
                    open.len() - 1
                }
            };
            let (_, share, since) = open[k];
            if share < 1.0 && t > since {
                rows[k].spans.push((since, t, share.max(0.0)));
            }
            open[k].1 = after;
            open[k].2 = t;
        }
        for (k, (_, share, since)) in open.iter().enumerate() {
            if *share < 1.0 && end > *since {
                rows[k].spans.push((*since, end, share.max(0.0)));
            }
        }
        let hidden = rows.len().saturating_sub(MAX_ROWS);
        if hidden > 0 {
            let mut by_loss: Vec<(usize, f64)> = rows.iter().map(Row::lost).enumerate().collect();
            by_loss.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut keep: Vec<usize> = by_loss[..MAX_ROWS].iter().map(|(k, _)| *k).collect();
            keep.sort_unstable();
            rows = keep.into_iter().map(|k| rows[k].clone()).collect();
        }
        let faults = trace.iter().filter_map(fault).collect();
        Timeline {
            title,
            end,
            rows,
            hidden,
            faults,
        }
    }
}

/// The time unit of the axis: (seconds per unit, name).
fn time_unit(end: f64) -> (f64, &'static str) {
    if end <= 3.0 * 86_400.0 {
        (3_600.0, "hours")
    } else {
        (86_400.0, "days")
    }
}

/// Spans widened to at least `min` and merged where they would touch,
/// keeping the lowest share: what can be seen at this scale.
fn visible(spans: &[(f64, f64, f64)], min: f64) -> Vec<(f64, f64, f64)> {
    let mut out: Vec<(f64, f64, f64)> = Vec::new();
    for &(a, b, share) in spans {
        let b = b.max(a + min);
        match out.last_mut() {
            Some(last) if a <= last.1 + min / 2.0 && (last.2 - share).abs() < 0.05 => {
                last.1 = last.1.max(b);
            }
            // Overlapping only because the last one was widened: start
            // where it ends (a widened sliver is drawn under the last).
            Some(last) if a < last.1 => {
                if b > last.1 {
                    let from = last.1;
                    out.push((from, b, share));
                }
            }
            _ => out.push((a, b, share)),
        }
    }
    out
}

/// The colour of a span at `share`: solid when down, lighter the more of
/// the SLI still works.
fn span_style(share: f64) -> ShapeStyle {
    let missing = (1.0 - share).clamp(0.0, 1.0);
    DOWN_COLOR.mix(0.2 + 0.8 * missing).filled()
}

impl Chart for Timeline<'_> {
    const NAME: &'static str = "timeline";

    fn height(&self) -> u32 {
        // The SLI rows and the fault row (two rows tall), under the title,
        // above the time axis and the key.
        super::rows_height(self.rows.len() + 2, 96 + 12 + 72 + 40)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let subtitle = format!(
            "one replication · {} SLIs changed · {} faults · last event at {}",
            self.rows.len() + self.hidden,
            self.faults.len(),
            units::duration(self.end)
        );
        let body = frame(root, self.title, &subtitle)?;
        if self.rows.is_empty() && self.faults.is_empty() {
            return super::empty(&body, "no SLI changes or faults in this trace");
        }
        let (_, height) = body.dim_in_pixel();
        let (plot, foot) = body.split_vertically(height - 40);

        let (scale, unit_name) = time_unit(self.end);
        let x_hi = self.end / scale;
        let n = self.rows.len();
        // SLI rows at 0..n (first SLI on top), the fault row two rows tall
        // above them.
        let faults_y = n as f64 + 0.5;
        let mut ticks: Vec<f64> = (0..n).map(|i| i as f64).collect();
        ticks.push(faults_y);
        let tick_style = text_style(TICK_PX, &BLACK);
        let mut name_width = super::text_width(&plot, "faults", &tick_style)?;
        for row in &self.rows {
            name_width = name_width.max(super::text_width(&plot, &row.name, &tick_style)?);
        }
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(24)
            .margin_right(48)
            .margin_top(12)
            .x_label_area_size(72)
            .y_label_area_size((name_width + 24).clamp(120, 560))
            .build_cartesian_2d(
                Axis::linear(0.0, x_hi, linear_ticks(&[], 0.0, x_hi)),
                Axis::linear(-0.5, n as f64 + 1.5, ticks),
            )?;
        let y_label = |v: &f64| {
            if (v - faults_y).abs() < 1e-9 {
                return "faults".to_string();
            }
            let i = v.round();
            if i >= 0.0 && (i as usize) < n {
                self.rows[n - 1 - i as usize].name.clone()
            } else {
                String::new()
            }
        };
        let x_label = |v: &f64| number_label(*v);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(GRID_COLOR)
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .x_desc(format!("time since the start ({unit_name})"))
            .axis_desc_style((FONT, AXIS_NAME_PX))
            .label_style((FONT, TICK_PX))
            .draw()?;

        let (plot_width, _) = chart.plotting_area().dim_in_pixel();
        let per_px = x_hi / f64::from(plot_width.max(1));
        let min = MIN_PX * per_px;
        for (i, row) in self.rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            chart.draw_series([Rectangle::new(
                [(0.0, y - 0.38), (x_hi, y + 0.38)],
                ROW_COLOR.filled(),
            )])?;
            let spans: Vec<(f64, f64, f64)> = row
                .spans
                .iter()
                .map(|(a, b, s)| (a / scale, b / scale, *s))
                .collect();
            chart.draw_series(visible(&spans, min).into_iter().map(|(a, b, share)| {
                Rectangle::new([(a, y - 0.38), (b.min(x_hi), y + 0.38)], span_style(share))
            }))?;
        }

        // Fault ticks in the lower half of their row, labels above on two
        // staggered lines, each line at most MAX_LABELS / 2 labels spread
        // over the width.
        chart.draw_series(self.faults.iter().map(|f| {
            let x = f.time / scale;
            PathElement::new(
                vec![(x, faults_y - 0.9), (x, faults_y - 0.1)],
                f.class.color().stroke_width(2),
            )
        }))?;
        let label_style = text_style(NOTE_PX, &BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        let gap = f64::from(plot_width) / (MAX_LABELS / 2) as f64;
        let mut line_end = [f64::NEG_INFINITY; 2];
        let mut labelled = 0;
        for f in &self.faults {
            if labelled == MAX_LABELS {
                break;
            }
            let x_px = f.time / scale / per_px;
            let w = super::text_width(&plot, &f.label, &label_style)?;
            let start_px = x_px.min(f64::from(plot_width) - f64::from(w)).max(0.0);
            let Some(line) = (0..2).find(|&l| start_px >= line_end[l]) else {
                continue;
            };
            line_end[line] = (start_px + f64::from(w) + 12.0).max(x_px + gap);
            labelled += 1;
            let y = faults_y + 0.1 + 0.55 * line as f64;
            chart.draw_series([PathElement::new(
                vec![(f.time / scale, faults_y - 0.1), (f.time / scale, y)],
                f.class.color().mix(0.5).stroke_width(1),
            )])?;
            chart.draw_series([EmptyElement::at((start_px * per_px, y))
                + Text::new(f.label.clone(), (0, 0), label_style.clone())])?;
        }

        // Foot: the colour key, then what was left out.
        let (_, foot_height) = foot.dim_in_pixel();
        let y = foot_height as i32 / 2;
        let key_style = text_style(NOTE_PX, &NOTE_COLOR).pos(Pos::new(HPos::Left, VPos::Center));
        let mut x = 32;
        let swatch = |x: &mut i32,
                      style: ShapeStyle,
                      text: &str,
                      tick: bool|
         -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
            let shape = if tick {
                Rectangle::new([(*x + 8, y - 10), (*x + 11, y + 10)], style)
            } else {
                Rectangle::new([(*x, y - 9), (*x + 20, y + 9)], style)
            };
            foot.draw(&shape)?;
            foot.draw_text(text, &key_style, (*x + 26, y))?;
            *x += 26 + super::text_width(&foot, text, &key_style)? as i32 + 20;
            Ok(())
        };
        swatch(&mut x, span_style(0.0), "down", false)?;
        swatch(&mut x, span_style(0.5), "partly failing", false)?;
        for class in FaultClass::ALL {
            if self.faults.iter().any(|f| f.class == class) {
                swatch(&mut x, class.color().filled(), class.name(), true)?;
            }
        }
        let mut rest = Vec::new();
        if labelled < self.faults.len() {
            rest.push(format!(
                "{labelled} of {} faults labelled",
                self.faults.len()
            ));
        }
        if self.hidden > 0 {
            rest.push(format!("{} more SLIs not shown", self.hidden));
        }
        if !rest.is_empty() {
            let style = text_style(NOTE_PX, &NOTE_COLOR).pos(Pos::new(HPos::Left, VPos::Center));
            foot.draw_text(&format!("·  {}", rest.join(" · ")), &style, (x, y))?;
        }
        Ok(())
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

    fn entry(time_seconds: f64, kind: &str, detail: &str) -> TraceEntry {
        TraceEntry {
            time_seconds,
            kind: kind.into(),
            detail: detail.into(),
            cause: "none".into(),
        }
    }

    #[test]
    fn sli_entries_become_spans() {
        assert_eq!(
            sli_change("api.write 1.000 -> 0.667"),
            Some(("api.write", 1.0, 0.667))
        );
        assert_eq!(sli_change("garbage"), None);
        let trace = [
            entry(10.0, "machine-failed", "cp[0] (crash)"),
            entry(10.0, "sli", "api.write 1.000 -> 0.000"),
            entry(20.0, "sli", "api.write 0.000 -> 0.500"),
            entry(30.0, "sli", "api.write 0.500 -> 1.000"),
            entry(40.0, "sli", "api.read 1.000 -> 0.000"),
            entry(50.0, "chaos-started", "kill-leader"),
            entry(60.0, "machine-repaired", "cp[0]"),
        ];
        let t = Timeline::new(&trace, "t");
        assert_eq!(t.end, 60.0);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].spans, [(10.0, 20.0, 0.0), (20.0, 30.0, 0.5)]);
        assert_eq!(t.rows[1].spans, [(40.0, 60.0, 0.0)]);
        let classes: Vec<FaultClass> = t.faults.iter().map(|f| f.class).collect();
        assert_eq!(classes, [FaultClass::Machine, FaultClass::Chaos]);
    }

    #[test]
    fn tiny_spans_stay_visible() {
        let spans = [(0.0, 0.001, 0.0), (0.002, 0.003, 0.0), (5.0, 6.0, 0.5)];
        assert_eq!(visible(&spans, 1.0), [(0.0, 1.002, 0.0), (5.0, 6.0, 0.5)]);
    }
}
