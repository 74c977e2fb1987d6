//! Charts: `nines run --plot`, `nines plot`, and the chart functions on
//! synthetic reports.

use crate::util::assert_success;
use std::path::{Path, PathBuf};

use nines::experiment::TraceEntry;
use nines::report::chart::{HEIGHT, WIDTH, render_all, render_sweep, render_timeline};
use nines::report::{Report, read_json};

use crate::util::nines_output;

const CHARTS: [&str; 8] = [
    "availability.svg",
    "availability.png",
    "outage_cdf.svg",
    "outage_cdf.png",
    "downtime_by_cause.svg",
    "downtime_by_cause.png",
    "downtime_tail.svg",
    "downtime_tail.png",
];

/// Runs the built-in scenario briefly, saving the report and its charts.
fn run_with_plot(dir: &Path) -> PathBuf {
    let json = dir.join("report.json");
    let charts = dir.join("run");
    let out = nines_output(&[
        "run",
        "--replications",
        "4",
        "--json",
        json.to_str().unwrap(),
        "--plot",
        charts.to_str().unwrap(),
    ]);
    assert_success(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for name in CHARTS {
        assert!(stdout.contains(name), "{name} not listed in:\n{stdout}");
    }
    json
}

#[track_caller]
fn assert_svg(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let start = text.trim_start();
    assert!(
        start.starts_with("<svg") || start.starts_with("<?xml"),
        "{} does not start like an SVG",
        path.display()
    );
    assert!(text.contains("</svg>"), "{} is not closed", path.display());
}

#[track_caller]
fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} lacks the PNG signature",
        path.display()
    );
    // The first chunk is IHDR: length (4), type (4), width (4), height (4).
    assert_eq!(&bytes[12..16], b"IHDR");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    // As wide as every chart, as tall as its SVG (taller than the default
    // when many SLIs need the room).
    assert_eq!(width, WIDTH, "{}", path.display());
    assert!(height >= HEIGHT, "{}", path.display());
    if let Ok(svg) = std::fs::read_to_string(path.with_extension("svg")) {
        assert!(
            svg.contains(&format!("height=\"{height}\"")),
            "{} is not as tall as its SVG",
            path.display()
        );
    }
    // And it decodes whole.
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut pixels).expect("PNG pixels");
    assert_eq!((info.width, info.height), (width, height));
}

#[track_caller]
fn assert_charts(files: &[PathBuf]) {
    for file in files {
        let size = std::fs::metadata(file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
            .len();
        assert!(size > 0, "{} is empty", file.display());
        match file.extension().and_then(|e| e.to_str()) {
            Some("svg") => assert_svg(file),
            Some("png") => assert_png(file),
            other => panic!("unexpected chart file type {other:?}"),
        }
    }
}

#[test]
fn run_plot_and_plot_draw_the_same_charts() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let json = run_with_plot(dir);
    let from_run: Vec<PathBuf> = CHARTS.iter().map(|c| dir.join("run").join(c)).collect();
    assert_charts(&from_run);

    let replot = dir.join("replot");
    let out = nines_output(&[
        "plot",
        json.to_str().unwrap(),
        "--out",
        replot.to_str().unwrap(),
    ]);
    assert_success(&out);
    for chart in CHARTS {
        let a = std::fs::read(dir.join("run").join(chart)).unwrap();
        let b = std::fs::read(replot.join(chart)).unwrap();
        assert!(a == b, "{chart} differs between `run --plot` and `plot`");
    }
}

#[test]
fn downtime_by_cause_splits_each_bar_by_cause() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let json = run_with_plot(dir);
    let report = read_json(&json).expect("the saved report reads back");
    let svg = std::fs::read_to_string(dir.join("run/downtime_by_cause.svg")).unwrap();
    assert!(svg.contains("downtime per year"), "no axis name");
    let mut any = false;
    for sli in &report.slis {
        if let Some(top) = sli.downtime_by_cause.first() {
            any = true;
            assert!(svg.contains(&sli.name), "{} has no bar", sli.name);
            assert!(svg.contains(&top.cause), "{} not in the legend", top.cause);
        }
    }
    assert!(any, "the built-in scenario lost no time in 4 replications");
}

#[test]
fn run_with_trace_and_plot_draws_the_timeline() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let charts = dir.join("charts");
    let trace = dir.join("trace.jsonl");
    let out = nines_output(&[
        "run",
        "scenarios/chaos-leader-kill.yaml",
        "--replications",
        "2",
        "--plot",
        charts.to_str().unwrap(),
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert_success(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("timeline.svg"), "not listed in:\n{stdout}");
    let files = [charts.join("timeline.svg"), charts.join("timeline.png")];
    assert_charts(&files);
    let svg = std::fs::read_to_string(&files[0]).unwrap();
    assert!(svg.contains("kill-etcd-leader"), "no chaos label");
    assert!(svg.contains("api.write"), "no SLI row");
    assert!(svg.contains("days"), "no time unit");

    // The same trace, read back from its file, draws the same bytes.
    let entries: Vec<TraceEntry> = std::fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a trace line"))
        .collect();
    let again = render_timeline(
        &entries,
        "Timeline of chaos-leader-kill, replication 0",
        &dir.join("again"),
    )
    .expect("timeline");
    for (a, b) in files.iter().zip(&again) {
        assert!(
            std::fs::read(a).unwrap() == std::fs::read(b).unwrap(),
            "{} differs when redrawn",
            a.display()
        );
    }

    // Without `--trace` there is no timeline; an empty trace still draws.
    assert!(!dir.join("run/timeline.svg").exists());
    let files = render_timeline(&[], "empty", &dir.join("empty")).expect("timeline");
    assert_charts(&files);
}

#[test]
fn plot_names_a_missing_or_foreign_report() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let missing = dir.join("missing.json");
    let out = nines_output(&[
        "plot",
        missing.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing.json"), "{stderr}");

    let foreign = dir.join("foreign.json");
    std::fs::write(&foreign, "{\"hello\": 1}").unwrap();
    let out = nines_output(&[
        "plot",
        foreign.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("foreign.json") && stderr.contains("not a nines report"),
        "{stderr}"
    );
}

/// A real report from a short run, to edit into the cases below.
/// The directory is the caller's, removed when it is dropped.
fn sample_report() -> (tempfile::TempDir, Report) {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = run_with_plot(dir.path());
    let report = read_json(&json).expect("the saved report reads back");
    (dir, report)
}

#[test]
fn bounds_targets_and_no_outages_are_drawn() {
    let (tmp, mut report) = sample_report();
    let dir = tmp.path();
    // The first SLI never failed: a lower bound. The others have no
    // outage durations either, so the CDF has nothing to draw.
    let first = &mut report.slis[0];
    first.unavailability_upper = Some(2e-6);
    first.nines.point = 5.7;
    first.nines.lower = 5.7;
    first.nines.upper = f64::NAN;
    for sli in &mut report.slis {
        sli.outage_cdf.clear();
        sli.downtime_by_cause.clear();
    }
    let targets = vec![
        (report.slis[0].name.clone(), 0.9999),
        (report.slis[1].name.clone(), 0.99999),
        ("no.such.sli".to_string(), 0.9),
    ];
    let out = dir.join("edited");
    let files = render_all(&report, &out, &targets).expect("charts");
    assert_eq!(files.len(), CHARTS.len());
    assert_charts(&files);
    let availability = std::fs::read_to_string(out.join("availability.svg")).unwrap();
    assert!(availability.contains("≥ 99.9998"), "no lower bound label");
    assert!(availability.contains("target 99.99%"), "no target label");
    let cdf = std::fs::read_to_string(out.join("outage_cdf.svg")).unwrap();
    assert!(cdf.contains("no outages"));
    let causes = std::fs::read_to_string(out.join("downtime_by_cause.svg")).unwrap();
    assert!(causes.contains("no downtime"));

    // Deterministic: the same report draws the same bytes.
    let again = dir.join("again");
    render_all(&report, &again, &targets).expect("charts");
    for chart in CHARTS {
        assert!(
            std::fs::read(out.join(chart)).unwrap() == std::fs::read(again.join(chart)).unwrap(),
            "{chart} is not deterministic"
        );
    }
}

#[test]
fn sweep_draws_one_line_per_sli() {
    let (tmp, report) = sample_report();
    let dir = tmp.path();
    // Three synthetic points: availability improving with the parameter,
    // the last one with a lower bound on one SLI.
    let variants: Vec<(f64, Report)> = [1.0, 3.0, 5.0]
        .into_iter()
        .enumerate()
        .map(|(k, x)| {
            let mut r = report.clone();
            for sli in &mut r.slis {
                let shift = k as f64 * 0.8;
                sli.nines.point += shift;
                sli.nines.lower += shift;
                sli.nines.upper += shift;
            }
            if k == 2 {
                r.slis[0].unavailability_upper = Some(1e-7);
            }
            (x, r)
        })
        .collect();
    let points: Vec<(f64, &Report)> = variants.iter().map(|(x, r)| (*x, r)).collect();
    let files = render_sweep("etcd.members", &points, &dir.join("sweep")).expect("sweep");
    assert_eq!(
        files,
        [dir.join("sweep/sweep.svg"), dir.join("sweep/sweep.png")]
    );
    assert_charts(&files);
    let svg = std::fs::read_to_string(&files[0]).unwrap();
    assert!(svg.contains("etcd.members"));
    for sli in &report.slis {
        assert!(svg.contains(&sli.name), "{} not in the legend", sli.name);
    }

    // No points: still a chart, saying so.
    let files = render_sweep("etcd.members", &[], &dir.join("empty")).expect("sweep");
    assert_charts(&files);
    assert!(
        std::fs::read_to_string(&files[0])
            .unwrap()
            .contains("no sweep points")
    );
}
