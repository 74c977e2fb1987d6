//! A deterministic mutation fuzzer over the shipped scenarios
//! (`scenarios/*.yaml`). Each mutant is a shipped file with one to three
//! seeded mutations (lines deleted, duplicated, swapped or re-indented,
//! values swapped, numbers replaced by extremes, junk and invalid UTF-8
//! inserted, deep nesting, long strings, hostile trace files, truncation).
//! It is validated in-process, and when it validates it runs two short
//! replications. The fuzzer fails on:
//! - a panic, in validation or in the run (`catch_unwind`);
//! - an unlocated problem: every problem must carry a line, except those
//!   that are not about a place ([`unplaced`]);
//! - a hang: every run is bounded by a two-day horizon and an event cap,
//!   and the scenarios whose cost is robust-out's resource bounds to cap
//!   are not run ([`runnable`]), so each mutant finishes.
//!
//! Mutant `i` depends only on `i`, so a failure names the mutant that
//! reproduces it. `cargo test --release` runs [`DEFAULT_MUTANTS`]; set
//! `NINES_FUZZ_MUTANTS=100000` for a campaign (docs/fuzzing.md).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use nines::engine::SimDuration;
use nines::experiment::{self, Budget, Recording, RunConfig};
use nines::report::{Report, render_table};
use nines::scenario::{FileAccess, Problem, Role, Scenario};

/// Mutants tried by `cargo test`: about 20 s of test time in release
/// builds on one core (docs/fuzzing.md).
const DEFAULT_MUTANTS: u64 = 5_000;

/// The horizon of every run: long enough for failures, repairs, probes
/// and scaling to happen, short enough to be quick.
const RUN_HORIZON: SimDuration = SimDuration::from_secs(2 * 86_400);

/// Events one replication of a mutant may handle: its replication budget
/// (`--replication-budget`), far below the default so the campaign stays
/// quick. A shipped scenario handles a few thousand in two days; a mutant
/// that makes a timer fire every few microseconds reaches this instead,
/// and its error is checked and counted.
const EVENT_CAP: u64 = 200_000;

/// The peak resident memory one mutant may reach, its validation and runs
/// together (the worker process's peak, reset before each mutant); more
/// counts as out-of-memory. The shipped scenarios' mutants stay under
/// 100 MB (docs/fuzzing.md).
const PEAK_RSS_LIMIT_KB: u64 = 512 * 1024;

/// The address space of the worker process that runs the campaign: an
/// allocation beyond it fails and aborts the worker, which counts as
/// out-of-memory for the mutant under way. Far above the RSS limit: glibc
/// reserves address space for each thread's arena.
const ADDRESS_SPACE_LIMIT_KB: u64 = 8 * 1024 * 1024;

/// Set to `FIRST,COUNT` in the worker process.
const WORKER_ENV: &str = "NINES_FUZZ_WORKER";

/// What the worker prints, line by line, for its parent.
const WORKER_LINE: &str = "nines-fuzz";

/// splitmix64: small, fast and fixed, so mutants never change with a
/// dependency's version.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Extreme replacements for a number (with its unit, if any).
const EXTREMES: &[&str] = &[
    "0",
    "-1",
    "1e308",
    "-1e308",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999",
    "NaN",
    ".nan",
    ".inf",
    "-.inf",
    "1e-300",
    "4294967296",
    "65536",
    "0.5",
    "0s",
    "1us",
    "2us",
    "100000y",
    "584000y",
    "1e9y",
    "10y",
];

/// Bytes inserted at random places.
const JUNK: &[&[u8]] = &[
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\0",
    b"\t",
    b"{",
    b"[",
    b"]",
    b"}",
    b":",
    b"- ",
    b"&a ",
    b"*a",
    b"!!binary ",
    b"!include x",
    b"---\n",
    b"...\n",
    b"? ",
    b"<<: ",
    b"'",
    b"\"",
    b"#",
    b"%YAML 1.2\n",
    b"\r",
    b"\xef\xbb\xbf",
    b"\x1b[2J",
];

/// Trace files a hostile scenario might name.
const HOSTILE_FILES: &[&str] = &[
    "/dev/zero",
    "/dev/stdin",
    "/dev/urandom",
    "/etc/passwd",
    "../../../../etc/passwd",
    ".",
    "..",
    "",
    "trace.csv",
    "/proc/self/mem",
];

fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// Applies one seeded mutation; returns its name for the report.
fn mutate(bytes: &mut Vec<u8>, rng: &mut Rng) -> &'static str {
    let mut rows = lines(bytes);
    if rows.is_empty() {
        rows.push(b"\n".to_vec());
    }
    let n = rows.len();
    let name = match rng.below(13) {
        0 => {
            rows.remove(rng.below(n));
            "delete a line"
        }
        1 => {
            let i = rng.below(n);
            let copy = rows[i].clone();
            rows.insert(i, copy);
            "duplicate a line"
        }
        2 => {
            let (a, b) = (rng.below(n), rng.below(n));
            rows.swap(a, b);
            "swap two lines"
        }
        3 => {
            // Swap the values of two `key: value` lines.
            let with_value: Vec<usize> = (0..n)
                .filter(|&i| value_start(&rows[i]).is_some())
                .collect();
            if with_value.len() >= 2 {
                let a = *rng.pick(&with_value);
                let b = *rng.pick(&with_value);
                let (va, vb) = (
                    value_start(&rows[a]).unwrap_or(0),
                    value_start(&rows[b]).unwrap_or(0),
                );
                let tail_a = rows[a][va..].to_vec();
                let tail_b = rows[b][vb..].to_vec();
                rows[a].truncate(va);
                rows[a].extend(tail_b);
                rows[b].truncate(vb);
                rows[b].extend(tail_a);
            }
            "swap two values"
        }
        4 | 5 => {
            // Replace a number (and its unit) with an extreme.
            let text = rows.concat();
            let starts: Vec<usize> = (0..text.len())
                .filter(|&i| {
                    text[i].is_ascii_digit() && (i == 0 || !text[i - 1].is_ascii_alphanumeric())
                })
                .collect();
            if !starts.is_empty() {
                let start = *rng.pick(&starts);
                let end = (start..text.len())
                    .find(|&i| !(text[i].is_ascii_alphanumeric() || text[i] == b'.'))
                    .unwrap_or(text.len());
                let mut out = text[..start].to_vec();
                out.extend_from_slice(rng.pick(EXTREMES).as_bytes());
                out.extend_from_slice(&text[end..]);
                *bytes = out;
                return "replace a number with an extreme";
            }
            "replace a number with an extreme (none found)"
        }
        6 => {
            let text = rows.concat();
            let at = rng.below(text.len() + 1);
            let mut out = text[..at].to_vec();
            if rng.below(4) == 0 {
                for _ in 0..1 + rng.below(8) {
                    out.push(rng.next() as u8);
                }
            } else {
                let junk: &[u8] = JUNK[rng.below(JUNK.len())];
                out.extend_from_slice(junk);
            }
            out.extend_from_slice(&text[at..]);
            *bytes = out;
            return "insert junk bytes";
        }
        7 => {
            let depth = *rng.pick(&[10, 63, 65, 200, 5_000]);
            let (open, close) = if rng.below(2) == 0 {
                ("[", "]")
            } else {
                ("{a: ", "}")
            };
            let line = format!("deep: {}1{}\n", open.repeat(depth), close.repeat(depth));
            rows.insert(rng.below(n + 1), line.into_bytes());
            "deep nesting"
        }
        8 => {
            // A long string as some value (a name, a zone, a duration...).
            let i = rng.below(n);
            if let Some(v) = value_start(&rows[i]) {
                let len = *rng.pick(&[254, 65_520, 70_000, 1_000_000]);
                rows[i].truncate(v);
                rows[i].extend(std::iter::repeat_n(b'x', len));
                rows[i].push(b'\n');
            }
            "long string"
        }
        9 => {
            let file = rng.pick(HOSTILE_FILES);
            let line = format!("    capacity: 100\n    load: {{ trace: {{ file: '{file}' }} }}\n");
            rows.insert(rng.below(n + 1), line.into_bytes());
            "hostile trace file"
        }
        10 => {
            let text = rows.concat();
            bytes.truncate(rng.below(text.len() + 1));
            return "truncate";
        }
        11 => {
            // Re-indent a line by two spaces either way.
            let i = rng.below(n);
            if rows[i].starts_with(b"  ") && rng.below(2) == 0 {
                rows[i].drain(..2);
            } else {
                rows[i].splice(0..0, *b"  ");
            }
            "re-indent a line"
        }
        _ => {
            // Duplicate a block of lines (a list item, a whole section).
            let a = rng.below(n);
            let b = (a + 1 + rng.below(12)).min(n);
            let block: Vec<Vec<u8>> = rows[a..b].to_vec();
            let at = rng.below(n + 1);
            for (k, row) in block.into_iter().enumerate() {
                rows.insert(at + k, row);
            }
            "duplicate a block"
        }
    };
    *bytes = rows.concat();
    name
}

/// Where the value of a `key: value` line starts.
fn value_start(row: &[u8]) -> Option<usize> {
    let colon = row.windows(2).position(|w| w == b": ")?;
    let start = colon + 2;
    (start < row.len() && row[start] != b'\n' && row[start] != b'#').then_some(start)
}

/// Problems that are not about a place in the file, so carry no line.
/// Every other problem must be located.
fn unplaced(problem: &Problem) -> bool {
    // The whole file: too large to read, or empty of anything.
    problem.field.is_empty() && problem.message.contains("the file")
        // A sweep grid too large is about the product of all axes.
        || problem.field == "sweep" && problem.message.contains("points")
}

/// Whether a validated mutant is cheap enough to run here. The excluded
/// ones are robust-out's resource bounds (issue 14, deliverable 3), which
/// `nines run` does not bound yet:
/// - a leader-election lease far above the 15 s default: the lease planner
///   steps through time poll by poll (a closed form replaces it);
/// - chaos steps repeating faster than hourly (injection counts);
/// - failure modes failing faster than once a minute on average, and
///   clusters far above the shipped sizes (memory and events grow with
///   them; the event cap below also catches timers that fire too often).
fn runnable(scenario: &Scenario) -> bool {
    let election = &scenario.control_plane.leader_election;
    if election.lease_duration > SimDuration::from_secs(600)
        || election.retry_period < SimDuration::from_secs(1)
    {
        return false;
    }
    if scenario
        .chaos
        .iter()
        .any(|step| step.every.is_some_and(|e| e < SimDuration::from_secs(3600)))
    {
        return false;
    }
    let mut modes = scenario
        .groups
        .iter()
        .flat_map(|g| &g.failures)
        .chain(&scenario.zone_failures)
        .chain(scenario.failure_domains.iter().flat_map(|d| &d.failures));
    if modes.any(|m| m.time_to_failure.mean_secs() < 60.0) {
        return false;
    }
    let machines: usize = scenario.groups.iter().map(|g| g.zones.len()).sum();
    let workers: usize = scenario
        .groups
        .iter()
        .filter(|g| g.role == Role::Worker)
        .map(|g| g.zones.len())
        .sum();
    let pods: usize = scenario.workloads.iter().map(|w| w.replicas).sum();
    machines <= 200 && workers <= 100 && pods <= 1_000 && scenario.control_plane.etcd.members <= 9
}

/// Runs replications 0 and 1 over [`RUN_HORIZON`]; returns whether one
/// reached [`EVENT_CAP`].
fn short_run(scenario: &Scenario) -> bool {
    let mut scenario = scenario.clone();
    scenario.horizon = scenario.horizon.min(RUN_HORIZON);
    if scenario.warmup >= scenario.horizon {
        scenario.warmup = SimDuration::ZERO;
    }
    let cap = Budget { events: EVENT_CAP };
    let mut capped = false;
    for index in 0..2 {
        match experiment::try_replicate(&scenario, scenario.seed, index, Recording::default(), cap)
        {
            Ok(outcome) => assert!(!outcome.slis.is_empty()),
            Err(exceeded) => {
                // The error names its cause, as `nines run` prints it.
                assert!(exceeded.to_string().contains("ran out of events"));
                capped = true;
                break;
            }
        }
    }
    if !capped {
        // Known to finish: the whole path to the printed table and JSON.
        let config = RunConfig {
            replications: Some(2),
            ..RunConfig::default()
        };
        let result = experiment::run(&scenario, &config, &|_| {}).expect("within the event budget");
        let report = Report::new(&result);
        assert!(!render_table(&report).is_empty());
        nines::report::json_round_trip(&report).expect("the report reads back");
    }
    capped
}

/// What a campaign found.
#[derive(Debug, Default)]
struct Tally {
    mutants: u64,
    valid: u64,
    run: u64,
    not_run: u64,
    capped: u64,
    /// Mutants over [`PEAK_RSS_LIMIT_KB`] or killed by the address-space limit.
    oom: u64,
    /// The highest peak RSS of a mutant, KiB (0 when not measured).
    max_peak_kb: u64,
    failures: Vec<String>,
}

/// The shipped scenarios, in name order: (path, stem, bytes).
fn seeds() -> Vec<(PathBuf, String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the scenarios folder exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("a shipped scenario reads");
            let stem = nines::scenario::file_stem(&p);
            (p, stem, bytes)
        })
        .collect()
}

/// Tries mutants `first..first + count`; `show` prints each one;
/// `measure` resets and reads the process's peak RSS around each (only
/// meaningful in a worker process that runs nothing else).
fn campaign(first: u64, count: u64, show: bool, measure: bool) -> Tally {
    let seeds = seeds();
    let mut tally = Tally::default();
    for i in first..first + count {
        if measure {
            println!("{WORKER_LINE} start {i}");
            reset_peak_rss();
        }
        try_mutant(i, &seeds, show, &mut tally);
        if measure && let Some(peak) = peak_rss_kb() {
            tally.max_peak_kb = tally.max_peak_kb.max(peak);
            if peak > PEAK_RSS_LIMIT_KB {
                tally.oom += 1;
                tally.failures.push(format!(
                    "mutant {i}: peak RSS {} MiB, over the {} MiB bound",
                    peak / 1024,
                    PEAK_RSS_LIMIT_KB / 1024
                ));
            }
        }
    }
    tally
}

/// Tries mutant `i` of `seeds`, counting what happened in `tally`.
fn try_mutant(i: u64, seeds: &[(PathBuf, String, Vec<u8>)], show: bool, tally: &mut Tally) {
    let mut rng = Rng(i.wrapping_mul(0xA076_1D64_78BD_642F) ^ 0x5EED);
    let (path, stem, base) = &seeds[rng.below(seeds.len())];
    let mut bytes = base.clone();
    let mut applied = Vec::new();
    for _ in 0..1 + rng.below(3) {
        applied.push(mutate(&mut bytes, &mut rng));
    }
    let file = path.display().to_string();
    let what = format!("mutant {i} ({stem}: {})", applied.join(", "));
    if show {
        eprintln!("{what}:\n{}", String::from_utf8_lossy(&bytes));
    }
    tally.mutants += 1;
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        Scenario::parse_bytes(&bytes, &file, stem, FileAccess::ScenarioDirectory)
    }));
    let scenario = match parsed {
        Err(_) => {
            tally.failures.push(format!("{what}: validation panicked"));
            return;
        }
        Ok(Err(err)) => {
            for problem in err.problems() {
                if problem.line == 0 && !unplaced(&problem) {
                    tally
                        .failures
                        .push(format!("{what}: unlocated problem: {problem}"));
                }
            }
            if err.problems().is_empty() {
                tally
                    .failures
                    .push(format!("{what}: error without a problem: {err}"));
            }
            return;
        }
        Ok(Ok(scenario)) => scenario,
    };
    tally.valid += 1;
    if !runnable(&scenario) {
        tally.not_run += 1;
        return;
    }
    match catch_unwind(AssertUnwindSafe(|| short_run(&scenario))) {
        Ok(capped) => {
            tally.run += 1;
            tally.capped += u64::from(capped);
        }
        Err(_) => tally.failures.push(format!("{what}: the run panicked")),
    }
}

/// Lets the kernel count the peak RSS afresh (Linux: `clear_refs` 5).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// This process's peak RSS since the last reset, KiB (Linux `VmHWM`).
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs mutants `first..first + count` in a worker process (this test
/// binary, running [`fuzz_worker`] alone) under [`ADDRESS_SPACE_LIMIT_KB`],
/// measuring each mutant's peak RSS; a worker that dies is an
/// out-of-memory of the mutant it had started.
fn campaign_in_worker(first: u64, count: u64) -> Tally {
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {ADDRESS_SPACE_LIMIT_KB} && exec \"$0\" \"$@\""
        ))
        .arg(exe)
        .args([
            "fuzz::fuzz_worker",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(WORKER_ENV, format!("{first},{count}"))
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("the worker starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut tally = Tally::default();
    let mut started = None;
    let mut finished = false;
    for line in stdout.lines() {
        let Some(rest) = line.strip_prefix(WORKER_LINE) else {
            continue;
        };
        let mut words = rest.split_whitespace();
        match words.next() {
            Some("start") => started = words.next().and_then(|w| w.parse::<u64>().ok()),
            Some("failure") => tally
                .failures
                .push(rest.trim_start()["failure".len()..].trim().to_string()),
            Some("tally") => {
                let n: Vec<u64> = words.filter_map(|w| w.parse().ok()).collect();
                if let [mutants, valid, run, capped, not_run, oom, max_peak_kb] = n[..] {
                    (tally.mutants, tally.valid, tally.run, tally.capped) =
                        (mutants, valid, run, capped);
                    (tally.not_run, tally.oom, tally.max_peak_kb) = (not_run, oom, max_peak_kb);
                    finished = true;
                }
            }
            _ => {}
        }
    }
    if !out.status.success() || !finished {
        tally.oom += 1;
        tally.failures.push(format!(
            "the worker died ({}) in mutant {}: out of memory under the {} GiB address-space limit, or a crash",
            out.status,
            started.map_or("?".to_string(), |i| i.to_string()),
            ADDRESS_SPACE_LIMIT_KB / 1024 / 1024
        ));
    }
    tally
}

/// The worker half of the campaign: runs only in the process
/// [`campaign_in_worker`] starts (a no-op in a normal test run).
#[test]
fn fuzz_worker() {
    let Some(range) = std::env::var(WORKER_ENV).ok() else {
        return;
    };
    let (first, count) = range
        .split_once(',')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
        .expect("FIRST,COUNT");
    let tally = campaign(first, count, false, true);
    for failure in &tally.failures {
        println!("{WORKER_LINE} failure {}", failure.replace('\n', " | "));
    }
    println!(
        "{WORKER_LINE} tally {} {} {} {} {} {} {}",
        tally.mutants,
        tally.valid,
        tally.run,
        tally.capped,
        tally.not_run,
        tally.oom,
        tally.max_peak_kb
    );
}

#[test]
fn mutants_of_the_shipped_scenarios_never_panic_hang_or_go_unlocated() {
    let number = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
    // NINES_FUZZ_SHOW=I replays mutant I alone and prints it; otherwise
    // the campaign runs in a worker process whose memory is measured.
    let tally = match number("NINES_FUZZ_SHOW") {
        Some(i) => campaign(i, 1, true, false),
        None if cfg!(target_os = "linux") => {
            campaign_in_worker(0, number("NINES_FUZZ_MUTANTS").unwrap_or(DEFAULT_MUTANTS))
        }
        None => campaign(
            0,
            number("NINES_FUZZ_MUTANTS").unwrap_or(DEFAULT_MUTANTS),
            false,
            false,
        ),
    };
    let unlocated = tally
        .failures
        .iter()
        .filter(|f| f.contains("unlocated") || f.contains("without a problem"))
        .count();
    let panics = tally
        .failures
        .iter()
        .filter(|f| f.contains("panicked"))
        .count();
    eprintln!(
        "fuzz: {} mutants, {} valid, {} run ({} stopped at the event cap), {} valid but not run; \
         {panics} panics, 0 hangs (every run is bounded by its event budget), {} out-of-memory \
         (highest peak RSS {} MiB, bound {} MiB), {unlocated} unlocated errors, {} failures",
        tally.mutants,
        tally.valid,
        tally.run,
        tally.capped,
        tally.not_run,
        tally.oom,
        tally.max_peak_kb / 1024,
        PEAK_RSS_LIMIT_KB / 1024,
        tally.failures.len()
    );
    assert!(
        tally.failures.is_empty(),
        "{} failures:\n{}",
        tally.failures.len(),
        tally
            .failures
            .iter()
            .take(30)
            .map(|f| f.chars().take(400).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The mutations must leave enough mutants valid to exercise the runs.
    assert!(
        tally.run * 10 >= tally.mutants || tally.mutants < 100,
        "{tally:?}"
    );
}
