//! Charts: views of a [`Report`] drawn with plotters, each written as
//! `NAME.svg` and `NAME.png` in one directory.
//!
//! May import: the report's own types (`super`), and
//! `crate::experiment::TraceEntry` for the timeline only. Never the model
//! or the engine: everything the other charts show is in the report, so
//! `nines plot report.json` redraws exactly what `nines run --plot` drew.
//!
//! | file | chart | what it shows |
//! |---|---|---|
//! | `availability` | [`render_availability`] | one point per SLI with its confidence interval on a nines scale, a lower bound where nothing failed, and the targets |
//! | `outage_cdf` | [`render_outage_cdf`] | empirical CDF of outage durations per SLI, log time axis |
//! | `downtime_by_cause` | [`render_downtime_by_cause`] | per SLI, downtime per year as a horizontal bar split by initiating cause |
//! | `downtime_tail` | [`render_downtime_tail`] | per SLI, the share of its downtime in outages longer than x, log time axis: which outage lengths carry the downtime |
//! | `sweep` | [`render_sweep`] | availability (nines) per SLI against a swept scenario parameter |
//! | `sweep_difference` | [`render_sweep_difference`] | per SLI, the paired difference in downtime per year to the sweep's reference point, with its interval |
//! | `timeline` | [`render_timeline`] | one replication's trace: each SLI's success share over time under a row of fault ticks |
//!
//! [`render_all`] writes the first four from one report; `sweep` and
//! `sweep_difference` need several reports and are drawn by the sweep
//! command; `timeline` needs an
//! event trace (`nines run --trace FILE --plot DIR`) and is not in the
//! report, so `nines plot` does not redraw it.
//!
//! Conventions:
//! 1. Every chart is 1280×720 (a slide), titled, with a subtitle naming the
//!    scenario and the run, and axes labelled with units. Titles are 36 px,
//!    axis names 26 px and tick labels 22 px, in plotters' sizes (the SVG
//!    font-size, the em, is that divided by 1.24).
//! 2. Availability is drawn on a nines scale, y = -log10(1 - A), with ticks
//!    labelled as percentages (99%, 99.9%, …). When nothing failed, the
//!    report's upper bound on unavailability is drawn as a hollow marker
//!    with an arrow: the true value is at least that high.
//! 3. Text is laid out and rasterized with DejaVu Sans, embedded through the
//!    `dejavu` crate, so PNGs render the same on a machine without fonts.
//!    SVGs name the `sans-serif` family and are laid out with the same
//!    metrics.
//! 4. Output is deterministic: the same report gives the same SVG bytes
//!    and the same PNG bytes.
//! 5. Each SLI keeps its colour (by position in the report) across charts.
//! 6. An SLI whose downtime is imprecise (its interval wider than the
//!    run's precision target, see `experiment::precision`) is drawn faded,
//!    labelled "imprecise", and a note under the chart says so.

mod availability;
mod axis;
mod downtime_by_cause;
mod downtime_tail;
mod mark;
mod outage_cdf;
mod raster;
mod sweep;
mod timeline;

pub use availability::render_availability;
pub use downtime_by_cause::render_downtime_by_cause;
pub use downtime_tail::render_downtime_tail;
pub use outage_cdf::render_outage_cdf;
pub use sweep::{DifferencePoint, render_sweep, render_sweep_difference};
pub use timeline::render_timeline;

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::CoordTranslate;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::output::{Kind, Output};
use super::{Report, ReportError};

/// Width of every chart, pixels.
pub const WIDTH: u32 = 1280;
/// Height of every chart, pixels.
pub const HEIGHT: u32 = 720;

/// The font family every chart uses (registered with the embedded font).
const FONT: &str = "sans-serif";
const TITLE_PX: u32 = 36;
const SUBTITLE_PX: u32 = 24;
const AXIS_NAME_PX: u32 = 26;
const TICK_PX: u32 = 22;
const NOTE_PX: u32 = 18;

/// Okabe–Ito colours, readable by colour-blind viewers (yellow left out: it
/// vanishes on white). Lines of more SLIs than colours are told apart by
/// their dash pattern and marker too (see [`SeriesStyle`]).
const PALETTE: [RGBColor; 7] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x00, 0x00),
];
const TARGET_COLOR: RGBColor = RGBColor(0xC0, 0x00, 0x00);
const GRID_COLOR: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);
const NOTE_COLOR: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// Every chart of one report, as `NAME.svg` and `NAME.png` in `dir`
/// (created if needed). `targets` are (SLI, availability) pairs drawn on
/// the availability chart; pass `&[]` for none. Returns the files written,
/// in order.
pub fn render_all(
    report: &Report,
    dir: impl Into<Output>,
    targets: &[(String, f64)],
) -> Result<Vec<PathBuf>, ReportError> {
    let dir = dir.into();
    let mut files = render_availability(report, targets, &dir)?;
    files.extend(render_outage_cdf(report, &dir)?);
    files.extend(render_downtime_by_cause(report, &dir)?);
    files.extend(render_downtime_tail(report, &dir)?);
    Ok(files)
}

/// The colour of the SLI at `index`.
fn color(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// A drawing that can go to any plotters backend.
trait Chart {
    /// File name without extension.
    const NAME: &'static str;
    /// Height of the chart, pixels: [`HEIGHT`], or more when its rows or
    /// key need the room (many SLIs).
    fn height(&self) -> u32 {
        HEIGHT
    }
    /// Draws the whole chart on `root` (WIDTH × [`Chart::height`]).
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>;
}

/// What every chart carries, so that `--plot DIR` recognises the charts it
/// drew and replaces only those (see [`output`](super::output)): an XML
/// comment right after the SVG's opening tag, and a PNG `tEXt` chunk
/// (`Software`) before the image data.
pub const CHART_MARKER: &str = "nines chart";

/// The file names (without extension) of the charts of a run
/// (`nines run --plot`, `nines plot`).
pub const REPORT_CHARTS: [&str; 4] = [
    "availability",
    "outage_cdf",
    "downtime_by_cause",
    "downtime_tail",
];

/// The file name of the timeline of `run --trace --plot`.
pub const TIMELINE_CHART: &str = "timeline";

/// The file names of a sweep's charts (`nines sweep --plot`).
pub const SWEEP_CHARTS: [&str; 2] = ["sweep", "sweep_difference"];

/// Checks a chart directory before a run: see
/// [`output::check_dir`](super::output::check_dir).
pub fn check_dir(dir: &Output, names: &[&str]) -> Result<(), ReportError> {
    super::output::check_dir(dir, names, CHART_MARKER)
}

/// Writes `chart` as `dir/NAME.svg` and `dir/NAME.png`.
fn write<C: Chart>(chart: &C, dir: &Output) -> Result<Vec<PathBuf>, ReportError> {
    register_fonts();
    std::fs::create_dir_all(dir.path()).map_err(|e| ReportError::Io {
        path: dir.path().display().to_string(),
        message: format!("cannot create the chart directory: {e}"),
    })?;
    let svg_out = dir.child(&format!("{}.svg", C::NAME));
    let png_out = dir.child(&format!("{}.png", C::NAME));
    let (svg_path, png_path) = (svg_out.path().to_path_buf(), png_out.path().to_path_buf());
    let failed = |path: &Path, e: &dyn std::fmt::Display| ReportError::Chart {
        path: path.display().to_string(),
        message: e.to_string(),
    };

    let height = chart.height();
    let mut drawn = String::new();
    {
        let root = SVGBackend::with_string(&mut drawn, (WIDTH, height)).into_drawing_area();
        chart.draw(&root).map_err(|e| failed(&svg_path, &e))?;
        root.present().map_err(|e| failed(&svg_path, &e))?;
    }
    // The marker goes right after the root element's opening tag.
    let open = drawn.find('>').map_or(0, |i| i + 1);
    let mut svg = format!(
        "{}\n<!-- {CHART_MARKER} -->{}",
        &drawn[..open],
        &drawn[open..]
    );
    if !svg.ends_with('\n') {
        svg.push('\n');
    }
    svg_out.write_bytes(Kind::Marked(CHART_MARKER), svg.as_bytes())?;

    let mut pixels = vec![0u8; (WIDTH * height * 3) as usize];
    {
        let backend = BitMapBackend::with_buffer(&mut pixels, (WIDTH, height));
        let root = raster::Raster(backend).into_drawing_area();
        chart.draw(&root).map_err(|e| failed(&png_path, &e))?;
        root.present().map_err(|e| failed(&png_path, &e))?;
    }
    let png = raster::encode_png(&pixels, WIDTH, height).map_err(|e| failed(&png_path, &e))?;
    png_out.write_bytes(Kind::Marked(CHART_MARKER), &png)?;
    Ok(vec![svg_path, png_path])
}

/// Registers DejaVu Sans as the `sans-serif` family for layout and
/// rasterizing. plotters keeps fonts in a process-wide table.
fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Both are valid TrueType files shipped by the `dejavu` crate; were
        // one rejected, drawing text would fail with "FontUnavailable",
        // naming the chart file, rather than panic.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

fn text_style(px: u32, color: &'static RGBColor) -> TextStyle<'static> {
    TextStyle::from((FONT, px).into_font()).color(color)
}

/// Clears the canvas, draws the title and subtitle, and returns the area
/// below them.
fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (head, body) = root.split_vertically(96);
    let title_style = TextStyle::from((FONT, TITLE_PX, FontStyle::Bold).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Top));
    head.draw_text(title, &title_style, (32, 16))?;
    let subtitle_style = text_style(SUBTITLE_PX, &NOTE_COLOR).pos(Pos::new(HPos::Left, VPos::Top));
    head.draw_text(subtitle, &subtitle_style, (32, 60))?;
    Ok(body)
}

/// Draws a short explanatory note in the bottom-left corner of `area`.
fn note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (_, height) = area.dim_in_pixel();
    let style = text_style(NOTE_PX, &NOTE_COLOR).pos(Pos::new(HPos::Left, VPos::Bottom));
    area.draw_text(text, &style, (32, height as i32 - 10))
}

/// Height of the foot under a chart: one note line, or two.
fn foot_height(lines: usize) -> u32 {
    16 + NOTE_PX * 4 / 3 * lines.max(1) as u32
}

/// Draws note lines in the bottom-left corner of `area`, the last at the
/// bottom.
fn notes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lines: &[String],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (_, height) = area.dim_in_pixel();
    let style = text_style(NOTE_PX, &NOTE_COLOR).pos(Pos::new(HPos::Left, VPos::Bottom));
    let step = (NOTE_PX * 4 / 3) as i32;
    for (k, line) in lines.iter().rev().enumerate() {
        area.draw_text(line, &style, (32, height as i32 - 10 - k as i32 * step))?;
    }
    Ok(())
}

/// Whether the SLI's downtime is labelled imprecise.
fn imprecise(sli: &super::SliReport) -> bool {
    sli.precision.as_ref().is_some_and(|p| p.imprecise())
}

/// The legend line for imprecise figures: how they are drawn and the
/// target they missed.
fn imprecise_legend(report: &Report, drawn: &str) -> Option<String> {
    let target = report
        .slis
        .iter()
        .filter(|s| imprecise(s))
        .find_map(|s| s.precision.as_ref().map(|p| p.target))?;
    Some(format!(
        "{drawn}: imprecise, the downtime interval is wider than ±{}; the table and the JSON give the replications that would reach it",
        super::units::target_percent(target)
    ))
}

/// `c` blended 55 % toward white: the colour of an imprecise figure.
fn faded(c: RGBColor) -> RGBColor {
    let mix = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * 0.55).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Writes a centered message where a chart has nothing to plot.
fn empty<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    message: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (width, height) = area.dim_in_pixel();
    let style = text_style(TITLE_PX, &NOTE_COLOR).pos(Pos::new(HPos::Center, VPos::Center));
    area.draw_text(message, &style, (width as i32 / 2, height as i32 / 2 - 40))
}

/// One line saying which run a report is: scenario, replications, horizon,
/// seed and confidence level.
fn run_line(report: &Report) -> String {
    format!(
        "{} · {} replications × {} · seed {} · {:.0}% confidence",
        report.scenario.name,
        report.replications,
        super::units::duration(report.horizon_seconds),
        report.seed,
        report.confidence * 100.0
    )
}

/// Nines of an availability: -log10(1 - A).
fn nines(availability: f64) -> f64 {
    -(1.0 - availability).max(0.0).log10()
}

/// Height of one SLI's row in the charts with a row per SLI
/// (availability, downtime by cause, timeline), pixels: room for a tick
/// label (22 px) with a clear gap to the next.
const ROW_PX: u32 = 40;

/// The height of a chart with `rows` rows of [`ROW_PX`] and `fixed` pixels
/// of title, axis and notes: [`HEIGHT`], or taller when the rows need it.
fn rows_height(rows: usize, fixed: u32) -> u32 {
    HEIGHT.max(fixed + ROW_PX * rows as u32)
}

/// The dash pattern of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dash {
    Solid,
    Dashed,
    Dotted,
}

/// The marker put on a line every few points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MarkerShape {
    Dot,
    Triangle,
    Cross,
    Ring,
    Square,
}

/// How one SLI's line is drawn. Colour, dash and marker cycle through 7,
/// 3 and 5 choices, which are coprime: no two of the first 105 SLIs share
/// all three, no two of the first 21 share colour and dash, and
/// neighbours never share a dash, so curves lying on top of each other
/// still show each one.
#[derive(Clone, Copy, Debug, PartialEq)]
struct SeriesStyle {
    color: RGBColor,
    dash: Dash,
    marker: MarkerShape,
}

/// The line style of the SLI at `index` (its position in the report).
fn series_style(index: usize) -> SeriesStyle {
    SeriesStyle {
        color: color(index),
        dash: [Dash::Solid, Dash::Dashed, Dash::Dotted][index % 3],
        marker: [
            MarkerShape::Dot,
            MarkerShape::Triangle,
            MarkerShape::Cross,
            MarkerShape::Ring,
            MarkerShape::Square,
        ][index % 5],
    }
}

impl SeriesStyle {
    /// Draws a path through `points` on `area` in this style's colour and
    /// dash; the dash pattern runs on across vertices.
    fn path<DB: DrawingBackend, CT: CoordTranslate>(
        &self,
        area: &DrawingArea<DB, CT>,
        points: Vec<CT::From>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
    where
        CT::From: Clone,
    {
        let stroke = self.color.stroke_width(3);
        match self.dash {
            Dash::Solid => area.draw(&PathElement::new(points, stroke)),
            Dash::Dashed => area.draw(&DashedPathElement::new(points, 14, 8, stroke)),
            Dash::Dotted => area.draw(&DashedPathElement::new(points, 3, 6, stroke)),
        }
    }

    /// Draws this style's marker on `area`, centred on `at`.
    fn marker<DB: DrawingBackend, CT: CoordTranslate>(
        &self,
        area: &DrawingArea<DB, CT>,
        at: CT::From,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
    where
        CT::From: Clone,
    {
        let c = self.color;
        let at = EmptyElement::at(at);
        match self.marker {
            MarkerShape::Dot => area.draw(&(at + Circle::new((0, 0), 6, c.filled()))),
            MarkerShape::Ring => area.draw(
                &(at + Circle::new((0, 0), 6, WHITE.filled())
                    + Circle::new((0, 0), 6, c.stroke_width(3))),
            ),
            MarkerShape::Triangle => area.draw(&(at + TriangleMarker::new((0, 0), 8, c.filled()))),
            MarkerShape::Cross => area.draw(&(at + Cross::new((0, 0), 6, c.stroke_width(3)))),
            MarkerShape::Square => {
                area.draw(&(at + Rectangle::new([(-5, -5), (5, 5)], c.filled())))
            }
        }
    }
}

/// Draws one SLI's line through `points` on `chart`, with its marker on
/// about five of the vertices. Each SLI starts its markers at a different
/// vertex, so lines that coincide still show every SLI's markers.
fn draw_line<DB: DrawingBackend>(
    chart: &mark::NinesChart<'_, DB>,
    points: &[(f64, f64)],
    style: SeriesStyle,
    index: usize,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let area = chart.plotting_area();
    style.path(area, points.to_vec())?;
    let stride = (points.len() / 5).max(1);
    let offset = index * stride.div_ceil(5).max(1) % stride;
    for &p in points.iter().skip(offset).step_by(stride) {
        style.marker(area, p)?;
    }
    Ok(())
}

/// Font size of the entries of a key, plotters' size.
const KEY_PX: u32 = 20;
/// Distance between the entries of a key, pixels.
const KEY_ROW_PX: u32 = 30;
/// Where the first entry of a key sits below the top of its area, pixels.
const KEY_TOP_PX: u32 = 64;

/// The width of a key under `heading` listing `entries`, pixels: the
/// widest entry with its line sample, or the heading, at least 220 px.
fn key_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    entries: &[(SeriesStyle, String)],
) -> Result<u32, DrawingAreaErrorKind<DB::ErrorType>> {
    let style = text_style(KEY_PX, &BLACK);
    let mut widest = text_width(area, heading, &text_style(TICK_PX, &BLACK))?.saturating_sub(60);
    for (_, text) in entries {
        widest = widest.max(text_width(area, text, &style)?);
    }
    Ok((widest + 84).max(220))
}

/// The height a key of `entries` entries needs below the title, pixels.
fn key_height(entries: usize) -> u32 {
    KEY_TOP_PX + KEY_ROW_PX * entries as u32 + 24
}

/// Draws a key beside a chart: a heading, then one entry per line, a
/// sample of the line (dash and marker) and its text. Beside the plot, not
/// on it, so that it never hides a curve.
fn key<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    entries: &[(SeriesStyle, String)],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let head = text_style(TICK_PX, &BLACK).pos(Pos::new(HPos::Left, VPos::Center));
    area.draw_text(heading, &head, (12, 28))?;
    let label = text_style(KEY_PX, &BLACK).pos(Pos::new(HPos::Left, VPos::Center));
    for (k, (style, text)) in entries.iter().enumerate() {
        let y = (KEY_TOP_PX + KEY_ROW_PX * k as u32) as i32;
        style.path(area, vec![(12, y), (60, y)])?;
        style.marker(area, (36, y))?;
        area.draw_text(text, &label, (72, y))?;
    }
    Ok(())
}

/// Names joined by commas within about `max` characters, ending with
/// "and N more" when they do not all fit.
fn list(names: &[&str], max: usize) -> String {
    let mut out = String::new();
    for (k, name) in names.iter().enumerate() {
        let sep = if k == 0 { "" } else { ", " };
        let rest = names.len() - k;
        if k > 0 && out.len() + sep.len() + name.len() > max {
            out.push_str(&format!(" and {rest} more"));
            return out;
        }
        out.push_str(sep);
        out.push_str(name);
    }
    out
}

/// The width `text` takes in `style`, pixels, for layout: plotters'
/// estimate with a margin, since viewers render the SVG with their own
/// text engine (and a `sans-serif` that may be wider than the estimate).
fn text_width<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    text: &str,
    style: &TextStyle<'_>,
) -> Result<u32, DrawingAreaErrorKind<DB::ErrorType>> {
    let (w, _) = area.estimate_text_size(text, style)?;
    Ok(w + w / 10 + 2)
}
