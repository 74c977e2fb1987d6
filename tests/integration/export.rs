//! CSV exports of `nines run`: long-format summary and per-replication rows.

use crate::util::assert_success;
use crate::util::nines_output;

const SCENARIO: &str = "name: csv, \"quoted\"
horizon: 30d
replications: 6
machines:
  - name: cp
    role: control-plane
    count: 3
    failures:
      - time_to_failure: { exponential: { mean: 5d } }
        time_to_repair: { exponential: { mean: 2h } }
control_plane:
  topology: stacked
";

#[test]
fn csv_exports_are_long_format_with_quoting() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let file = dir.join("s.yaml");
    std::fs::write(&file, SCENARIO).unwrap();
    let (summary, reps) = (dir.join("summary.csv"), dir.join("reps.csv"));
    let out = nines_output(&[
        "run",
        file.to_str().unwrap(),
        "--replications",
        "6",
        "--csv",
        summary.to_str().unwrap(),
        "--replications-csv",
        reps.to_str().unwrap(),
    ]);
    assert_success(&out);

    let text = std::fs::read_to_string(&summary).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("scenario,point,sli,metric,value,lower,upper,unit,schema_version")
    );
    let availability = lines
        .find(|l| l.contains(",api.write,availability,"))
        .expect("an availability row");
    assert!(
        availability.starts_with("\"csv, \"\"quoted\"\"\",,api.write,availability,0.9"),
        "{availability}"
    );
    assert!(availability.ends_with(",fraction,1"));
    assert!(text.contains(",data_loss,events_per_year_upper,"), "{text}");
    let units = [
        "fraction",
        "nines",
        "seconds",
        "seconds/year",
        "1/year",
        "count",
        "minutes",
        "minutes/year",
        "ratio",
        "years",
        "flag",
    ];
    for line in text.lines().skip(1) {
        let mut fields = line.rsplit(',');
        assert_eq!(fields.next(), Some("1"), "schema_version in {line}");
        let unit = fields.next().unwrap();
        assert!(units.contains(&unit), "unknown unit in {line}");
    }

    let text = std::fs::read_to_string(&reps).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "scenario,point,replication,sli,availability,outages,downtime_seconds,first_failure_seconds,schema_version"
        )
    );
    // Six replications, six control-plane SLIs each.
    assert_eq!(lines.count(), 6 * 6);

    // An earlier export is replaced; a foreign file is not.
    std::fs::write(&reps, "mine\n").unwrap();
    let out = nines_output(&[
        "run",
        file.to_str().unwrap(),
        "--csv",
        summary.to_str().unwrap(),
        "--replications-csv",
        reps.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&reps).unwrap(), "mine\n");
}
