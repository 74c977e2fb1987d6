//! From Kubernetes objects to scenario entries: what maps to what
//! (docs/import.md is the table), and a note for everything else.

use std::collections::{BTreeMap, BTreeSet};

use super::emit::{Entry, Y, quote, s, write_block};
use super::tree::{Cursor, Object};
use super::units::{
    format_cpu, format_duration, format_memory, kubernetes_minor, parse_cpu, parse_go_duration,
    parse_memory, seconds,
};
use super::{ImportError, Note, Options, Source};

/// Control-plane machines assumed when no Node object says how many: the
/// kubeadm HA guide's three ("Creating Highly Available Clusters with
/// kubeadm": at least three control-plane nodes).
const ASSUMED_CONTROL_PLANES: usize = 3;
/// Worker nodes assumed when workloads come without Node objects.
const ASSUMED_WORKERS: u64 = 3;
/// Allocatable CPU of an assumed worker, millicores.
const ASSUMED_WORKER_CPU: u64 = 4_000;
/// Allocatable memory of an assumed worker, bytes.
const ASSUMED_WORKER_MEMORY: u64 = 16 << 30;
/// Requests per second one pod serves at its full CPU request, when a
/// workload needs one (an HPA needs `capacity` and `load`): a placeholder,
/// no object states it.
const PLACEHOLDER_CAPACITY: u64 = 100;
/// Pod start-up (pull, start, readiness) median and p99, seconds: the
/// shipped scenarios' assumption; Kubernetes has no default
/// (docs/kubernetes-defaults.md §3).
const STARTUP_MEDIAN_SECS: u64 = 20;
/// See [`STARTUP_MEDIAN_SECS`].
const STARTUP_P99_SECS: u64 = 60;

const REVIEW_FAILURES: &str = "REVIEW: failure and repair figures are the project's calibrated assumptions (docs/kubernetes-defaults.md §9.3: ~0.5 failures per machine-year, ~4 %/yr losing the disk), not facts about your cluster; replace them with your fleet's numbers.";

/// Everything the mapping collects before it writes.
#[derive(Default)]
struct Plan {
    notes: Vec<Note>,
    version: Option<String>,
    control_plane_endpoint: Option<String>,
    kubeadm_seen: bool,
    external_etcd: Option<usize>,
    etcd: Vec<Entry>,
    leader: BTreeMap<&'static str, (String, String)>,
    node_lifecycle: Vec<Entry>,
    hpa_controller: Vec<Entry>,
    default_toleration: Option<(u64, String)>,
    nodes: Vec<NodeInfo>,
    workloads: Vec<WorkloadPlan>,
}

struct NodeInfo {
    name: String,
    zone: Option<String>,
    control_plane: bool,
    cpu: u64,
    memory: u64,
}

struct WorkloadPlan {
    name: String,
    namespace: String,
    kind: &'static str,
    labels: BTreeMap<String, String>,
    entries: Vec<Entry>,
    replicas: u64,
    cpu: u64,
    has_toleration: bool,
    pdb: Option<Entry>,
    autoscaling: Option<(Entry, u64, u64, u64)>,
}

fn note_whole(notes: &mut Vec<Note>, message: impl Into<String>) {
    notes.push(Note {
        origin: String::new(),
        line: 0,
        object: String::new(),
        field: String::new(),
        message: message.into(),
    });
}

/// Maps the objects; returns the scenario's top-level entries and the notes.
pub fn map(objects: &[Object], options: &Options) -> Result<(Vec<Entry>, Vec<Note>), ImportError> {
    let mut plan = Plan::default();
    let mut cluster_configs = 0;
    let mut hpas = Vec::new();
    let mut pdbs = Vec::new();
    let mut handled: Vec<&Object> = Vec::new();
    for object in objects {
        let kubeadm = object.api_version.starts_with("kubeadm.k8s.io/");
        match object.kind.as_str() {
            "ClusterConfiguration" if kubeadm => {
                cluster_configs += 1;
                if cluster_configs > 1 {
                    plan.notes.push(object.cursor().note(
                        "a second kubeadm ClusterConfiguration; only the first one is imported",
                    ));
                    continue;
                }
                cluster_configuration(object, &mut plan)?;
            }
            "InitConfiguration"
            | "JoinConfiguration"
            | "ResetConfiguration"
            | "UpgradeConfiguration"
                if kubeadm =>
            {
                plan.kubeadm_seen = true;
                // Node-local settings (addresses, tokens, CRI socket): none is
                // an availability parameter; each is listed as not imported.
            }
            "KubeletConfiguration" => kubelet_configuration(object, &mut plan)?,
            "Node" => {
                let n = node(object, &mut plan)?;
                plan.nodes.push(n);
            }
            "Deployment" | "StatefulSet" => {
                if object.name == "cluster-autoscaler" {
                    plan.notes.push(object.cursor().note_keep(
                        "the Cluster Autoscaler's flags are not imported (it is imported as a workload); set `machines[*].autoscaling` and `cluster_autoscaler` by hand",
                    ));
                }
                let w = workload(object, &mut plan)?;
                plan.workloads.push(w);
            }
            "HorizontalPodAutoscaler" => hpas.push(object),
            "PodDisruptionBudget" => pdbs.push(object),
            other => {
                plan.notes.push(Note {
                    origin: object.origin(),
                    line: object.root.line,
                    object: object.label(),
                    field: String::new(),
                    message: format!(
                        "kind {other} ({}) is not modelled by nines; not imported",
                        if object.api_version.is_empty() {
                            "no apiVersion"
                        } else {
                            &object.api_version
                        }
                    ),
                });
                continue;
            }
        }
        handled.push(object);
    }
    disambiguate_names(&mut plan);
    for hpa in &hpas {
        horizontal_pod_autoscaler(hpa, &mut plan)?;
    }
    for pdb in &pdbs {
        pod_disruption_budget(pdb, &mut plan)?;
    }
    // Fields nobody read, in input order; Node fields once per path.
    let mut node_fields: BTreeMap<String, (Vec<String>, String, usize)> = BTreeMap::new();
    for object in &handled {
        for (field, line) in object.unread() {
            if object.kind == "Node" {
                let entry = node_fields
                    .entry(field)
                    .or_insert_with(|| (Vec::new(), object.origin(), line));
                entry.0.push(object.name.clone());
            } else {
                plan.notes.push(Note {
                    origin: object.origin(),
                    line,
                    object: object.label(),
                    field,
                    message: "not modelled by nines; not imported".into(),
                });
            }
        }
    }
    for (field, (names, origin, line)) in node_fields {
        let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
        let more = if names.len() > 3 { ", …" } else { "" };
        plan.notes.push(Note {
            origin,
            line,
            object: "Node".into(),
            field,
            message: format!(
                "not modelled by nines; not imported ({} node{}: {}{more})",
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                shown.join(", ")
            ),
        });
    }
    let entries = assemble(&mut plan, options)?;
    // Notes in input order (object, then line); notes about the whole
    // import last.
    let mut order: BTreeMap<String, usize> = BTreeMap::new();
    for (i, object) in objects.iter().enumerate() {
        order.entry(object.origin()).or_insert(i);
    }
    plan.notes
        .sort_by_key(|n| (order.get(&n.origin).copied().unwrap_or(usize::MAX), n.line));
    Ok((entries, plan.notes))
}

/// `extraArgs` as kubeadm v1beta3 (a mapping) or v1beta4 (a list of
/// `{name, value}`) writes them.
fn extra_args<'a>(args: &Cursor<'a>) -> Result<Vec<(String, Cursor<'a>)>, ImportError> {
    if let Ok(items) = args.items() {
        let mut out = Vec::new();
        for item in items {
            let name = match item.field("name") {
                Some(n) => n.string()?,
                None => {
                    return Err(item.error(
                        "an extraArgs entry needs `name` and `value` (kubeadm v1beta4), e.g. `{name: node-monitor-grace-period, value: 40s}`"
                            .into(),
                    ));
                }
            };
            let Some(value) = item.field("value") else {
                return Err(item.error(format!("extraArgs `{name}` has no `value`")));
            };
            out.push((name.trim_start_matches('-').to_string(), value));
        }
        return Ok(out);
    }
    args.entries().map_err(|_| {
        args.error(
            "extraArgs must be a mapping of flag names to values (kubeadm v1beta3) or a list of `{name, value}` (v1beta4)"
                .into(),
        )
    })
}

fn go_duration(value: &Cursor<'_>, flag: &str) -> Result<String, ImportError> {
    let text = value.string()?;
    parse_go_duration(&text)
        .map(format_duration)
        .ok_or_else(|| {
            value.error(format!(
            "--{flag}: `{text}` is not a duration; write a Go duration such as 15s, 500ms or 1m30s"
        ))
        })
}

fn cluster_configuration(object: &Object, plan: &mut Plan) -> Result<(), ImportError> {
    plan.kubeadm_seen = true;
    let root = object.cursor();
    let from = format!("kubeadm ClusterConfiguration ({})", object.file);
    if let Some(version) = root.field("kubernetesVersion") {
        plan.version = Some(version.string()?);
    }
    if let Some(endpoint) = root.field("controlPlaneEndpoint") {
        plan.control_plane_endpoint = Some(endpoint.string()?);
    }
    if let Some(etcd) = root.field("etcd") {
        if let Some(external) = etcd.field("external") {
            let endpoints = match external.field("endpoints") {
                Some(e) => e.items()?,
                None => Vec::new(),
            };
            for e in &endpoints {
                e.string()?;
            }
            if endpoints.is_empty() {
                return Err(external.error(
                    "external etcd needs `endpoints` (the etcd members' client URLs)".into(),
                ));
            }
            plan.external_etcd = Some(endpoints.len());
        }
        if let Some(local) = etcd.field("local")
            && let Some(args) = local.field("extraArgs")
        {
            for (flag, value) in extra_args(&args)? {
                let key = match flag.as_str() {
                    "heartbeat-interval" => "heartbeat_interval",
                    "election-timeout" => "election_timeout",
                    _ => {
                        plan.notes.push(value.note(format!(
                            "etcd flag --{flag} is not modelled by nines; not imported"
                        )));
                        continue;
                    }
                };
                let millis = value.count().map_err(|_| {
                    value.error(format!(
                        "--{flag} is a whole number of milliseconds (etcd), e.g. 100 or 1000"
                    ))
                })?;
                plan.etcd.push(
                    Entry::new(key, s(format_duration(millis.saturating_mul(1_000))))
                        .with(format!("etcd --{flag}={millis} from {from}")),
                );
            }
        }
    }
    if let Some(args) = root.path(&["controllerManager", "extraArgs"]) {
        for (flag, value) in extra_args(&args)? {
            controller_manager_flag(&flag, &value, &from, plan)?;
        }
    }
    if let Some(args) = root.path(&["scheduler", "extraArgs"]) {
        for (flag, value) in extra_args(&args)? {
            match leader_key(&flag) {
                Some(key) => leader_flag(key, &flag, &value, "kube-scheduler", &from, plan)?,
                None => plan.notes.push(value.note(format!(
                    "kube-scheduler flag --{flag} is not modelled by nines; not imported"
                ))),
            }
        }
    }
    if let Some(args) = root.path(&["apiServer", "extraArgs"]) {
        for (flag, value) in extra_args(&args)? {
            match flag.as_str() {
                "default-unreachable-toleration-seconds" => {
                    let secs = value.count()?;
                    plan.default_toleration =
                        Some((secs, format!("kube-apiserver --{flag}={secs} from {from}")));
                }
                "default-not-ready-toleration-seconds" => {
                    let secs = value.count()?;
                    plan.notes.push(value.note(format!(
                        "--{flag}={secs}: a failed node is unreachable (its kubelet stops renewing), so nines uses --default-unreachable-toleration-seconds for workloads' `toleration`; not imported"
                    )));
                }
                _ => plan.notes.push(value.note(format!(
                    "kube-apiserver flag --{flag} is not modelled by nines; not imported"
                ))),
            }
        }
    }
    Ok(())
}

fn leader_key(flag: &str) -> Option<&'static str> {
    match flag {
        "leader-elect-lease-duration" => Some("lease_duration"),
        "leader-elect-renew-deadline" => Some("renew_deadline"),
        "leader-elect-retry-period" => Some("retry_period"),
        _ => None,
    }
}

fn leader_flag(
    key: &'static str,
    flag: &str,
    value: &Cursor<'_>,
    component: &str,
    from: &str,
    plan: &mut Plan,
) -> Result<(), ImportError> {
    let duration = go_duration(value, flag)?;
    match plan.leader.get(key) {
        Some((existing, _)) if *existing != duration => {
            plan.notes.push(value.note(format!(
                "{component} --{flag}={duration} differs from the kube-controller-manager's {existing}; nines has one set of lease timers for both, kept at {existing}"
            )));
        }
        Some(_) => {}
        None => {
            plan.leader
                .insert(key, (duration, format!("{component} --{flag} from {from}")));
        }
    }
    Ok(())
}

fn controller_manager_flag(
    flag: &str,
    value: &Cursor<'_>,
    from: &str,
    plan: &mut Plan,
) -> Result<(), ImportError> {
    if let Some(key) = leader_key(flag) {
        return leader_flag(key, flag, value, "kube-controller-manager", from, plan);
    }
    let comment = format!("kube-controller-manager --{flag} from {from}");
    let (target, key, rendered) = match flag {
        "node-monitor-period" => (0, "monitor_period", go_duration(value, flag)?),
        "node-monitor-grace-period" => (0, "grace_period", go_duration(value, flag)?),
        "node-eviction-rate" => (0, "eviction_rate", value.number()?.to_string()),
        "secondary-node-eviction-rate" => {
            (0, "secondary_eviction_rate", value.number()?.to_string())
        }
        "large-cluster-size-threshold" => (
            0,
            "large_cluster_size_threshold",
            value.count()?.to_string(),
        ),
        "unhealthy-zone-threshold" => (0, "unhealthy_zone_threshold", value.number()?.to_string()),
        "horizontal-pod-autoscaler-sync-period" => (1, "sync_period", go_duration(value, flag)?),
        "horizontal-pod-autoscaler-tolerance" => (1, "tolerance", value.number()?.to_string()),
        "horizontal-pod-autoscaler-cpu-initialization-period" => {
            (1, "cpu_initialization_period", go_duration(value, flag)?)
        }
        "horizontal-pod-autoscaler-initial-readiness-delay" => {
            (1, "initial_readiness_delay", go_duration(value, flag)?)
        }
        "horizontal-pod-autoscaler-downscale-stabilization" => {
            (1, "downscale_stabilization", go_duration(value, flag)?)
        }
        "pod-eviction-timeout" => {
            plan.notes.push(value.note(
                "--pod-eviction-timeout was removed in Kubernetes v1.27 (taint-based eviction uses the pods' tolerationSeconds, `workloads[*].toleration`); not imported",
            ));
            return Ok(());
        }
        _ => {
            plan.notes.push(value.note(format!(
                "kube-controller-manager flag --{flag} is not modelled by nines; not imported"
            )));
            return Ok(());
        }
    };
    let entry = Entry::new(key, s(rendered)).with(comment);
    if target == 0 {
        plan.node_lifecycle.push(entry);
    } else {
        plan.hpa_controller.push(entry);
    }
    Ok(())
}

fn kubelet_configuration(object: &Object, plan: &mut Plan) -> Result<(), ImportError> {
    let root = object.cursor();
    if let Some(lease) = root.field("nodeLeaseDurationSeconds") {
        let secs = lease.count()?;
        // The kubelet renews its lease every 0.25 x the lease duration.
        plan.node_lifecycle.push(
            Entry::new(
                "lease_renew_interval",
                s(format_duration(secs.saturating_mul(250_000))),
            )
            .with(format!(
                "0.25 x KubeletConfiguration nodeLeaseDurationSeconds={secs} ({})",
                object.file
            )),
        );
    }
    Ok(())
}

const CONTROL_PLANE_LABELS: [&str; 2] = [
    "node-role.kubernetes.io/control-plane",
    "node-role.kubernetes.io/master",
];
const ZONE_LABEL: &str = "topology.kubernetes.io/zone";
const LEGACY_ZONE_LABEL: &str = "failure-domain.beta.kubernetes.io/zone";

fn labels(cursor: Option<Cursor<'_>>) -> Result<BTreeMap<String, String>, ImportError> {
    let mut out = BTreeMap::new();
    if let Some(labels) = cursor {
        for (key, value) in labels.entries()? {
            out.insert(key, value.string()?);
        }
    }
    Ok(out)
}

fn node(object: &Object, plan: &mut Plan) -> Result<NodeInfo, ImportError> {
    let root = object.cursor();
    if object.name.is_empty() {
        return Err(root.error("a Node needs `metadata.name`".into()));
    }
    let labels = labels(root.path(&["metadata", "labels"]))?;
    let control_plane = CONTROL_PLANE_LABELS.iter().any(|l| labels.contains_key(*l));
    let zone = match (labels.get(ZONE_LABEL), labels.get(LEGACY_ZONE_LABEL)) {
        (Some(zone), _) => Some(zone.clone()),
        (None, Some(zone)) => {
            plan.notes.push(root.note(format!(
                "zone taken from the deprecated label {LEGACY_ZONE_LABEL}={zone}; label the node {ZONE_LABEL}"
            )));
            Some(zone.clone())
        }
        (None, None) => None,
    };
    if let Some(taints) = root.path(&["spec", "taints"]) {
        for taint in taints.items()? {
            let key = match taint.field("key") {
                Some(k) => k.string()?,
                None => String::new(),
            };
            if CONTROL_PLANE_LABELS.contains(&key.as_str()) {
                // kubeadm's NoSchedule taint: pods stay off control-plane
                // nodes, as nines places them only on workers.
                taint.consume();
            } else {
                plan.notes.push(taint.note(format!(
                    "taint {key} is not modelled: nines lets every workload run on every worker"
                )));
            }
        }
    }
    if control_plane && root.path(&["spec", "taints"]).is_none() {
        plan.notes.push(root.note(
            "control-plane node without the NoSchedule taint: nines runs pods only on workers, so pods it may host are not modelled",
        ));
    }
    let (mut cpu, mut memory) = (ASSUMED_WORKER_CPU, ASSUMED_WORKER_MEMORY);
    match root.path(&["status", "allocatable"]) {
        Some(allocatable) => {
            if let Some(c) = allocatable.field("cpu") {
                let text = c.string()?;
                cpu = parse_cpu(&text).map_err(|e| c.error(e))?;
            }
            if let Some(m) = allocatable.field("memory") {
                let text = m.string()?;
                memory = parse_memory(&text).map_err(|e| m.error(e))?;
            }
        }
        None if !control_plane => {
            plan.notes.push(root.note(format!(
                "no status.allocatable (a Node written by hand?): assumed {} CPU and {}; REVIEW",
                format_cpu(cpu),
                format_memory(memory)
            )));
        }
        None => {}
    }
    Ok(NodeInfo {
        name: object.name.clone(),
        zone,
        control_plane,
        cpu,
        memory,
    })
}

fn workload(object: &Object, plan: &mut Plan) -> Result<WorkloadPlan, ImportError> {
    let root = object.cursor();
    if object.name.is_empty() {
        return Err(root.error(format!("a {} needs `metadata.name`", object.kind)));
    }
    let stateful = object.kind == "StatefulSet";
    let spec = root
        .field("spec")
        .ok_or_else(|| root.error(format!("a {} needs a `spec`", object.kind)))?;
    let replicas = match spec.field("replicas") {
        Some(r) => r.count()?,
        None => 1,
    };
    if let Some(selector) = spec.field("selector") {
        selector.consume();
    }
    let template = spec.field("template").ok_or_else(|| {
        spec.error("needs `template` (the pod template with its containers)".into())
    })?;
    let pod_labels = labels(template.path(&["metadata", "labels"]))?;
    if let Some(meta) = template.field("metadata") {
        meta.consume();
    }
    let pod = template
        .field("spec")
        .ok_or_else(|| template.error("needs `spec` with `containers`".into()))?;
    let containers = match pod.field("containers") {
        Some(c) => c.items()?,
        None => Vec::new(),
    };
    if containers.is_empty() {
        return Err(pod.error("needs at least one entry in `containers`".into()));
    }
    let mut entries = Vec::new();
    let (mut cpu, mut memory) = (0u64, 0u64);
    let mut from_limits = false;
    let mut probe: Option<(Cursor<'_>, &str)> = None;
    for container in &containers {
        if let Some(name) = container.field("name") {
            name.consume();
        }
        let resources = container.field("resources");
        let requests = resources.as_ref().and_then(|r| r.field("requests"));
        let limits = resources.as_ref().and_then(|r| r.field("limits"));
        for (resource, total) in [("cpu", &mut cpu), ("memory", &mut memory)] {
            let (value, limit) = match requests.as_ref().and_then(|r| r.field(resource)) {
                Some(v) => (Some(v), false),
                // The API server defaults a missing request to the limit.
                None => (limits.as_ref().and_then(|l| l.field(resource)), true),
            };
            if let Some(value) = value {
                let text = value.string()?;
                let parsed = if resource == "cpu" {
                    parse_cpu(&text)
                } else {
                    parse_memory(&text)
                };
                *total = total.saturating_add(parsed.map_err(|e| value.error(e))?);
                from_limits |= limit;
            }
        }
        if let Some(limits) = limits {
            for (key, value) in limits.entries()? {
                if key == "cpu" || key == "memory" {
                    plan.notes.push(value.note(
                        "limits are not modelled (nines places pods by their requests); not imported",
                    ));
                }
            }
        }
        if probe.is_none() {
            probe = container
                .field("readinessProbe")
                .map(|p| (p, "readinessProbe"))
                .or_else(|| {
                    container
                        .field("livenessProbe")
                        .map(|p| (p, "livenessProbe"))
                });
        }
    }
    // nines has one probe setting for readiness and liveness; the others
    // are listed.
    for container in &containers {
        for kind in ["readinessProbe", "livenessProbe", "startupProbe"] {
            let Some(p) = container.field(kind) else {
                continue;
            };
            if probe
                .as_ref()
                .is_some_and(|(chosen, _)| chosen.path_text() == p.path_text())
            {
                continue;
            }
            let message = if kind == "startupProbe" {
                "a startup probe's time is part of `startup`; not imported"
            } else {
                "nines uses one probe setting (period, failureThreshold) for readiness and liveness, taken from the first container's readinessProbe; not imported"
            };
            plan.notes.push(p.note(message));
        }
    }
    let mut requests = vec![
        ("cpu".to_string(), s(format_cpu(cpu))),
        ("memory".to_string(), s(format_memory(memory))),
    ];
    let mut requests_comment = if containers.len() == 1 {
        "the container's requests".to_string()
    } else {
        format!("sum of the {} containers' requests", containers.len())
    };
    if from_limits {
        requests_comment.push_str(" (a missing request defaults to the limit)");
    }
    if cpu == 0 || memory == 0 {
        requests_comment.push_str("; a resource without a request counts as 0");
    }
    let mut initial_delay = 0;
    let mut probe_entries = Vec::new();
    if let Some((p, kind)) = &probe {
        for handler in ["httpGet", "tcpSocket", "exec", "grpc"] {
            if let Some(h) = p.field(handler) {
                h.consume();
            }
        }
        if let Some(period) = p.field("periodSeconds") {
            probe_entries.push(("period".to_string(), s(seconds(period.count()?))));
        }
        if let Some(threshold) = p.field("failureThreshold") {
            probe_entries.push((
                "failure_threshold".to_string(),
                s(threshold.count()?.to_string()),
            ));
        }
        if let Some(delay) = p.field("initialDelaySeconds") {
            initial_delay = delay.count()?;
        }
        let _ = kind;
    }
    entries.push(Entry::new("name", quote(&object.name)).above(vec![format!(
        "{} {}/{} ({})",
        object.kind,
        object.namespace,
        object.name,
        object.origin()
    )]));
    entries.push(Entry::new(
        "kind",
        s(if stateful {
            "statefulset"
        } else {
            "deployment"
        }),
    ));
    entries.push(Entry::new("replicas", s(replicas.to_string())).with(
        if spec.field("replicas").is_some() {
            "spec.replicas"
        } else {
            "spec.replicas unset: the Kubernetes default, 1"
        },
    ));
    requests.truncate(2);
    entries.push(Entry::new("requests", Y::Flow(requests)).with(requests_comment));
    if let Some(spread) = spread(&pod, plan)? {
        entries.push(spread);
    }
    if let Some(anti) = anti_affinity(&pod, plan)? {
        entries.push(anti);
    }
    let mut has_toleration = false;
    if let Some(toleration) = toleration(&pod)? {
        entries.push(toleration);
        has_toleration = true;
    }
    entries.push(
        Entry::new(
            "startup",
            Y::Flow(vec![(
                "lognormal".into(),
                Y::Flow(vec![
                    ("median".into(), s(seconds(STARTUP_MEDIAN_SECS.saturating_add(initial_delay)))),
                    ("p99".into(), s(seconds(STARTUP_P99_SECS.saturating_add(initial_delay)))),
                ]),
            )]),
        )
        .with(if initial_delay > 0 {
            format!("REVIEW: assumed pull + start + readiness, plus initialDelaySeconds={initial_delay}; measure yours")
        } else {
            "REVIEW: assumed pull + start + readiness (no Kubernetes default, §3); measure yours".into()
        }),
    );
    if let Some((_, kind)) = &probe
        && !probe_entries.is_empty()
    {
        entries.push(
            Entry::new("probes", Y::Flow(probe_entries))
                .with(format!("from the first container's {kind}")),
        );
    }
    let strategy_key = if stateful {
        "updateStrategy"
    } else {
        "strategy"
    };
    if let Some(strategy) = spec.field(strategy_key)
        && let Some(rolling) = rolling_update(&strategy, stateful, plan)?
    {
        entries.push(rolling);
    }
    Ok(WorkloadPlan {
        name: object.name.clone(),
        namespace: object.namespace.clone(),
        kind: if stateful {
            "StatefulSet"
        } else {
            "Deployment"
        },
        labels: pod_labels,
        entries,
        replicas,
        cpu,
        has_toleration,
        pdb: None,
        autoscaling: None,
    })
}

fn spread(pod: &Cursor<'_>, plan: &mut Plan) -> Result<Option<Entry>, ImportError> {
    let Some(constraints) = pod.field("topologySpreadConstraints") else {
        return Ok(None);
    };
    let mut chosen = None;
    for constraint in constraints.items()? {
        let key_cursor = constraint.field("topologyKey").ok_or_else(|| {
            constraint.error("a topology spread constraint needs `topologyKey`".into())
        })?;
        let key = key_cursor.string()?;
        let topology = match key.as_str() {
            ZONE_LABEL => "zone",
            "kubernetes.io/hostname" => "hostname",
            other => {
                plan.notes.push(constraint.note(format!(
                    "spread over {other} is not modelled (nines spreads over zone or hostname); not imported"
                )));
                continue;
            }
        };
        if chosen.is_some() {
            plan.notes.push(constraint.note(
                "nines models one spread constraint per workload; this second one is not imported",
            ));
            continue;
        }
        let mut fields = vec![("topology".to_string(), s(topology))];
        if let Some(skew) = constraint.field("maxSkew") {
            fields.push(("max_skew".into(), s(skew.count()?.to_string())));
        }
        if let Some(when) = constraint.field("whenUnsatisfiable") {
            let text = when.string()?;
            let value = match text.as_str() {
                "DoNotSchedule" => "do-not-schedule",
                "ScheduleAnyway" => "schedule-anyway",
                other => {
                    return Err(when.error(format!(
                        "`{other}`: whenUnsatisfiable is DoNotSchedule or ScheduleAnyway"
                    )));
                }
            };
            fields.push(("when_unsatisfiable".into(), s(value)));
        }
        if let Some(selector) = constraint.field("labelSelector") {
            // Assumed to select the workload's own pods, as it usually does.
            selector.consume();
        }
        chosen = Some(
            Entry::new("spread", Y::Flow(fields))
                .with(format!("{} (topologyKey {key})", constraint.path_text())),
        );
    }
    Ok(chosen)
}

fn anti_affinity(pod: &Cursor<'_>, plan: &mut Plan) -> Result<Option<Entry>, ImportError> {
    let Some(anti) = pod.path(&["affinity", "podAntiAffinity"]) else {
        return Ok(None);
    };
    let mut strength = None;
    if let Some(required) = anti.field("requiredDuringSchedulingIgnoredDuringExecution") {
        for term in required.items()? {
            let key = term.field("topologyKey").map(|k| k.string()).transpose()?;
            if key.as_deref() == Some("kubernetes.io/hostname") {
                if let Some(selector) = term.field("labelSelector") {
                    selector.consume();
                }
                strength = Some(("required", term.path_text().to_string()));
            } else {
                plan.notes.push(term.note(format!(
                    "required anti-affinity on {} is not modelled (nines: kubernetes.io/hostname only; spread over zones with topologySpreadConstraints); not imported",
                    key.unwrap_or_default()
                )));
            }
        }
    }
    if let Some(preferred) = anti.field("preferredDuringSchedulingIgnoredDuringExecution") {
        for term in preferred.items()? {
            let inner = term.field("podAffinityTerm");
            let key = inner
                .as_ref()
                .and_then(|t| t.field("topologyKey"))
                .map(|k| k.string())
                .transpose()?;
            if key.as_deref() == Some("kubernetes.io/hostname") {
                if let Some(selector) = inner.as_ref().and_then(|t| t.field("labelSelector")) {
                    selector.consume();
                }
                if let Some(weight) = term.field("weight") {
                    weight.consume();
                }
                if strength.is_none() {
                    strength = Some(("preferred", term.path_text().to_string()));
                }
            } else {
                plan.notes.push(term.note(format!(
                    "preferred anti-affinity on {} is not modelled; not imported",
                    key.unwrap_or_default()
                )));
            }
        }
    }
    Ok(strength.map(|(value, from)| Entry::new("anti_affinity", s(value)).with(from)))
}

fn toleration(pod: &Cursor<'_>) -> Result<Option<Entry>, ImportError> {
    let Some(tolerations) = pod.field("tolerations") else {
        return Ok(None);
    };
    let mut found: Option<(u64, String)> = None;
    for t in tolerations.items()? {
        let key = t.field("key").map(|k| k.string()).transpose()?;
        if key.as_deref() != Some("node.kubernetes.io/unreachable") {
            continue;
        }
        let Some(secs) = t.field("tolerationSeconds") else {
            continue;
        };
        let secs = secs.count()?;
        for field in ["operator", "effect"] {
            if let Some(f) = t.field(field) {
                f.consume();
            }
        }
        found = Some((secs, t.path_text().to_string()));
    }
    Ok(found.map(|(secs, from)| {
        Entry::new("toleration", s(seconds(secs))).with(format!(
            "{from}: node.kubernetes.io/unreachable tolerationSeconds"
        ))
    }))
}

fn int_or_percent(value: &Cursor<'_>) -> Result<Y, ImportError> {
    let text = value.string()?;
    let trimmed = text.trim();
    let ok = match trimmed.strip_suffix('%') {
        Some(p) => p
            .trim()
            .parse::<f64>()
            .is_ok_and(|p| (0.0..=100.0).contains(&p)),
        None => trimmed.parse::<u64>().is_ok(),
    };
    if !ok {
        return Err(value.error(format!(
            "`{text}`: write a whole number of pods or a percentage such as 25%"
        )));
    }
    Ok(if trimmed.ends_with('%') {
        quote(trimmed)
    } else {
        s(trimmed)
    })
}

fn rolling_update(
    strategy: &Cursor<'_>,
    stateful: bool,
    plan: &mut Plan,
) -> Result<Option<Entry>, ImportError> {
    if let Some(kind) = strategy.field("type") {
        let text = kind.string()?;
        if text != "RollingUpdate" {
            plan.notes.push(kind.note(format!(
                "update strategy {text} is not modelled (a chaos `rollout` performs a rolling update); not imported"
            )));
            return Ok(None);
        }
    }
    let Some(rolling) = strategy.field("rollingUpdate") else {
        return Ok(None);
    };
    if stateful {
        // nines' rollouts are Deployment rollouts; a StatefulSet's
        // partition and maxUnavailable are listed as not imported.
        return Ok(None);
    }
    let mut fields = Vec::new();
    if let Some(surge) = rolling.field("maxSurge") {
        fields.push(("max_surge".to_string(), int_or_percent(&surge)?));
    }
    if let Some(unavailable) = rolling.field("maxUnavailable") {
        fields.push(("max_unavailable".to_string(), int_or_percent(&unavailable)?));
    }
    if fields.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        Entry::new("rolling_update", Y::Flow(fields)).with("spec.strategy.rollingUpdate"),
    ))
}

/// Two workloads of the same name in different namespaces become
/// `namespace-name`.
fn disambiguate_names(plan: &mut Plan) {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for w in &plan.workloads {
        *counts.entry(w.name.clone()).or_default() += 1;
    }
    for w in &mut plan.workloads {
        if counts[&w.name] > 1 {
            let name = format!("{}-{}", w.namespace, w.name);
            w.entries[0].value = quote(&name);
            w.name = name;
        }
    }
}

fn find_workload<'p>(
    plan: &'p mut Plan,
    namespace: &str,
    kind: &str,
    name: &str,
) -> Option<&'p mut WorkloadPlan> {
    plan.workloads.iter_mut().find(|w| {
        w.namespace == namespace
            && w.kind == kind
            && (w.name == name || w.name == format!("{namespace}-{name}"))
    })
}

fn horizontal_pod_autoscaler(object: &Object, plan: &mut Plan) -> Result<(), ImportError> {
    let root = object.cursor();
    let spec = root
        .field("spec")
        .ok_or_else(|| root.error("a HorizontalPodAutoscaler needs a `spec`".into()))?;
    let target = spec.field("scaleTargetRef").ok_or_else(|| {
        spec.error("needs `scaleTargetRef` (kind and name of the Deployment or StatefulSet)".into())
    })?;
    let target_kind = match target.field("kind") {
        Some(k) => k.string()?,
        None => return Err(target.error("needs `kind` (Deployment or StatefulSet)".into())),
    };
    let target_name = match target.field("name") {
        Some(n) => n.string()?,
        None => return Err(target.error("needs `name`".into())),
    };
    if let Some(api) = target.field("apiVersion") {
        api.consume();
    }
    let Some(max_cursor) = spec.field("maxReplicas") else {
        return Err(spec.error("`maxReplicas` is required (a whole number ≥ 1, e.g. 10)".into()));
    };
    let max = max_cursor.count()?;
    if max == 0 {
        return Err(max_cursor.error("maxReplicas must be at least 1".into()));
    }
    let mut min = 1;
    if let Some(m) = spec.field("minReplicas") {
        min = m.count()?;
        if min == 0 {
            plan.notes
                .push(m.note("minReplicas 0 (scale to zero) is not modelled; imported as 1"));
            min = 1;
        }
    }
    if min > max {
        return Err(spec.error(format!(
            "minReplicas {min} is above maxReplicas {max}; Kubernetes refuses that too"
        )));
    }
    let mut target_utilization: Option<(u64, String)> = None;
    if let Some(v1) = spec.field("targetCPUUtilizationPercentage") {
        target_utilization = Some((v1.count()?, "targetCPUUtilizationPercentage".into()));
    }
    let mut other_metrics = false;
    if let Some(metrics) = spec.field("metrics") {
        for metric in metrics.items()? {
            let kind = metric.field("type").map(|t| t.string()).transpose()?;
            let resource = metric.field("resource");
            let name = resource
                .as_ref()
                .and_then(|r| r.field("name"))
                .map(|n| n.string())
                .transpose()?;
            let target = resource.as_ref().and_then(|r| r.field("target"));
            let target_type = target
                .as_ref()
                .and_then(|t| t.field("type"))
                .map(|t| t.string())
                .transpose()?;
            let utilization = target.as_ref().and_then(|t| t.field("averageUtilization"));
            match (
                kind.as_deref(),
                name.as_deref(),
                target_type.as_deref(),
                utilization,
            ) {
                (Some("Resource"), Some("cpu"), Some("Utilization"), Some(u))
                    if target_utilization.is_none() =>
                {
                    target_utilization = Some((u.count()?, u.path_text().to_string()));
                }
                _ => {
                    other_metrics = true;
                    plan.notes.push(metric.note(
                        "nines' HPA scales on CPU averageUtilization only; this metric is not imported",
                    ));
                }
            }
        }
    }
    let mut hpa = vec![
        Entry::new("min_replicas", s(min.to_string())),
        Entry::new("max_replicas", s(max.to_string())),
    ];
    let utilization = match &target_utilization {
        Some((u, from)) => {
            hpa.push(Entry::new("target_cpu_utilization", s(u.to_string())).with(from.clone()));
            *u
        }
        None => {
            let comment = if other_metrics {
                "REVIEW: no CPU utilization metric; the autoscaling/v2 default 80 stands in for the metrics above"
            } else {
                "no metrics: the autoscaling/v2 default (CPU at 80 %)"
            };
            hpa.push(Entry::new("target_cpu_utilization", s("80")).with(comment));
            80
        }
    };
    if let Some(behavior) = spec.field("behavior") {
        let mut rules = Vec::new();
        for (key, name) in [("scaleUp", "scale_up"), ("scaleDown", "scale_down")] {
            if let Some(r) = behavior.field(key) {
                rules.push(Entry::new(name, Y::Flow(scaling_rules(&r)?)));
            }
        }
        if !rules.is_empty() {
            hpa.push(Entry::new("behavior", Y::Block(rules)).with("spec.behavior"));
        }
    }
    let label = object.label();
    let origin = object.origin();
    let Some(workload) = find_workload(plan, &object.namespace, &target_kind, &target_name) else {
        plan.notes.push(target.note(format!(
            "targets {target_kind} {}/{target_name}, which is not among the imported objects; not imported",
            object.namespace
        )));
        return Ok(());
    };
    if workload.autoscaling.is_some() {
        plan.notes.push(root.note(format!(
            "a second HorizontalPodAutoscaler for {target_kind} {target_name}; only the first is imported"
        )));
        return Ok(());
    }
    let block = Entry::new(
        "autoscaling",
        Y::Block(vec![Entry::new("hpa", Y::Block(hpa))]),
    )
    .above(vec![format!("from {label} ({origin})")]);
    workload.autoscaling = Some((block, min, max, utilization));
    Ok(())
}

fn scaling_rules(rules: &Cursor<'_>) -> Result<Vec<(String, Y)>, ImportError> {
    let mut out = Vec::new();
    if let Some(window) = rules.field("stabilizationWindowSeconds") {
        out.push((
            "stabilization_window".to_string(),
            s(seconds(window.count()?)),
        ));
    }
    if let Some(select) = rules.field("selectPolicy") {
        let text = select.string()?;
        let value = match text.as_str() {
            "Max" => "max",
            "Min" => "min",
            "Disabled" => "disabled",
            other => {
                return Err(
                    select.error(format!("`{other}`: selectPolicy is Max, Min or Disabled"))
                );
            }
        };
        out.push(("select_policy".into(), s(value)));
    }
    if let Some(policies) = rules.field("policies") {
        let mut list = Vec::new();
        for policy in policies.items()? {
            let kind = match policy.field("type") {
                Some(t) => t.string()?,
                None => return Err(policy.error("a policy needs `type` (Pods or Percent)".into())),
            };
            let kind = match kind.as_str() {
                "Pods" => "pods",
                "Percent" => "percent",
                other => {
                    return Err(
                        policy.error(format!("`{other}`: a policy's type is Pods or Percent"))
                    );
                }
            };
            let value = match policy.field("value") {
                Some(v) => v.count()?,
                None => return Err(policy.error("a policy needs `value`".into())),
            };
            let period = match policy.field("periodSeconds") {
                Some(p) => p.count()?,
                None => {
                    return Err(policy.error("a policy needs `periodSeconds` (1 to 1800)".into()));
                }
            };
            list.push(Y::Flow(vec![
                ("type".into(), s(kind)),
                ("value".into(), s(value.to_string())),
                ("period".into(), s(seconds(period))),
            ]));
        }
        out.push(("policies".into(), Y::FlowSeq(list)));
    }
    if let Some(tolerance) = rules.field("tolerance") {
        out.push(("tolerance".into(), s(tolerance.number()?.to_string())));
    }
    Ok(out)
}

/// Does a label selector (`matchLabels`, `matchExpressions`) select pods
/// with these labels? Consumes the selector.
fn selects(selector: &Cursor<'_>, labels: &BTreeMap<String, String>) -> Result<bool, ImportError> {
    let mut all = true;
    if let Some(match_labels) = selector.field("matchLabels") {
        for (key, value) in match_labels.entries()? {
            let value = value.string()?;
            all &= labels.get(&key) == Some(&value);
        }
    }
    if let Some(expressions) = selector.field("matchExpressions") {
        for e in expressions.items()? {
            let key = match e.field("key") {
                Some(k) => k.string()?,
                None => return Err(e.error("a match expression needs `key`".into())),
            };
            let operator = match e.field("operator") {
                Some(o) => o.string()?,
                None => return Err(e.error("a match expression needs `operator`".into())),
            };
            let mut values = BTreeSet::new();
            if let Some(v) = e.field("values") {
                for item in v.items()? {
                    values.insert(item.string()?);
                }
            }
            let label = labels.get(&key);
            all &= match operator.as_str() {
                "In" => label.is_some_and(|l| values.contains(l)),
                "NotIn" => !label.is_some_and(|l| values.contains(l)),
                "Exists" => label.is_some(),
                "DoesNotExist" => label.is_none(),
                other => {
                    return Err(e.error(format!(
                        "`{other}`: operator is In, NotIn, Exists or DoesNotExist"
                    )));
                }
            };
        }
    }
    Ok(all)
}

fn pod_disruption_budget(object: &Object, plan: &mut Plan) -> Result<(), ImportError> {
    let root = object.cursor();
    let spec = root
        .field("spec")
        .ok_or_else(|| root.error("a PodDisruptionBudget needs a `spec`".into()))?;
    let min = spec.field("minAvailable");
    let max = spec.field("maxUnavailable");
    let budget = match (&min, &max) {
        (Some(m), None) => ("min_available", int_or_percent(m)?),
        (None, Some(m)) => ("max_unavailable", int_or_percent(m)?),
        _ => {
            return Err(spec.error(
                "needs exactly one of `minAvailable` and `maxUnavailable` (a number or a percentage)"
                    .into(),
            ));
        }
    };
    let selector = spec
        .field("selector")
        .ok_or_else(|| spec.error("needs `selector` (the pods it protects)".into()))?;
    let mut matched = Vec::new();
    for (i, w) in plan.workloads.iter().enumerate() {
        if w.namespace == object.namespace && selects(&selector, &w.labels)? {
            matched.push(i);
        }
    }
    if matched.is_empty() {
        plan.notes
            .push(selector.note("selects none of the imported workloads' pods; not imported"));
        return Ok(());
    }
    if matched.len() > 1 {
        plan.notes.push(selector.note(
            "selects the pods of several workloads; nines applies the budget to each workload on its own",
        ));
    }
    let label = object.label();
    for i in matched {
        let w = &mut plan.workloads[i];
        if w.pdb.is_some() {
            plan.notes.push(Note {
                origin: object.origin(),
                line: root.line(),
                object: label.clone(),
                field: "spec".into(),
                message: format!("a second budget for {}; only the first is imported", w.name),
            });
            continue;
        }
        w.pdb = Some(
            Entry::new(
                "pdb",
                Y::Flow(vec![(budget.0.to_string(), budget.1.clone())]),
            )
            .with(format!("{label} ({})", object.origin())),
        );
    }
    Ok(())
}

fn failure_modes(loses_disk: bool) -> Y {
    let crash = vec![
        Entry::new("name", s("crash")).with("reboot-class: kernel panic, hang, host reboot"),
        Entry::new("time_to_failure", s("{ exponential: { mean: 2y } }"))
            .with("0.5 per machine-year (§9.3)"),
        Entry::new(
            "time_to_repair",
            s("{ lognormal: { median: 5m, p99: 1h } }"),
        )
        .with("restart; mean ~9 min"),
    ];
    let mut hardware = vec![
        Entry::new("name", s("hardware")).with("machine replaced"),
        Entry::new("time_to_failure", s("{ exponential: { mean: 25y } }"))
            .with("4 %/yr (§9.3 disk rates)"),
        Entry::new(
            "time_to_repair",
            s("{ lognormal: { median: 4h, p99: 2d } }"),
        )
        .with("rebuild; mean ~7 h"),
    ];
    if loses_disk {
        hardware.push(Entry::new("loses_disk", s("true")).with("its etcd member loses its data"));
    }
    Y::Seq(vec![crash, hardware])
}

/// Zones of a group: one entry per machine in node order, or the distinct
/// zones once when round-robin gives the same placement.
fn group_zones(zones: &[String]) -> Vec<String> {
    let mut sorted = zones.to_vec();
    sorted.sort();
    let distinct: Vec<String> = sorted
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let even = distinct
        .iter()
        .all(|z| sorted.iter().filter(|x| *x == z).count() * distinct.len() == zones.len());
    if even {
        distinct
    } else {
        // Round-robin over a list as long as the group places machine i in
        // zones[i]: interleave so the order reads naturally.
        let mut by_zone: Vec<Vec<&String>> = distinct
            .iter()
            .map(|d| sorted.iter().filter(|z| *z == d).collect())
            .collect();
        let mut out = Vec::new();
        while out.len() < zones.len() {
            for list in &mut by_zone {
                if let Some(z) = list.pop() {
                    out.push(z.clone());
                }
            }
        }
        out
    }
}

fn zone_list(zones: &[String]) -> Y {
    Y::FlowSeq(zones.iter().map(|z| quote(z)).collect())
}

fn assemble(plan: &mut Plan, options: &Options) -> Result<Vec<Entry>, ImportError> {
    let mut top = Vec::new();
    let name = options.name.clone().unwrap_or_else(|| "imported".into());
    top.push(Entry::new("name", quote(&name)));
    top.push(Entry::new("horizon", s("1y")).with("each simulated lifetime"));
    top.push(Entry::new("replications", s("100")).with("raise for tighter intervals"));
    top.push(Entry::new("seed", s("1")));

    // Zones, from the nodes' topology.kubernetes.io/zone labels.
    let any_zone = plan.nodes.iter().any(|n| n.zone.is_some());
    if any_zone {
        for n in &mut plan.nodes {
            if n.zone.is_none() {
                plan.notes.push(Note {
                    origin: String::new(),
                    line: 0,
                    object: format!("Node {}", n.name),
                    field: format!("metadata.labels[{ZONE_LABEL}]"),
                    message: "no zone label while other nodes have one: placed in zone `unlabeled`"
                        .into(),
                });
                n.zone = Some("unlabeled".into());
            }
        }
    }
    let zones: Vec<String> = plan
        .nodes
        .iter()
        .filter_map(|n| n.zone.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !zones.is_empty() {
        top.push(
            Entry::new("zones", zone_list(&zones))
                .with(format!("from the nodes' {ZONE_LABEL} labels"))
                .above(vec![
                    "REVIEW: zone outages have no default (§9.4), so none are simulated. To add them, e.g. once a year per zone for ~7 h:".into(),
                    "zone_failures:".into(),
                    "  - name: zone-outage".into(),
                    "    time_to_failure: { exponential: { mean: 1y } }".into(),
                    "    time_to_repair: { lognormal: { median: 6h, p99: 1d } }".into(),
                ]),
        );
    }

    // Control plane.
    let mut cp_nodes: Vec<&NodeInfo> = plan.nodes.iter().filter(|n| n.control_plane).collect();
    let mut cp_count = cp_nodes.len();
    let mut cp_comment;
    if cp_count > 0 {
        cp_comment = format!(
            "Nodes labelled node-role.kubernetes.io/control-plane: {}",
            cp_nodes
                .iter()
                .map(|n| n.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    } else if plan.kubeadm_seen && plan.control_plane_endpoint.is_none() {
        cp_count = 1;
        cp_comment = "REVIEW: no Node objects; a kubeadm configuration without controlPlaneEndpoint is one control-plane node".into();
        note_whole(
            &mut plan.notes,
            "no control-plane Node objects: assumed 1 control-plane machine (no controlPlaneEndpoint); add `kubectl get nodes -o yaml` to import the real count",
        );
    } else {
        cp_count = ASSUMED_CONTROL_PLANES;
        cp_comment =
            "REVIEW: no control-plane Node objects; assumed the kubeadm HA guide's three".into();
        note_whole(
            &mut plan.notes,
            "no control-plane Node objects: assumed 3 control-plane machines (the kubeadm HA guide's minimum); add `kubectl get nodes -o yaml` to import the real count",
        );
    }
    let external = plan.external_etcd;
    let mut etcd_members = external;
    if external.is_none() && cp_count > 1 && cp_count.is_multiple_of(2) {
        note_whole(
            &mut plan.notes,
            format!(
                "{cp_count} control-plane nodes carry {cp_count} stacked etcd members; nines accepts only odd sizes (an even size tolerates no more failures than one fewer, §7.2), so {} are imported — REVIEW",
                cp_count - 1
            ),
        );
        cp_count -= 1;
        cp_nodes.truncate(cp_count);
        cp_comment.push_str(&format!(
            " (one left out: {} stacked members must be odd)",
            cp_count + 1
        ));
    }
    if let Some(n) = external
        && n.is_multiple_of(2)
    {
        note_whole(
            &mut plan.notes,
            format!(
                "{n} external etcd endpoints; nines accepts only odd sizes (§7.2), so {} members are imported — REVIEW",
                n - 1
            ),
        );
        etcd_members = Some(n - 1);
    }
    let topology = match (external, cp_count) {
        (Some(_), _) => "external",
        (None, 1) => "single",
        (None, _) => "stacked",
    };
    let mut machines = Vec::new();
    let mut cp_group = vec![
        Entry::new("name", s("control-plane")).above(vec![cp_comment]),
        Entry::new("role", s("control-plane")),
        Entry::new("count", s(cp_count.to_string())),
    ];
    let cp_zones: Vec<String> = cp_nodes.iter().filter_map(|n| n.zone.clone()).collect();
    if !cp_zones.is_empty() && cp_zones.len() == cp_count {
        cp_group.push(Entry::new("zones", zone_list(&group_zones(&cp_zones))));
    }
    cp_group.push(
        Entry::new("failures", failure_modes(external.is_none()))
            .above(vec![REVIEW_FAILURES.into()]),
    );
    machines.push(cp_group);
    if let Some(members) = etcd_members {
        machines.push(vec![
            Entry::new("name", s("etcd")).above(vec![format!(
                "kubeadm etcd.external.endpoints: {} member{}; REVIEW: their zones are not in the objects (round-robin over all zones)",
                external.unwrap_or(members),
                if external.unwrap_or(members) == 1 { "" } else { "s" }
            )]),
            Entry::new("role", s("etcd")),
            Entry::new("count", s(members.to_string())),
            Entry::new("failures", failure_modes(true)).above(vec![REVIEW_FAILURES.into()]),
        ]);
    }

    // Workers, one group per allocatable shape.
    let workers: Vec<&NodeInfo> = plan.nodes.iter().filter(|n| !n.control_plane).collect();
    let mut shapes: BTreeMap<(u64, u64), Vec<&NodeInfo>> = BTreeMap::new();
    for w in &workers {
        shapes.entry((w.cpu, w.memory)).or_default().push(w);
    }
    let single_shape = shapes.len() == 1;
    for ((cpu, memory), nodes) in &shapes {
        let name = if single_shape {
            "workers".to_string()
        } else {
            format!(
                "workers-{}cpu-{}",
                format_cpu(*cpu),
                format_memory(*memory).to_lowercase()
            )
        };
        let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
        let mut group = vec![
            Entry::new("name", quote(&name))
                .above(vec![format!("worker Nodes: {}", names.join(", "))]),
            Entry::new("role", s("worker")),
            Entry::new("count", s(nodes.len().to_string())),
        ];
        let z: Vec<String> = nodes.iter().filter_map(|n| n.zone.clone()).collect();
        if !z.is_empty() {
            group.push(Entry::new("zones", zone_list(&group_zones(&z))));
        }
        group.push(
            Entry::new(
                "allocatable",
                Y::Flow(vec![
                    ("cpu".into(), s(format_cpu(*cpu))),
                    ("memory".into(), s(format_memory(*memory))),
                ]),
            )
            .with("status.allocatable"),
        );
        group
            .push(Entry::new("failures", failure_modes(false)).above(vec![REVIEW_FAILURES.into()]));
        machines.push(group);
    }
    if workers.is_empty() && !plan.workloads.is_empty() {
        let needed: u64 = plan
            .workloads
            .iter()
            .map(|w| {
                w.cpu.saturating_mul(
                    w.autoscaling
                        .as_ref()
                        .map_or(w.replicas, |a| a.2.max(w.replicas)),
                )
            })
            .fold(0u64, u64::saturating_add);
        let count = ASSUMED_WORKERS.max(needed.div_ceil(ASSUMED_WORKER_CPU));
        note_whole(
            &mut plan.notes,
            format!(
                "no worker Node objects: assumed {count} workers with {} CPU and {} allocatable; add `kubectl get nodes -o yaml` to import the real ones",
                format_cpu(ASSUMED_WORKER_CPU),
                format_memory(ASSUMED_WORKER_MEMORY)
            ),
        );
        machines.push(vec![
            Entry::new("name", s("workers")).above(vec![format!(
                "REVIEW: no worker Node objects; assumed {count} nodes, enough for every workload at its most replicas"
            )]),
            Entry::new("role", s("worker")),
            Entry::new("count", s(count.to_string())),
            Entry::new(
                "allocatable",
                Y::Flow(vec![
                    ("cpu".into(), s(format_cpu(ASSUMED_WORKER_CPU))),
                    ("memory".into(), s(format_memory(ASSUMED_WORKER_MEMORY))),
                ]),
            ),
            Entry::new("failures", failure_modes(false)).above(vec![REVIEW_FAILURES.into()]),
        ]);
    }
    if !workers.is_empty() && plan.workloads.is_empty() {
        note_whole(
            &mut plan.notes,
            "worker nodes but no Deployments or StatefulSets: the scenario has no workload SLIs; add the workload manifests to import them",
        );
    }
    top.push(Entry::new("machines", Y::Seq(machines)));

    // control_plane.
    let mut cp = vec![Entry::new("topology", s(topology)).with(match topology {
        "external" => "kubeadm etcd.external",
        "single" => "one control-plane machine with its local etcd member",
        _ => "kubeadm etcd.local (or no kubeadm configuration): a member on each control-plane machine",
    })];
    let mut etcd = std::mem::take(&mut plan.etcd);
    if let Some(members) = etcd_members {
        etcd.insert(0, Entry::new("members", s(members.to_string())));
    }
    if !etcd.is_empty() {
        cp.push(Entry::new("etcd", Y::Block(etcd)));
    }
    let endpoint = if topology == "single" {
        let mut e = Entry::new("endpoint", Y::Flow(vec![("type".into(), s("direct"))]))
            .with("clients dial the one control-plane machine");
        if let Some(ep) = &plan.control_plane_endpoint {
            e.comment =
                format!("controlPlaneEndpoint {ep} in front of one machine: modelled as direct");
        }
        e
    } else {
        let why = match &plan.control_plane_endpoint {
            Some(ep) => format!("controlPlaneEndpoint {ep}"),
            None => "no controlPlaneEndpoint in the input".into(),
        };
        Entry::new("endpoint", Y::Flow(vec![("type".into(), s("cloud-lb"))])).above(vec![format!(
            "REVIEW: {why}: modelled as a managed load balancer with Google Cloud's health-check defaults (§8.4); for HAProxy + keepalived write `type: haproxy-keepalived`"
        )])
    };
    cp.push(endpoint);
    if !plan.leader.is_empty() {
        let mut le = Vec::new();
        for key in ["lease_duration", "renew_deadline", "retry_period"] {
            if let Some((value, comment)) = plan.leader.get(key) {
                le.push(Entry::new(key, s(value.clone())).with(comment.clone()));
            }
        }
        cp.push(Entry::new("leader_election", Y::Block(le)));
    }
    top.push(Entry::new("control_plane", Y::Block(cp)));

    // node_lifecycle: the flags, and the pre-v1.32 grace period.
    let mut lifecycle = std::mem::take(&mut plan.node_lifecycle);
    if let Some(version) = &plan.version
        && let Some((1, minor)) = kubernetes_minor(version)
        && minor < 32
        && !lifecycle.iter().any(|e| e.key == "grace_period")
    {
        lifecycle.push(Entry::new("grace_period", s("40s")).with(format!(
            "the --node-monitor-grace-period default before v1.32 (kubernetesVersion {version}, §2.2)"
        )));
    }
    if !lifecycle.is_empty() {
        top.push(Entry::new("node_lifecycle", Y::Block(lifecycle)));
    }
    let hpa_controller = std::mem::take(&mut plan.hpa_controller);
    if !hpa_controller.is_empty() {
        top.push(Entry::new("hpa_controller", Y::Block(hpa_controller)));
    }

    // Workloads.
    let mut workloads = Vec::new();
    for w in &mut plan.workloads {
        let mut entries = std::mem::take(&mut w.entries);
        if !w.has_toleration
            && let Some((secs, comment)) = &plan.default_toleration
        {
            let at = entries
                .iter()
                .position(|e| e.key == "startup")
                .unwrap_or(entries.len());
            entries.insert(
                at,
                Entry::new("toleration", s(seconds(*secs))).with(comment.clone()),
            );
        }
        if let Some(pdb) = w.pdb.take() {
            entries.push(pdb);
        }
        if let Some((block, min, max, utilization)) = w.autoscaling.take() {
            let replicas = w.replicas.clamp(min, max);
            if replicas != w.replicas {
                let r = entries
                    .iter_mut()
                    .find(|e| e.key == "replicas")
                    .expect("always written");
                r.value = s(replicas.to_string());
                r.comment = format!(
                    "spec.replicas {} raised to the HPA's bounds [{min}, {max}]",
                    w.replicas
                );
            }
            let load = PLACEHOLDER_CAPACITY
                .saturating_mul(replicas)
                .saturating_mul(utilization)
                / 100;
            entries.push(Entry::new("capacity", s(PLACEHOLDER_CAPACITY.to_string())).above(vec![
                "REVIEW: Kubernetes objects carry no traffic figures, and an HPA needs them: requests/s one pod serves at".into(),
                "its full CPU request, and the offered load. These placeholders keep the HPA at its target with the".into(),
                "current replicas; put in your measured per-pod capacity and load profile (constant, diurnal, weekly, trace).".into(),
            ]));
            entries.push(Entry::new(
                "load",
                Y::Flow(vec![("constant".into(), s(load.max(1).to_string()))]),
            ));
            entries.push(block);
            note_whole(
                &mut plan.notes,
                format!(
                    "workload {}: `capacity` and `load` are placeholders (an HPA needs them; no object states them); REVIEW",
                    w.name
                ),
            );
        }
        workloads.push(entries);
    }
    if !workloads.is_empty() {
        top.push(Entry::new("workloads", Y::Seq(workloads)).above(vec![
            "REVIEW for each workload: `startup` is assumed; `up` is the default (one ready pod); add `pod_failures` if you know them.".into(),
        ]));
    }
    Ok(top)
}

/// The scenario text: a header, the entries, and the notes as comments.
pub fn render(entries: &[Entry], notes: &[Note], sources: &[Source]) -> String {
    let mut out = String::new();
    out.push_str("# Imported by `nines import` from:\n");
    for source in sources {
        out.push_str(&format!("#   {}\n", super::emit::one_line(&source.name)));
    }
    out.push_str(
        "#\n\
         # What the objects say (topology, counts, zones, allocatable, requests,\n\
         # replicas, probes, spread, disruption budgets, autoscalers, timer flags)\n\
         # is imported; what they do not say is an assumption marked REVIEW:\n\
         # failure and repair figures, pod start-up times, per-pod capacity and\n\
         # load. Fields that nines does not model are listed at the end.\n\
         # § numbers refer to the sections of docs/kubernetes-defaults.md;\n\
         # docs/import.md says what maps to what.\n\n",
    );
    write_block(&mut out, entries, 0, None);
    out.push('\n');
    if notes.is_empty() {
        out.push_str("# Not imported: nothing; every field of the input was mapped.\n");
    } else {
        out.push_str(&format!(
            "# Not imported, or assumed ({} note{}):\n",
            notes.len(),
            if notes.len() == 1 { "" } else { "s" }
        ));
        for note in notes {
            out.push_str(&format!(
                "#   - {}\n",
                super::emit::one_line(&note.to_string())
            ));
        }
    }
    out
}
