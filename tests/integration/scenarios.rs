//! Every shipped scenario validates and runs a short horizon.

use nines::engine::SimDuration;
use nines::experiment::{Recording, replicate};
use nines::scenario::{Role, Scenario};

/// Worker nodes at the start.
fn workers(scenario: &Scenario) -> usize {
    scenario
        .groups
        .iter()
        .filter(|g| g.role == Role::Worker)
        .map(|g| g.autoscaling.map_or(g.zones.len(), |a| a.initial))
        .sum()
}

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
        // A cluster at Kubernetes' limits has its own test below.
        if workers(&scenario) > 1000 {
            continue;
        }
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
fn the_5000_node_scenario_is_at_kubernetes_limits_and_runs() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/large-5000-nodes.yaml");
    let mut scenario = Scenario::load(&path).unwrap();
    assert_eq!(workers(&scenario), 5000);
    let pods: usize = scenario.workloads.iter().map(|w| w.replicas).sum();
    assert!((140_000..=150_000).contains(&pods), "{pods} pods");
    // Placing every pod is the costly part; a few hours of events after it.
    scenario.horizon = SimDuration::from_secs(4 * 3600);
    let outcome = replicate(&scenario, scenario.seed, 0, Recording::default());
    assert!(outcome.events > 0);
    let expected = nines::model::sli_names(&scenario).len();
    assert_eq!(outcome.slis.len(), expected);
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
