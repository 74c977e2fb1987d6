//! `nines sweep`: grids of overrides, common seeds, located errors, files.

use crate::util::{assert_success, write};
use nines::experiment::{self, RunConfig};
use nines::report::Report;
use nines::report::sweep::SweepReport;
use nines::scenario::overrides::{Override, apply_overrides, parse_value};

use crate::util::nines_output;

/// Stacked etcd with frequent failures, so member counts differ clearly.
const BASE: &str = "horizon: 1y
replications: 12
seed: 7
machines:
  - name: cp
    role: control-plane
    count: 3
    failures:
      - time_to_failure: { exponential: { mean: 20d } }
        time_to_repair: { exponential: { mean: 6h } }
control_plane:
  topology: stacked
";

fn read_sweep(path: &std::path::Path) -> SweepReport {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn availability(report: &Report, sli: &str) -> f64 {
    report.sli(sli).unwrap().availability.point
}

#[test]
fn more_etcd_members_raise_quorum_availability() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "base.yaml", BASE);
    let json = dir.join("sweep.json");
    let out = nines_output(&[
        "sweep",
        &file,
        "--set",
        "etcd.members=1,3,5",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_success(&out);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("etcd.members"), "{stdout}");
    let sweep = read_sweep(&json);
    assert_eq!(sweep.kind, "sweep");
    assert_eq!(sweep.parameters, ["etcd.members"]);
    let members: Vec<u64> = sweep
        .points
        .iter()
        .map(|p| p.values["etcd.members"].as_u64().unwrap())
        .collect();
    assert_eq!(members, [1, 3, 5]);
    let quorum: Vec<f64> = sweep
        .points
        .iter()
        .map(|p| availability(&p.report, "etcd.quorum"))
        .collect();
    assert!(
        quorum[0] < quorum[1] && quorum[1] < quorum[2],
        "etcd.quorum availability should rise with members: {quorum:?}"
    );
}

#[test]
fn a_bad_path_is_located_at_the_flag_and_exits_1() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "base.yaml", BASE);
    let out = nines_output(&["sweep", &file, "--set", "etcd.membres=3,5"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("--set etcd.membres=3: control_plane.etcd.membres: unknown field `membres`; valid: members, heartbeat_interval"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one mistake, one line: {stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_bad_value_gets_the_fields_own_message() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "base.yaml", BASE);
    let out = nines_output(&["sweep", &file, "--set", "etcd.members=3,4"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("--set etcd.members=4: control_plane.etcd.members: 4 members tolerate no more failures than 3"),
        "{stderr}"
    );
}

#[test]
fn the_same_sweep_twice_is_byte_identical_for_any_thread_count() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "base.yaml", BASE);
    let run = |tag: &str, threads: &str| {
        let json = dir.join(format!("{tag}.json"));
        let csv = dir.join(format!("{tag}.csv"));
        let out = crate::util::nines(&[
            "sweep",
            &file,
            "--set",
            "etcd.members=1,3",
            "--set",
            "etcd.election_timeout=1s..2s:500ms",
            "-n",
            "6",
            "--json",
            json.to_str().unwrap(),
            "--csv",
            csv.to_str().unwrap(),
        ])
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
        assert_success(&out);
        (
            out.stdout,
            std::fs::read(json).unwrap(),
            std::fs::read(csv).unwrap(),
        )
    };
    let first = run("a", "1");
    let second = run("b", "4");
    assert!(first == second, "two runs of one sweep differ");
    let csv = String::from_utf8(first.2).unwrap();
    assert!(
        csv.starts_with(
            "scenario,point,etcd.members,etcd.election_timeout,sli,metric,value,lower,upper,unit,schema_version\n"
        ),
        "{csv}"
    );
    // One column per parameter, holding the value as written.
    assert!(
        csv.contains(
            "base,etcd.members=3 etcd.election_timeout=1500ms,3,1500ms,etcd.quorum,availability,"
        ),
        "{csv}"
    );
}

#[test]
fn a_point_reproduces_with_its_overrides_and_seed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "base.yaml", BASE);
    let json = dir.join("sweep.json");
    let out = nines_output(&[
        "sweep",
        &file,
        "--set",
        "etcd.members=1,3",
        "-n",
        "4",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let sweep = read_sweep(&json);
    let point = &sweep.points[1];
    assert_eq!(point.seed, 7);
    let scenario = apply_overrides(
        BASE,
        &file,
        "base",
        &[Override::flag("etcd.members", parse_value("3").unwrap())],
    )
    .unwrap();
    let config = RunConfig {
        replications: Some(4),
        seed: Some(point.seed),
        ..RunConfig::default()
    };
    let alone = Report::new(&experiment::run(&scenario, &config, &|_| {}).unwrap());
    let round_trip: Report = serde_json::from_str(&serde_json::to_string(&alone).unwrap()).unwrap();
    assert_eq!(
        serde_json::to_string(&point.report).unwrap(),
        serde_json::to_string(&round_trip).unwrap()
    );
}

#[test]
fn a_sweep_block_in_the_file_gives_the_grid_and_flags_replace_its_axes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let text = format!("{BASE}sweep:\n  etcd.members: [1, 3]\n  zones: 1..2\n");
    let file = write(dir, "block.yaml", &text);
    let out = nines_output(&["validate", &file]);
    assert_success(&out);
    let json = dir.join("block.json");
    let out = nines_output(&["sweep", &file, "-n", "3", "--json", json.to_str().unwrap()]);
    assert_success(&out);
    let sweep = read_sweep(&json);
    assert_eq!(sweep.parameters, ["etcd.members", "zones"]);
    let labels: Vec<&str> = sweep.points.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "etcd.members=1 zones=1",
            "etcd.members=1 zones=2",
            "etcd.members=3 zones=1",
            "etcd.members=3 zones=2"
        ]
    );

    let out = nines_output(&[
        "sweep",
        &file,
        "-n",
        "3",
        "--set",
        "zones=3",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let labels: Vec<String> = read_sweep(&json)
        .points
        .into_iter()
        .map(|p| p.label)
        .collect();
    assert_eq!(labels, ["etcd.members=1 zones=3", "etcd.members=3 zones=3"]);
}

#[test]
fn a_bad_sweep_block_is_located_in_the_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let text = format!("{BASE}sweep:\n  etcd.members: 7..1\n  etcd.membres: [3]\n");
    let file = write(dir, "bad.yaml", &text);
    let out = nines_output(&["validate", &file]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "{file}:14:17: sweep.etcd.members: `7..1` is empty"
        )),
        "{stderr}"
    );
    let fixed = text.replace("7..1", "[1, 3]");
    let file = write(dir, "bad.yaml", &fixed);
    let out = nines_output(&["sweep", &file]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "{file}:15:3: control_plane.etcd.membres: unknown field `membres`"
        )),
        "{stderr}"
    );
}

#[test]
fn nothing_to_sweep_is_a_usage_error() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "base.yaml", BASE);
    let out = nines_output(&["sweep", &file]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to sweep"));
}

#[test]
fn plot_draws_availability_against_the_parameter() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = write(dir, "base.yaml", BASE);
    let charts = dir.join("charts");
    let out = nines_output(&[
        "sweep",
        &file,
        "-n",
        "3",
        "--set",
        "etcd.members=1,3",
        "--set",
        "zones=1,2",
        "--plot",
        charts.to_str().unwrap(),
    ]);
    assert_success(&out);
    for sub in ["zones=1", "zones=2"] {
        assert!(charts.join(sub).join("sweep.svg").is_file(), "{sub}");
    }
}

/// Common random numbers: every component draws from its own stream, so a
/// parameter that cannot reach etcd leaves etcd's figures bit for bit as
/// they were, while the API, which the balancer does reach, moves.
#[test]
fn sweeping_the_balancer_leaves_etcd_identical() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = write(
        tmp.path(),
        "lb.yaml",
        &format!("{BASE}  endpoint: {{ type: cloud-lb }}\n"),
    );
    let json = tmp.path().join("sweep.json");
    let out = nines_output(&[
        "sweep",
        &file,
        "--set",
        "endpoint.interval=1s,5s,30s",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_success(&out);
    let sweep = read_sweep(&json);
    let figures = |sli: &str| -> Vec<u64> {
        sweep
            .points
            .iter()
            .map(|p| availability(&p.report, sli).to_bits())
            .collect()
    };
    let quorum = figures("etcd.quorum");
    assert!(quorum.iter().all(|q| *q == quorum[0]), "{quorum:?}");
    let writes = figures("api.write");
    assert!(writes[0] != writes[2], "the interval must move api.write");
}
