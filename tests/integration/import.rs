//! `nines import` on upstream-like Kubernetes objects
//! (tests/fixtures/import/): the scenario validates and runs, every field
//! lands where docs/import.md says, unmapped fields are reported, and
//! malformed objects get located errors.

use std::path::{Path, PathBuf};

use nines::engine::SimDuration;
use nines::experiment::{Recording, replicate};
use nines::import::{ImportError, Imported, Options, Source, import_paths, import_sources};
use nines::scenario::autoscaling::Policy;
use nines::scenario::{Endpoint, Role, Scenario, Topology, WorkloadKind};

use crate::util::nines_output;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

fn import(names: &[&str]) -> Imported {
    let paths: Vec<PathBuf> = names.iter().map(|n| fixture(n)).collect();
    import_paths(&paths, &Options::default()).unwrap_or_else(|e| panic!("import failed:\n{e}"))
}

fn import_text(text: &str) -> Result<Imported, ImportError> {
    import_sources(
        &[Source {
            name: "objects.yaml".into(),
            text: text.into(),
        }],
        &Options::default(),
    )
}

/// The text validates again on its own (as `nines validate` reads it) and
/// a few short replications run.
fn validates_and_runs(imported: &Imported) -> Scenario {
    let mut scenario = Scenario::parse(&imported.yaml, "<imported>", "imported")
        .unwrap_or_else(|e| panic!("{e}\n{}", imported.yaml));
    scenario.horizon = SimDuration::from_secs(7 * 86_400);
    for index in 0..3 {
        let outcome = replicate(&scenario, scenario.seed, index, Recording::default());
        assert_eq!(outcome.slis.len(), nines::model::sli_names(&scenario).len());
    }
    scenario
}

fn has_note(imported: &Imported, needle: &str) -> bool {
    imported
        .notes
        .iter()
        .any(|n| n.to_string().contains(needle))
}

#[track_caller]
fn assert_note(imported: &Imported, needle: &str) {
    assert!(
        has_note(imported, needle),
        "no note containing {needle:?}; notes:\n{}",
        imported
            .notes
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Every note is in the file too.
    assert!(
        imported.yaml.contains(needle),
        "{needle:?} missing from the file's comments"
    );
}

#[test]
fn the_hpa_walkthrough_imports_validates_and_runs() {
    let imported = import(&["php-apache.yaml", "hpa-php-apache.yaml"]);
    let scenario = validates_and_runs(&imported);
    let web = &scenario.workloads[0];
    assert_eq!(web.name, "php-apache");
    assert_eq!(web.kind, WorkloadKind::Deployment);
    assert_eq!(web.replicas, 1, "spec.replicas unset: the default 1");
    assert_eq!(web.requests.cpu_millis, 200);
    let autoscaling = web.autoscaling.as_ref().expect("the HPA is imported");
    assert_eq!(autoscaling.bounds(), (1, 10));
    let Policy::Hpa(hpa) = &autoscaling.policy else {
        panic!("an HPA, not the threshold rule")
    };
    assert_eq!(hpa.target_utilization, 50);
    assert!(hpa.behavior.is_none(), "no behavior: the legacy path");
    // Placeholders for what no object states, flagged for review.
    assert!(web.load.is_some());
    assert!(
        imported
            .yaml
            .contains("REVIEW: Kubernetes objects carry no traffic figures")
    );
    // What was not imported is said, in the file and in the notes.
    assert_note(&imported, "kind Service (v1) is not modelled");
    assert_note(&imported, "spec.template.spec.containers[0].image");
    assert_note(&imported, "limits are not modelled");
    assert_note(&imported, "no worker Node objects: assumed 3 workers");
}

#[test]
fn a_kubeadm_stacked_ha_configuration_with_its_nodes() {
    let imported = import(&["kubeadm-stacked.yaml", "nodes-3zones.yaml"]);
    let scenario = validates_and_runs(&imported);
    let cp = &scenario.control_plane;
    assert_eq!(cp.topology, Topology::Stacked);
    assert_eq!(cp.etcd.members, 3);
    assert_eq!(cp.etcd.heartbeat_interval, SimDuration::from_millis(250));
    assert_eq!(cp.etcd.election_timeout, SimDuration::from_millis(2_500));
    assert!(matches!(cp.endpoint, Endpoint::CloudLb(_)));
    assert_eq!(
        cp.leader_election.lease_duration,
        SimDuration::from_secs(30)
    );
    assert_eq!(
        cp.leader_election.renew_deadline,
        SimDuration::from_secs(20)
    );
    assert_eq!(cp.leader_election.retry_period, SimDuration::from_secs(4));
    assert_eq!(
        scenario.node_lifecycle.grace_period,
        SimDuration::from_secs(60)
    );
    assert_eq!(
        scenario.node_lifecycle.lease_renew_interval,
        SimDuration::from_secs(10)
    );
    assert_eq!(
        scenario.hpa_controller.sync_period,
        SimDuration::from_secs(30)
    );
    // Each control-plane machine (and its etcd member) in its own zone.
    let cp_group = &scenario.groups[0];
    assert_eq!(cp_group.role, Role::ControlPlane);
    let mut zones = cp_group.zones.clone();
    zones.sort();
    assert_eq!(zones, vec![0, 1, 2]);
    assert!(cp_group.failures.iter().any(|f| f.loses_disk));
    assert_note(&imported, "etcd flag --snapshot-count is not modelled");
    assert_note(&imported, "kube-controller-manager flag --bind-address");
    assert_note(&imported, "ClusterConfiguration: networking: not modelled");
    assert_note(&imported, "InitConfiguration: nodeRegistration");
}

#[test]
fn a_kubeadm_configuration_with_external_etcd() {
    let imported = import(&["kubeadm-external.yaml", "nodes-3zones.yaml"]);
    let scenario = validates_and_runs(&imported);
    let cp = &scenario.control_plane;
    assert_eq!(cp.topology, Topology::External);
    assert_eq!(cp.etcd.members, 3, "one member per etcd.external endpoint");
    let etcd = scenario
        .groups
        .iter()
        .find(|g| g.role == Role::Etcd)
        .expect("an etcd group");
    assert_eq!(etcd.zones.len(), 3);
    assert!(etcd.failures.iter().any(|f| f.loses_disk));
    // Control-plane machines keep no etcd data in this topology.
    assert!(scenario.groups[0].failures.iter().all(|f| !f.loses_disk));
    assert_eq!(
        scenario.node_lifecycle.monitor_period,
        SimDuration::from_secs(2)
    );
    assert_eq!(scenario.node_lifecycle.eviction_rate, 0.05);
    assert_note(&imported, "etcd.external.caFile");
}

#[test]
fn a_three_zone_node_list() {
    let imported = import(&["nodes-3zones.yaml"]);
    let scenario = validates_and_runs(&imported);
    assert_eq!(
        scenario.zones,
        vec!["europe-west1-b", "europe-west1-c", "europe-west1-d"]
    );
    let workers = scenario
        .groups
        .iter()
        .find(|g| g.role == Role::Worker)
        .expect("a worker group");
    assert_eq!(workers.zones.len(), 6);
    for zone in 0..3 {
        assert_eq!(workers.zones.iter().filter(|z| **z == zone).count(), 2);
    }
    assert_eq!(workers.allocatable.cpu_millis, 3_920);
    assert_eq!(workers.allocatable.memory_bytes, 15_214_744 * 1024);
    // One note per unmodelled Node field, not one per node.
    let pod_cidr = imported
        .notes
        .iter()
        .filter(|n| n.field == "spec.podCIDR")
        .count();
    assert_eq!(pod_cidr, 1);
    assert_note(&imported, "(9 nodes: cp-a, cp-b, cp-c, …)");
}

#[test]
fn workloads_spread_anti_affinity_budgets_and_hpa_behavior() {
    let imported = import(&["nodes-3zones.yaml", "web-stack.yaml"]);
    let scenario = validates_and_runs(&imported);
    let web = scenario.workloads.iter().find(|w| w.name == "web").unwrap();
    assert_eq!(web.replicas, 4);
    assert_eq!(web.requests.cpu_millis, 600, "both containers' requests");
    assert_eq!(web.requests.memory_bytes, 640 << 20);
    let spread = web.spread.expect("the zone spread");
    assert!(spread.by_zone && !spread.hard && spread.max_skew == 1);
    assert_eq!(web.anti_affinity, Some(false), "preferred");
    assert_eq!(web.toleration, SimDuration::from_secs(60));
    assert_eq!(web.probes.period, SimDuration::from_secs(5));
    assert_eq!(web.probes.failure_threshold, 2);
    assert_eq!((web.max_surge, web.max_unavailable), (1, 0));
    assert_eq!(web.pdb_min_available, Some(3), "75 % of 4, rounded up");
    let Policy::Hpa(hpa) = &web.autoscaling.as_ref().unwrap().policy else {
        panic!("an HPA")
    };
    assert_eq!((hpa.min_replicas, hpa.max_replicas), (3, 12));
    assert_eq!(hpa.target_utilization, 60);
    let behavior = hpa.behavior.as_ref().expect("spec.behavior");
    assert_eq!(
        behavior.scale_down.stabilization_window,
        SimDuration::from_secs(600)
    );
    assert_eq!(behavior.scale_up.policies.len(), 2);
    let db = scenario.workloads.iter().find(|w| w.name == "db").unwrap();
    assert_eq!(db.kind, WorkloadKind::StatefulSet);
    assert_eq!(db.anti_affinity, Some(true), "required");
    assert_eq!(db.pdb_min_available, Some(2), "maxUnavailable 1 of 3");
    assert_note(
        &imported,
        "spec.metrics[1]: nines' HPA scales on CPU averageUtilization only",
    );
    assert_note(&imported, "spec.volumeClaimTemplates");
    assert_note(
        &imported,
        "containers[0].livenessProbe: nines uses one probe setting",
    );
}

#[test]
fn a_directory_of_manifests_imports_every_file() {
    let imported = import(&[""]);
    validates_and_runs(&imported);
    // Both kubeadm samples are in the directory: the first by name wins.
    assert_eq!(imported.scenario.control_plane.topology, Topology::External);
    assert_note(&imported, "a second kubeadm ClusterConfiguration");
    assert_eq!(imported.scenario.workloads.len(), 3);
}

#[test]
fn an_even_number_of_stacked_members_is_imported_odd_and_said() {
    let node = |name: &str| {
        format!(
            "- apiVersion: v1\n  kind: Node\n  metadata:\n    name: {name}\n    labels:\n      node-role.kubernetes.io/control-plane: \"\"\n"
        )
    };
    let text = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}{}{}{}",
        node("a"),
        node("b"),
        node("c"),
        node("d")
    );
    let imported = import_text(&text).unwrap();
    assert_eq!(imported.scenario.control_plane.etcd.members, 3);
    assert_note(
        &imported,
        "4 control-plane nodes carry 4 stacked etcd members",
    );
}

#[test]
fn malformed_objects_are_located_by_file_document_and_field() {
    let text = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: three\n  template:\n    spec:\n      containers: [{name: web}]\n";
    let err = import_text(text).unwrap_err().to_string();
    for part in [
        "objects.yaml",
        "document 2",
        "line 10",
        "Deployment web",
        "spec.replicas",
        "whole number",
    ] {
        assert!(err.contains(part), "{part:?} missing from: {err}");
    }
    let err = import_text("kind: HorizontalPodAutoscaler\napiVersion: autoscaling/v2\nmetadata: {name: h}\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("document 1") && err.contains("maxReplicas"),
        "{err}"
    );
    let err = import_text("apiVersion: v1\nmetadata: {name: x}\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("document 1") && err.contains("no `kind`"),
        "{err}"
    );
    let err = import_text(
        "kind: Node\napiVersion: v1\nmetadata: {name: n}\nstatus:\n  allocatable: {cpu: lots}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("status.allocatable.cpu") && err.contains("CPU quantity"),
        "{err}"
    );
    let err = import_text("kind: [unclosed\n").unwrap_err().to_string();
    assert!(err.starts_with("objects.yaml:1:"), "{err}");
    let err = import_text("# nothing\n").unwrap_err().to_string();
    assert!(err.contains("no Kubernetes objects"), "{err}");
}

#[test]
fn the_cli_writes_a_file_only_when_told_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cluster.yaml");
    let out_arg = out.to_str().unwrap();
    let inputs = [
        "import",
        "tests/fixtures/import/php-apache.yaml",
        "tests/fixtures/import/hpa-php-apache.yaml",
    ];
    let first = nines_output(&[&inputs[..], &["-o", out_arg]].concat());
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(
        stderr.contains("note: ") && stderr.contains("kind Service"),
        "{stderr}"
    );
    assert!(first.stdout.is_empty());
    Scenario::load(&out).expect("the written file validates");
    let validate = nines_output(&["validate", out_arg]);
    assert!(validate.status.success());

    std::fs::write(&out, "keep me").unwrap();
    let again = nines_output(&[&inputs[..], &["-o", out_arg]].concat());
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
    let forced = nines_output(&[&inputs[..], &["-o", out_arg, "--force"]].concat());
    assert!(forced.status.success());
    assert_ne!(std::fs::read_to_string(&out).unwrap(), "keep me");

    let stdout = nines_output(&[&inputs[..], &["-o", "-"]].concat());
    assert!(stdout.status.success());
    assert!(String::from_utf8_lossy(&stdout.stdout).contains("name: php-apache"));
    let bad = nines_output(&["import", "tests/fixtures/import/no-such-file.yaml"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no-such-file.yaml"));
}

#[test]
fn json_as_kubectl_writes_it_and_standard_input() {
    let json = r#"{"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Node",
         "metadata": {"name": "w1", "labels": {"topology.kubernetes.io/zone": "z1"}},
         "status": {"allocatable": {"cpu": "2", "memory": "8Gi"}}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
         "spec": {"replicas": 2, "template": {"spec": {"containers": [
            {"name": "api", "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}}}]}}}}
    ]}"#;
    let imported = import_text(json).unwrap();
    let scenario = validates_and_runs(&imported);
    assert_eq!(scenario.zones, vec!["z1"]);
    assert_eq!(scenario.workloads[0].replicas, 2);

    let mut child = crate::util::nines(&["import", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(json.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("#   <stdin>"));
}

#[test]
fn hostile_numbers_give_errors_not_panics() {
    let big = u64::MAX;
    for text in [
        format!(
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nnodeLeaseDurationSeconds: {big}\n"
        ),
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w}}\nspec:\n  replicas: {big}\n  template:\n    spec:\n      containers:\n      - name: a\n        resources: {{requests: {{cpu: \"{big}\", memory: 1Gi}}}}\n        readinessProbe: {{initialDelaySeconds: {big}}}\n      - name: b\n        resources: {{requests: {{cpu: \"{big}\"}}}}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{name: h}}\nspec:\n  scaleTargetRef: {{kind: Deployment, name: w}}\n  maxReplicas: {big}\n"
        ),
    ] {
        // Either a scenario or an error; never a panic.
        let _ = import_text(&text).map(|i| i.yaml);
    }
}
