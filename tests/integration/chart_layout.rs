//! Charts read back: every chart drawn for 1, 5 and 20 SLIs, its SVG
//! parsed, and the text checked — no two labels overlap, every label lies
//! on the canvas, every SLI is named.
//!
//! Text boxes are computed from the SVG alone (position, anchor, baseline
//! shift, font size, rotation) with DejaVu Sans advance widths, the font
//! the charts are laid out with, so the check does not reuse the layout
//! code it checks.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use nines::experiment::TraceEntry;
use nines::report::chart::{
    DifferencePoint, render_all, render_sweep, render_sweep_difference, render_timeline,
};
use nines::report::{Report, read_json};

use crate::util::{assert_success, nines_output};

/// A short run of the built-in scenario, read back from its JSON once per
/// test process: the template every synthetic report is cut from.
fn base_report() -> &'static Report {
    static BASE: OnceLock<Report> = OnceLock::new();
    BASE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let json = dir.path().join("report.json");
        let out = nines_output(&[
            "run",
            "--replications",
            "4",
            "--seed",
            "7",
            "--json",
            json.to_str().unwrap(),
        ]);
        assert_success(&out);
        read_json(&json).expect("the report reads back")
    })
}

/// SLI names as long as real ones get, all different.
fn sli_name(k: usize) -> String {
    const KINDS: [&str; 4] = ["ready", "capacity", "write", "read"];
    match k % 4 {
        0 => format!("workload.checkout-service-{k:02}.{}", KINDS[k % 4]),
        1 => format!("api.{}-{k:02}", KINDS[k % 4]),
        2 => format!("workload.search-{k:02}.{}", KINDS[k % 4]),
        _ => format!("etcd.quorum-{k:02}"),
    }
}

/// A report with `n` SLIs, each with outages and downtime, copied from
/// the base report's SLI that lost the most time and spread apart (SLIs 2
/// and 3 are left equal, as equal curves must stay visible too).
fn report_with(n: usize) -> Report {
    let mut report = base_report().clone();
    let template = report
        .slis
        .iter()
        .filter(|s| !s.outage_cdf.is_empty() && !s.downtime_by_cause.is_empty())
        .max_by(|a, b| {
            a.downtime_seconds_per_year
                .point
                .total_cmp(&b.downtime_seconds_per_year.point)
        })
        .expect("the base run lost time on some SLI")
        .clone();
    report.slis = (0..n)
        .map(|k| {
            let mut sli = template.clone();
            sli.name = sli_name(k);
            let step = if k == 3 { 2.0 } else { k as f64 };
            let factor = 1.0 + 0.35 * step;
            sli.nines.point += 0.15 * step;
            sli.nines.lower += 0.15 * step;
            sli.nines.upper += 0.15 * step;
            for point in &mut sli.outage_cdf {
                point[0] *= factor;
            }
            for cause in &mut sli.downtime_by_cause {
                cause.downtime_seconds_per_year /= factor;
            }
            sli.downtime_seconds_per_year.point /= factor;
            sli.downtime_seconds_per_year.lower /= factor;
            sli.downtime_seconds_per_year.upper /= factor;
            if k == n - 1 && n > 1 {
                // The last one never failed: a bound, not an estimate.
                sli.unavailability_upper = Some(3e-6);
            }
            sli
        })
        .collect();
    report
}

/// A trace in which each of the `n` SLIs goes down once, between faults.
fn trace_with(n: usize) -> Vec<TraceEntry> {
    let entry = |t: f64, kind: &str, detail: String| TraceEntry {
        time_seconds: t,
        kind: kind.into(),
        detail,
        cause: "none".into(),
    };
    let mut trace = Vec::new();
    for k in 0..n {
        let t = 3_600.0 * (1.0 + k as f64);
        trace.push(entry(t, "machine-failed", format!("worker[{k}] (crash)")));
        trace.push(entry(t, "sli", format!("{} 1.000 -> 0.000", sli_name(k))));
        trace.push(entry(
            t + 1_800.0,
            "sli",
            format!("{} 0.000 -> 1.000", sli_name(k)),
        ));
    }
    trace.push(entry(86_400.0, "machine-repaired", "worker[0]".into()));
    trace
}

/// Advance widths of DejaVu Sans, in em (from the font's `hmtx` table;
/// symbols not listed are taken as wide as `+`).
fn advance(c: char) -> f64 {
    const LOWER: [f64; 26] = [
        0.613, 0.635, 0.550, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974,
        0.634, 0.612, 0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525,
    ];
    const UPPER: [f64; 26] = [
        0.684, 0.686, 0.698, 0.770, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863,
        0.748, 0.787, 0.603, 0.787, 0.695, 0.635, 0.611, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685,
    ];
    match c {
        'a'..='z' => LOWER[c as usize - 'a' as usize],
        'A'..='Z' => UPPER[c as usize - 'A' as usize],
        '0'..='9' | '$' => 0.636,
        ' ' | ',' | '.' | '·' => 0.3179,
        ':' | ';' | '/' | '\\' => 0.337,
        '-' => 0.361,
        '(' | ')' | '[' | ']' => 0.390,
        '\'' => 0.275,
        '%' => 0.950,
        '…' => 1.0,
        _ => 0.838,
    }
}

/// One text element as laid out: its string and box (left, top, right,
/// bottom) in canvas pixels.
#[derive(Debug)]
struct Label {
    text: String,
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

/// Reads an `em`/`ex` length of an SVG `dy`.
fn em_length(dy: &str, em: f64) -> f64 {
    if let Some(v) = dy.strip_suffix("em") {
        v.parse::<f64>().unwrap() * em
    } else if let Some(v) = dy.strip_suffix("ex") {
        // DejaVu Sans' x-height is 0.545 em.
        v.parse::<f64>().unwrap() * 0.545 * em
    } else {
        dy.parse().unwrap_or(0.0)
    }
}

/// The canvas size and every non-empty text of an SVG.
fn labels(svg: &str) -> ((f64, f64), Vec<Label>) {
    let doc = roxmltree::Document::parse(svg).expect("the SVG parses as XML");
    let root = doc.root_element();
    let size = |name: &str| -> f64 { root.attribute(name).expect(name).parse().unwrap() };
    let canvas = (size("width"), size("height"));
    let mut out = Vec::new();
    for node in doc.descendants().filter(|n| n.has_tag_name("text")) {
        let text: String = node
            .descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect::<String>()
            .trim()
            .to_string();
        if text.trim().is_empty() {
            continue;
        }
        let num = |name: &str| -> f64 { node.attribute(name).map_or(0.0, |v| v.parse().unwrap()) };
        let em = num("font-size");
        let (x, y) = (num("x"), num("y"));
        let baseline = y + em_length(node.attribute("dy").unwrap_or("0"), em);
        let width: f64 = text.chars().map(advance).sum::<f64>() * em;
        let left = match node.attribute("text-anchor").unwrap_or("start") {
            "middle" => x - width / 2.0,
            "end" => x - width,
            _ => x,
        };
        // Cap height above the baseline, descenders below.
        let (mut l, mut t, mut r, mut b) = (
            left,
            baseline - 0.73 * em,
            left + width,
            baseline + 0.2 * em,
        );
        if let Some(transform) = node.attribute("transform") {
            let angle: f64 = transform
                .trim_start_matches("rotate(")
                .split(',')
                .next()
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            // Rotations are about (x, y) by a multiple of 90 degrees.
            let turn = |(px, py): (f64, f64)| {
                let (dx, dy) = (px - x, py - y);
                match angle.rem_euclid(360.0) as i32 {
                    90 => (x - dy, y + dx),
                    180 => (x - dx, y - dy),
                    270 => (x + dy, y - dx),
                    _ => (px, py),
                }
            };
            let (a, c) = (turn((l, t)), turn((r, b)));
            (l, t, r, b) = (a.0.min(c.0), a.1.min(c.1), a.0.max(c.0), a.1.max(c.1));
        }
        out.push(Label {
            text,
            left: l,
            top: t,
            right: r,
            bottom: b,
        });
    }
    (canvas, out)
}

/// Checks an SVG chart's text: no two labels overlap, every label is on
/// the canvas, and each of `names` appears in some label.
#[track_caller]
fn assert_readable(path: &Path, names: &[String]) {
    let svg = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let ((width, height), labels) = labels(&svg);
    assert!(!labels.is_empty(), "{}: no text", path.display());
    let mut problems = Vec::new();
    for (i, a) in labels.iter().enumerate() {
        if a.left < -1.0 || a.top < -1.0 || a.right > width + 1.0 || a.bottom > height + 1.0 {
            problems.push(format!("{a:?} leaves the {width}×{height} canvas"));
        }
        for b in &labels[i + 1..] {
            let across = a.right.min(b.right) - a.left.max(b.left);
            let down = a.bottom.min(b.bottom) - a.top.max(b.top);
            if across > 1.0 && down > 1.0 {
                problems.push(format!("{:?} overlaps {:?}", a, b));
            }
        }
    }
    for name in names {
        if !labels.iter().any(|l| l.text.contains(name.as_str())) {
            problems.push(format!("SLI {name} is not named"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}:\n{}",
        path.display(),
        problems.join("\n")
    );
}

/// The SVG among chart files.
fn svgs(files: &[PathBuf]) -> Vec<&PathBuf> {
    files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "svg"))
        .collect()
}

const SIZES: [usize; 3] = [1, 5, 20];

#[test]
fn report_charts_are_readable_at_1_5_and_20_slis() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for n in SIZES {
        let report = report_with(n);
        let names: Vec<String> = report.slis.iter().map(|s| s.name.clone()).collect();
        // A target on every other SLI, as `expect:` lines give them.
        let targets: Vec<(String, f64)> = names
            .iter()
            .step_by(2)
            .map(|name| (name.clone(), 0.9995))
            .collect();
        let dir = tmp.path().join(format!("n{n}"));
        let files = render_all(&report, &dir, &targets).expect("charts");
        let svgs = svgs(&files);
        assert!(svgs.len() >= 3, "{files:?}");
        for svg in svgs {
            assert_readable(svg, &names);
        }
        let availability = std::fs::read_to_string(dir.join("availability.svg")).unwrap();
        assert_eq!(
            availability.matches("target 99.95%").count(),
            targets.len(),
            "one target label per target, {n} SLIs"
        );
    }
}

#[test]
fn sweep_charts_are_readable_at_1_5_and_20_slis() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for n in SIZES {
        let report = report_with(n);
        let names: Vec<String> = report.slis.iter().map(|s| s.name.clone()).collect();
        let variants: Vec<(f64, Report)> = (0..6)
            .map(|k| {
                let mut r = report.clone();
                for sli in &mut r.slis {
                    sli.nines.point += 0.4 * k as f64;
                    sli.nines.lower += 0.4 * k as f64;
                    sli.nines.upper += 0.4 * k as f64;
                }
                (1.0 + 2.0 * k as f64, r)
            })
            .collect();
        let points: Vec<(f64, &Report)> = variants.iter().map(|(x, r)| (*x, r)).collect();
        let dir = tmp.path().join(format!("n{n}"));
        let files = render_sweep("etcd.members", &points, &dir).expect("sweep");
        for svg in svgs(&files) {
            assert_readable(svg, &names);
        }
        let differences: Vec<DifferencePoint<'_>> = variants
            .iter()
            .enumerate()
            .map(|(k, (x, _))| DifferencePoint {
                x: *x,
                reference: k == 0,
                slis: names
                    .iter()
                    .enumerate()
                    .map(|(i, name)| {
                        let mean = -600.0 * k as f64 * (1.0 + i as f64 * 0.1);
                        (name.as_str(), mean, mean - 120.0, mean + 120.0)
                    })
                    .collect(),
            })
            .collect();
        let files = render_sweep_difference(
            "etcd.members",
            "vs etcd.members=1",
            0.95,
            &differences,
            &dir,
        )
        .expect("sweep difference");
        for svg in svgs(&files) {
            assert_readable(svg, &names);
        }
    }
}

#[test]
fn timelines_are_readable_at_1_5_and_20_slis() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for n in SIZES {
        let names: Vec<String> = (0..n).map(sli_name).collect();
        let dir = tmp.path().join(format!("n{n}"));
        let files = render_timeline(&trace_with(n), "Timeline", &dir).expect("timeline");
        for svg in svgs(&files) {
            assert_readable(svg, &names);
        }
    }
}

#[test]
fn a_label_box_is_where_the_svg_puts_it() {
    // The reader itself: a top-anchored, right-aligned label and a label
    // rotated a quarter turn.
    let svg = r#"<svg width="200" height="100" xmlns="http://www.w3.org/2000/svg">
<text x="100" y="10" dy="0.76em" text-anchor="end" font-size="10">ab</text>
<text x="50" y="80" dy="0.5ex" text-anchor="middle" font-size="10" transform="rotate(270, 50, 80)">ab</text>
</svg>"#;
    let (canvas, found) = labels(svg);
    assert_eq!(canvas, (200.0, 100.0));
    let width = (advance('a') + advance('b')) * 10.0;
    let a = &found[0];
    assert!((a.right - 100.0).abs() < 1e-9 && (a.left - (100.0 - width)).abs() < 1e-9);
    assert!((a.top - (10.0 + 7.6 - 7.3)).abs() < 1e-9, "{a:?}");
    let b = &found[1];
    // Rotated: as tall as the text is wide, centred on y = 80.
    assert!((b.bottom - b.top - width).abs() < 1e-9, "{b:?}");
    assert!(((b.top + b.bottom) / 2.0 - 80.0).abs() < 1e-9, "{b:?}");
}
