//! Every shipped scenario validates and runs a short horizon.

use nines::engine::SimDuration;
use nines::experiment::{Recording, replicate};
use nines::scenario::Scenario;

#[test]
fn every_scenario_file_loads_and_runs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml" && e != "json") {
            continue;
        }
        let mut scenario =
            Scenario::load(&path).unwrap_or_else(|e| panic!("{}:\n{e}", path.display()));
        scenario.horizon = SimDuration::from_secs(30 * 86_400);
        for index in 0..3 {
            let outcome = replicate(&scenario, scenario.seed, index, Recording::default());
            let expected = nines::model::sli_names(&scenario).len();
            assert_eq!(outcome.slis.len(), expected, "{}", path.display());
            let loaded = scenario
                .workloads
                .iter()
                .filter(|w| w.load.is_some())
                .count();
            assert_eq!(expected, 6 + 4 * scenario.workloads.len() + loaded);
        }
        seen += 1;
    }
    assert!(
        seen >= 6,
        "expected the six reference scenarios, found {seen}"
    );
}

#[test]
fn the_built_in_scenario_is_the_stacked_file() {
    let builtin = Scenario::builtin();
    assert_eq!(builtin.control_plane.etcd.members, 3);
    let file = Scenario::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/stacked-3cp.yaml"),
    )
    .unwrap();
    assert_eq!(builtin.digest, file.digest);
}
