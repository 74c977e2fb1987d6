//! Hostile and abusive scenarios: the files a scenario may read, names and
//! counts at the limits, and the parser's errors in the planner's words.

use std::path::Path;

use nines::scenario::{FileAccess, Problem, Scenario};

use crate::util::{nines_output, write};

/// A valid scenario whose one workload's load is `load`.
fn with_load(load: &str) -> String {
    format!(
        "horizon: 30d
replications: 4
machines:
  - name: cp
    role: control-plane
    count: 1
  - name: workers
    role: worker
    count: 3
    allocatable: {{ cpu: 4, memory: 16Gi }}
control_plane:
  topology: single
workloads:
  - name: web
    replicas: 3
    requests: {{ cpu: 1, memory: 1Gi }}
    startup: {{ deterministic: 20s }}
    capacity: 100
    load: {load}
"
    )
}

/// The line of `load:` in [`with_load`].
const LOAD_LINE: u64 = 19;

/// A scenario naming the trace `file`, written as `dir/scenario.yaml`.
fn scenario_naming(dir: &Path, file: &str) -> String {
    write(
        dir,
        "scenario.yaml",
        &with_load(&format!("{{ trace: {{ file: '{file}' }} }}")),
    )
}

/// The problems of loading `path` with `access`.
fn problems(path: &str, access: FileAccess) -> Vec<Problem> {
    match Scenario::load_with(Path::new(path), access) {
        Ok(_) => panic!("{path} should be refused"),
        Err(err) => err.problems(),
    }
}

/// The one problem at the trace field, located at the `load:` line.
#[track_caller]
fn trace_problem(path: &str, access: FileAccess) -> String {
    let found = problems(path, access);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field, "workloads[0].load.trace.file");
    assert_eq!(found[0].line, LOAD_LINE, "{found:?}");
    found[0].message.clone()
}

const GOOD_TRACE: &str = "time,rate\n0,100\n1h,200\n";

#[test]
fn an_absolute_trace_path_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario_naming(dir.path(), "/etc/passwd");
    let message = trace_problem(&path, FileAccess::ScenarioDirectory);
    assert!(message.contains("absolute path"), "{message}");
    assert!(
        message.contains("--allow-files-outside-scenario"),
        "{message}"
    );
    assert!(!message.contains("root:"), "{message}");
    // The binary says the same and exits 1.
    let output = nines_output(&["validate", &path]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("absolute path"), "{stderr}");
    assert!(!stderr.contains("root:"), "{stderr}");
}

#[test]
fn an_allowed_file_is_quoted_only_by_a_short_escaped_excerpt_of_its_first_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let secrets: String = (0..20)
        .map(|i| {
            format!(
                "user{i}:x:{i}:{i}:secret-{i}-\u{1b}[31m-{}\n",
                "y".repeat(80)
            )
        })
        .collect();
    let outside = write(dir.path(), "passwd", &secrets);
    let inner = dir.path().join("scenarios");
    std::fs::create_dir(&inner).unwrap();
    let path = scenario_naming(&inner, &outside);
    let found = problems(&path, FileAccess::Anywhere);
    let all: String = found.iter().map(|p| p.message.clone() + "\n").collect();
    // Line 1 does not start with a time, so it is taken as the header.
    assert!(all.contains("line 2: expected 2 cells"), "{all}");
    assert!(
        all.contains("(the line reads `user1:x:1:1:secret-1-\\u{1b}[31m-yyyyyyyyyyyyy…`)"),
        "{all}"
    );
    for i in (0..20).filter(|i| *i != 1) {
        assert!(!all.contains(&format!("secret-{i}-")), "{all}");
    }
    assert!(!all.contains('\u{1b}'), "{all}");
    // The same file is refused without the flag, and not quoted at all.
    let refused = trace_problem(&path, FileAccess::ScenarioDirectory);
    assert!(!refused.contains("secret"), "{refused}");
    // The flag reaches the library from the command line.
    let output = nines_output(&["validate", &path, "--allow-files-outside-scenario"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("secret-1-"));
}

#[test]
fn a_path_climbing_out_of_the_scenario_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "trace.csv", GOOD_TRACE);
    let inner = dir.path().join("scenarios");
    std::fs::create_dir(&inner).unwrap();
    let path = scenario_naming(&inner, "../trace.csv");
    let message = trace_problem(&path, FileAccess::ScenarioDirectory);
    assert!(message.contains("through `..`"), "{message}");
    Scenario::load_with(Path::new(&path), FileAccess::Anywhere).unwrap();
    // A `..` that stays inside is fine.
    std::fs::create_dir(inner.join("traces")).unwrap();
    write(&inner, "web.csv", GOOD_TRACE);
    let path = scenario_naming(&inner, "traces/../web.csv");
    Scenario::load(Path::new(&path)).unwrap();
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_leading_out_of_the_scenario_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let outside = write(dir.path(), "trace.csv", GOOD_TRACE);
    let inner = dir.path().join("scenarios");
    std::fs::create_dir(&inner).unwrap();
    std::os::unix::fs::symlink(&outside, inner.join("link.csv")).unwrap();
    let path = scenario_naming(&inner, "link.csv");
    let message = trace_problem(&path, FileAccess::ScenarioDirectory);
    assert!(message.contains("symbolic link"), "{message}");
    Scenario::load_with(Path::new(&path), FileAccess::Anywhere).unwrap();
    // A link that stays inside is fine.
    std::fs::rename(&outside, inner.join("real.csv")).unwrap();
    std::fs::remove_file(inner.join("link.csv")).unwrap();
    std::os::unix::fs::symlink(inner.join("real.csv"), inner.join("link.csv")).unwrap();
    Scenario::load(Path::new(&path)).unwrap();
}

#[cfg(unix)]
#[test]
fn devices_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    for device in ["/dev/zero", "/dev/stdin", "/dev/null"] {
        let path = scenario_naming(dir.path(), device);
        let message = trace_problem(&path, FileAccess::Anywhere);
        assert!(
            message.contains("not a regular file"),
            "{device}: {message}"
        );
    }
    // Through a link inside the directory too.
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.csv")).unwrap();
    let path = scenario_naming(dir.path(), "zero.csv");
    let message = trace_problem(&path, FileAccess::Anywhere);
    assert!(
        message.contains("a device, not a regular file"),
        "{message}"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_and_cannot_hang_validation() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("trace.csv");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let path = scenario_naming(dir.path(), "trace.csv");
    let message = trace_problem(&path, FileAccess::ScenarioDirectory);
    assert!(
        message.contains("a FIFO (named pipe), not a regular file"),
        "{message}"
    );
    // `nines check` refuses it too (exit 2, an input error), and returns.
    let output = nines_output(&["check", &path, "-n", "2"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("traces")).unwrap();
    let path = scenario_naming(dir.path(), "traces");
    let message = trace_problem(&path, FileAccess::ScenarioDirectory);
    assert!(
        message.contains("a directory, not a regular file"),
        "{message}"
    );
}

#[test]
fn a_trace_larger_than_the_limit_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let big = std::fs::File::create(dir.path().join("big.csv")).unwrap();
    // Sparse: no disk space, and nothing of it is read.
    big.set_len(nines::scenario::files::MAX_NAMED_FILE_BYTES + 1)
        .unwrap();
    let path = scenario_naming(dir.path(), "big.csv");
    let message = trace_problem(&path, FileAccess::ScenarioDirectory);
    assert!(message.contains("more than 16 MiB"), "{message}");
}

#[test]
fn invalid_utf8_is_located_in_a_trace_and_in_a_scenario() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), b"time,rate\n0,100\n1h,2\xff0\n").unwrap();
    let path = scenario_naming(dir.path(), "t.csv");
    let message = trace_problem(&path, FileAccess::ScenarioDirectory);
    assert!(
        message.contains("t.csv line 3, column 5: byte 20 is not valid UTF-8"),
        "{message}"
    );
    let scenario = dir.path().join("bad.yaml");
    let mut bytes = with_load("{ constant: 5 }").into_bytes();
    let at = String::from_utf8_lossy(&bytes).find("count: 3").unwrap() + 7;
    bytes.insert(at, 0xC3);
    std::fs::write(&scenario, &bytes).unwrap();
    let err = Scenario::load(&scenario).unwrap_err();
    let problem = &err.problems()[0];
    assert_eq!((problem.line, problem.column), (9, 12), "{err}");
    assert!(
        problem
            .message
            .contains(&format!("byte {at} is not valid UTF-8")),
        "{err}"
    );
    // The same from bytes in memory.
    let err = Scenario::parse_bytes(&bytes, "mem.yaml", "x", FileAccess::default()).unwrap_err();
    assert_eq!(err.problems()[0].line, 9);
}

#[test]
fn a_65520_character_workload_name_is_refused_at_its_line() {
    let long = "w".repeat(65_520);
    let text = with_load("{ constant: 5 }").replace("- name: web", &format!("- name: {long}"));
    let err = Scenario::parse(&text, "long.yaml", "x").unwrap_err();
    let found = err.problems();
    assert_eq!(found.len(), 1, "{err}");
    assert_eq!(found[0].field, "workloads[0].name");
    assert_eq!(found[0].line, 14);
    assert!(
        found[0]
            .message
            .contains("the name has 65520 characters; use at most 253"),
        "{err}"
    );
    // At the limit it validates, and the table prints it.
    let name = "n".repeat(253);
    let text = with_load("{ constant: 5 }")
        .replace("- name: web", &format!("- name: {name}"))
        .replace("horizon: 30d", "horizon: 1d");
    let scenario = Scenario::parse(&text, "long.yaml", "x").unwrap();
    let result = crate::util::run(&scenario, 0.95);
    let table = nines::report::render_table(&nines::report::Report::new(&result));
    assert!(table.contains(&name));
    // Control characters would rewrite a terminal or a CI log.
    let text =
        with_load("{ constant: 5 }").replace("horizon: 30d", "horizon: 30d\nname: \"a\\e[2Jb\"");
    let err = Scenario::parse(&text, "esc.yaml", "x").unwrap_err();
    assert!(
        err.to_string()
            .contains("esc.yaml:2:7: name: the name holds the control character \\u{1b}"),
        "{err}"
    );
}

#[test]
fn an_out_of_range_count_is_quoted_as_written() {
    let text = "machines:
  - name: cp
    role: control-plane
    count: 10001
control_plane:
  topology: stacked
  etcd: { members: 3 }
";
    let err = Scenario::parse(text, "count.yaml", "x").unwrap_err();
    let rendered = err.to_string();
    assert!(
        rendered.contains("count.yaml:4:12: machines[0].count: 10001 is out of range"),
        "{rendered}"
    );
    assert!(rendered.contains("there are 10001"), "{rendered}");
    assert!(!rendered.contains("10000;"), "{rendered}");
}

/// The one located parse problem of `text`.
#[track_caller]
fn parse_problem(text: &str) -> Problem {
    let err = Scenario::parse(text, "p.yaml", "x").unwrap_err();
    let found = err.problems();
    assert_eq!(found.len(), 1, "{err}");
    assert!(found[0].line > 0, "{err}");
    found[0].clone()
}

#[test]
fn parser_errors_are_in_the_planners_words() {
    let base = with_load("{ constant: 5 }");
    let internals = [
        "DuplicateKeyPolicy",
        "from_str_multiple",
        "externally tagged",
        "budget breached",
        "invalid u64",
        "Options",
    ];
    let check = |problem: &Problem| {
        for word in internals {
            assert!(!problem.message.contains(word), "{problem}");
        }
    };

    let dup =
        parse_problem(&base.replace("replications: 4\n", "replications: 4\nreplications: 5\n"));
    check(&dup);
    assert_eq!(dup.line, 3);
    assert_eq!(
        dup.message,
        "duplicate key `replications` (first at line 2); a key may appear once in each mapping: keep one"
    );
    let nested = parse_problem(&base.replace("    count: 1\n", "    count: 1\n    count: 2\n"));
    assert!(
        nested.message.contains("`count` (first at line 6)"),
        "{nested}"
    );

    let multi = parse_problem(&format!("{base}---\n{base}"));
    check(&multi);
    assert!(multi.line >= 20, "{multi}");
    assert!(
        multi.message.contains("a scenario file holds one scenario"),
        "{multi}"
    );

    let list = parse_problem(&base.replace("{ deterministic: 20s }", "[20s]"));
    check(&list);
    assert_eq!(list.field, "workloads[0].startup");
    assert!(
        list.message
            .starts_with("expected a distribution written as one `kind: parameters` entry"),
        "{list}"
    );
    assert!(list.message.contains("`{ deterministic: 5m }`"), "{list}");
    let two = parse_problem(&base.replace(
        "{ deterministic: 20s }",
        "{ deterministic: 20s, exponential: { mean: 1m } }",
    ));
    check(&two);
    assert!(two.message.starts_with("give one kind only"), "{two}");
    let load = parse_problem(&base.replace("{ constant: 5 }", "[5]"));
    assert!(load.message.contains("`{ constant: 300 }`"), "{load}");

    let zones: String = (0..250_001).map(|i| format!("  - z{i}\n")).collect();
    let big = parse_problem(&format!("{base}zones:\n{zones}"));
    check(&big);
    assert!(
        big.message
            .contains("the document is too large: more than 250000 YAML values"),
        "{big}"
    );
    let deep = parse_problem(&format!(
        "{base}zones: {}{}\n",
        "[".repeat(100),
        "]".repeat(100)
    ));
    // The schema refuses the list long before the parser's depth limit.
    check(&deep);

    for (value, range) in [
        ("-1", "from 2 to 100000000"),
        ("1e308", "from 2 to 100000000"),
        ("99999999999999999999999", "from 2 to 100000000"),
        ("NaN", "from 2 to 100000000"),
    ] {
        let bad =
            parse_problem(&base.replace("replications: 4", &format!("replications: {value}")));
        check(&bad);
        assert_eq!(
            bad.message,
            format!("expected a whole number {range}, found `{value}`")
        );
    }
    let seed = parse_problem(&base.replace("replications: 4", "seed: 1.5"));
    assert_eq!(
        seed.message,
        "expected a whole number from 0 to 18446744073709551615, found `1.5`"
    );
    let count = parse_problem(&base.replace("count: 3", "count: -3"));
    assert_eq!(
        count.message,
        "expected a whole number from 1 to 10000, found `-3`"
    );

    let empty = Scenario::parse("", "p.yaml", "x").unwrap_err();
    assert!(empty.to_string().contains("the file is empty"), "{empty}");
}

#[test]
fn rates_beyond_a_billion_requests_per_second_are_refused() {
    // Found by the fuzzer (mutant 16024): `peak: 1e308` validated and the
    // request sums overflowed to infinity, leaving `null` in the JSON report.
    for (load, field) in [
        (
            "{ diurnal: { peak: 1e308, trough: 200, peak_hour: 14 } }",
            "workloads[0].load.diurnal.peak",
        ),
        ("{ constant: 2e9 }", "workloads[0].load.constant"),
    ] {
        let err = Scenario::parse(&with_load(load), "rate.yaml", "x").unwrap_err();
        let found = err.problems();
        assert_eq!(found.len(), 1, "{err}");
        assert_eq!((found[0].field.as_str(), found[0].line), (field, LOAD_LINE));
        assert!(found[0].message.contains("1e9"), "{err}");
    }
    let capacity = with_load("{ constant: 5 }").replace("capacity: 100", "capacity: 1e10");
    let err = Scenario::parse(&capacity, "rate.yaml", "x").unwrap_err();
    assert_eq!(err.problems()[0].field, "workloads[0].capacity");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.csv", "0,100\n60,1e308\n");
    let path = scenario_naming(dir.path(), "t.csv");
    let message = trace_problem(&path, FileAccess::ScenarioDirectory);
    assert!(
        message.contains("line 2: the rate is above 1e9"),
        "{message}"
    );
    // At the limit the run's figures stay finite and the report reads back.
    let text = with_load("{ constant: 1e9 }")
        .replace("capacity: 100", "capacity: 1e9")
        .replace("horizon: 30d", "horizon: 1d");
    let scenario = Scenario::parse(&text, "rate.yaml", "x").unwrap();
    let report = nines::report::Report::new(&crate::util::run(&scenario, 0.95));
    nines::report::json_round_trip(&report).unwrap();
}
