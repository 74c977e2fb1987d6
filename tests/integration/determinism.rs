//! A report is a pure function of scenario, seed and replication count.

use crate::util::nines;

fn report_with_threads(threads: &str, seed: &str, dir: &std::path::Path) -> Vec<u8> {
    let path = dir.join(format!("report-{threads}-{seed}.json"));
    let status = nines(&[
        "run",
        "scenarios/stacked-3cp.yaml",
        "--replications",
        "64",
        "--seed",
        seed,
        "--json",
        path.to_str().unwrap(),
    ])
    .env("RAYON_NUM_THREADS", threads)
    .output()
    .expect("nines runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    std::fs::read(path).unwrap()
}

#[test]
fn report_is_byte_identical_for_one_and_two_threads() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let one = report_with_threads("1", "5", dir);
    let two = report_with_threads("2", "5", dir);
    assert!(!one.is_empty());
    assert_eq!(one, two, "reports differ between 1 and 2 threads");
}

#[test]
fn a_different_seed_gives_a_different_report() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    assert_ne!(
        report_with_threads("2", "5", dir),
        report_with_threads("2", "6", dir)
    );
}
