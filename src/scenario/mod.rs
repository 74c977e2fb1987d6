//! The scenario file format: from YAML (or JSON) text to a validated, typed
//! [`Scenario`]. Knows nothing of simulation.
//!
//! May import: `dist`, `engine::time`. Three steps: [`schema`] mirrors the
//! file 1:1 (unknown keys are errors), `validate` applies the real
//! Kubernetes/etcd defaults and checks every cross-reference, and every
//! problem is reported with file, line, column, field path and what would
//! be valid.

pub mod autoscaling;
mod expect;
pub mod overrides;
pub mod schema;
pub mod sweep;
mod validate;
pub mod workload;

pub use expect::{Comparison, DATA_LOSS, Expectation, Metric, SLI_METRICS};

use std::fmt;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::dist::Distribution;
use crate::engine::SimDuration;
pub use workload::{
    NodeLifecycle, PodFailure, PodFailureKind, Probes, Resources, Spread, Workload, WorkloadKind,
    WorkloadLoad,
};

/// The built-in default scenario: a stacked three-node control plane.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/stacked-3cp.yaml");
/// The name the built-in scenario is reported under.
pub const DEFAULT_SCENARIO_NAME: &str = "stacked-3cp (built-in)";

/// A validated scenario: every default applied, every reference resolved.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// A label for reports.
    pub name: String,
    /// Hex SHA-256 of the file bytes, so a report names exactly its input.
    pub digest: String,
    /// Length of each simulated lifetime.
    pub horizon: SimDuration,
    /// Number of lifetimes.
    pub replications: u64,
    /// Master seed.
    pub seed: u64,
    /// Simulated but unmeasured start of each lifetime.
    pub warmup: SimDuration,
    /// Outages shorter than this are not counted (availability still is).
    pub min_outage: SimDuration,
    /// Zone names; machines refer to them by index.
    pub zones: Vec<String>,
    /// Failure modes of every zone (each zone fails independently).
    pub zone_failures: Vec<FailureMode>,
    /// Zone index of the clients (and a cloud load balancer).
    pub clients_zone: usize,
    /// Shared failure domains.
    pub failure_domains: Vec<FailureDomain>,
    /// People for manual repairs, if declared.
    pub people: Option<People>,
    /// Injected faults, the same in every replication.
    pub chaos: Vec<ChaosStep>,
    /// Machine groups, in file order.
    pub groups: Vec<MachineGroup>,
    /// The control plane.
    pub control_plane: ControlPlane,
    /// Targets for `nines check`, in file order.
    pub expect: Vec<Expectation>,
    /// Axes of the `sweep:` block for `nines sweep`, in file order.
    pub sweep: Vec<sweep::SweepAxis>,
    /// Node lifecycle controller timers.
    pub node_lifecycle: NodeLifecycle,
    /// Workloads on the worker nodes.
    pub workloads: Vec<Workload>,
    /// The HPA controller's flags.
    pub hpa_controller: autoscaling::HpaController,
    /// The Cluster Autoscaler, when a worker group is resizable.
    pub cluster_autoscaler: Option<autoscaling::ClusterAutoscaler>,
}

/// A group of identical machines.
#[derive(Clone, Debug)]
pub struct MachineGroup {
    /// Group name.
    pub name: String,
    /// What runs on the machines.
    pub role: Role,
    /// Zone index of each machine; its length is the machine count.
    pub zones: Vec<usize>,
    /// Failure-domain index of each machine, if assigned.
    pub domains: Vec<Option<usize>>,
    /// Workers: allocatable resources of each node.
    pub allocatable: Resources,
    /// Failure modes, each with its own clocks.
    pub failures: Vec<FailureMode>,
    /// Workers the Cluster Autoscaler resizes: `zones` and `domains` then
    /// list `max` machine slots, of which the first `initial` exist at the
    /// start.
    pub autoscaling: Option<autoscaling::NodeGroupScaling>,
}

/// What a machine runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// apiserver, controller-manager, scheduler (and etcd when stacked).
    ControlPlane,
    /// An external etcd member.
    Etcd,
    /// HAProxy + keepalived.
    LoadBalancer,
    /// A worker node running pods.
    Worker,
}

/// One way a machine (or zone) fails.
#[derive(Clone, Debug)]
pub struct FailureMode {
    /// Name for reports.
    pub name: String,
    /// Time from a repair (or the start) to the next failure.
    pub time_to_failure: Distribution,
    /// Time until the machine is back.
    pub time_to_repair: Distribution,
    /// Whether the failure destroys the disk (etcd data).
    pub loses_disk: bool,
    /// Whether repair waits for detection, response and a free crew.
    pub manual_repair: bool,
    /// For zone failures: cut the zone off instead of stopping it.
    pub partitions: bool,
    /// Share of failures that hit several machines of the group, and how many.
    pub common_cause: Option<CommonCause>,
}

/// Common-cause failures of a mode.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CommonCause {
    /// Share of the mode's failures that are common-cause.
    pub fraction: f64,
    /// Machines hit together (including the one whose clock fired).
    pub size: usize,
}

/// A shared failure domain (rack, power feed, hypervisor host).
#[derive(Clone, Debug)]
pub struct FailureDomain {
    /// Name.
    pub name: String,
    /// How it fails; every machine assigned to it stops.
    pub failures: Vec<FailureMode>,
}

/// People who repair machines by hand.
#[derive(Clone, Debug)]
pub struct People {
    /// Parallel repairs; `None` is unlimited.
    pub crews: Option<usize>,
    /// Time from failure to the alert.
    pub alert_delay: SimDuration,
    /// On-call response time after the alert.
    pub response: Distribution,
}

/// One injected fault, repeated every `every` if given.
#[derive(Clone, Debug)]
pub struct ChaosStep {
    /// Name for reports and attribution.
    pub name: String,
    /// What it does.
    pub action: ChaosAction,
    /// First injection.
    pub at: SimDuration,
    /// Repeat period.
    pub every: Option<SimDuration>,
    /// How long it lasts (per machine for a rolling upgrade).
    pub duration: SimDuration,
}

/// What a chaos step does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChaosAction {
    /// Stop these machines (global indices, in group order).
    Crash(Vec<usize>),
    /// Stop the machine of the current etcd leader.
    CrashEtcdLeader,
    /// Stop every machine of a zone.
    ZoneOutage(usize),
    /// Cut these zones off from the others.
    Partition(Vec<usize>),
    /// Fail the load balancer (cloud LB, or the VIP holder's machine).
    FailLoadBalancer,
    /// Control-plane machines down one after another (planned work).
    RollingUpgrade,
    /// Drain these worker machines one after another (planned work).
    Drain(Vec<usize>),
    /// A rolling update of this workload (planned work).
    Rollout(usize),
}

/// The control plane.
#[derive(Clone, Debug)]
pub struct ControlPlane {
    /// Where etcd runs and how apiservers are used.
    pub topology: Topology,
    /// etcd.
    pub etcd: Etcd,
    /// How clients reach the apiservers.
    pub endpoint: Endpoint,
    /// kube-controller-manager and kube-scheduler lease timers.
    pub leader_election: LeaderElection,
}

/// Control-plane topologies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Topology {
    /// One control-plane machine with a local etcd member.
    Single,
    /// An etcd member on every control-plane machine; each apiserver talks
    /// only to its local member (kubeadm).
    Stacked,
    /// etcd on separate machines; every apiserver talks to all members.
    External,
    /// One active control-plane machine (external etcd); a standby is
    /// promoted after detection plus the promotion delay.
    ActiveStandby {
        /// Time to notice the active machine is gone.
        detection: SimDuration,
        /// Time to promote a standby after that.
        promotion_delay: SimDuration,
    },
}

/// etcd settings.
#[derive(Clone, Debug)]
pub struct Etcd {
    /// Number of voting members.
    pub members: usize,
    /// Raft tick / heartbeat period.
    pub heartbeat_interval: SimDuration,
    /// Base election timeout; followers randomise it to [1x, 2x).
    pub election_timeout: SimDuration,
    /// Time a replaced (empty) member needs to catch up once re-added.
    pub member_sync: SimDuration,
    /// Snapshot backups, if any.
    pub backup: Option<Backup>,
}

/// etcd snapshot backups.
#[derive(Clone, Debug)]
pub struct Backup {
    /// Time between snapshots.
    pub interval: SimDuration,
    /// Time to restore a cluster from the last snapshot.
    pub restore: Distribution,
}

/// Health checking of one set of backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthCheck {
    /// Time between checks.
    pub interval: SimDuration,
    /// Consecutive failed checks before a backend is marked down.
    pub unhealthy_threshold: u32,
    /// Consecutive good checks before it is marked up again.
    pub healthy_threshold: u32,
}

/// How clients reach the apiservers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Endpoint {
    /// The first control-plane machine's address, no balancing.
    Direct,
    /// A managed load balancer (assumed itself available) with health
    /// checks; it fails open when every backend is marked down.
    CloudLb(HealthCheck),
    /// HAProxy on each load-balancer host behind a keepalived VIP.
    HaproxyKeepalived {
        /// HAProxy `inter`/`fall`/`rise`.
        health: HealthCheck,
        /// VRRP `advert_int`.
        advert_interval: SimDuration,
        /// Priority of the backup instances (skew time depends on it).
        priority: u8,
    },
}

/// Lease timers (client-go leader election).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaderElection {
    /// A candidate may take the lease this long after it last saw it change.
    pub lease_duration: SimDuration,
    /// A leader that cannot renew for this long steps down.
    pub renew_deadline: SimDuration,
    /// Time between renewals; candidates poll every retry x (1 + U[0, 1.2)).
    pub retry_period: SimDuration,
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            file: path.display().to_string(),
            message: source.to_string(),
        })?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into());
        Scenario::parse(&text, &path.display().to_string(), &stem)
    }

    /// The embedded default scenario.
    pub fn builtin() -> Scenario {
        Scenario::parse(DEFAULT_SCENARIO, "<built-in>", DEFAULT_SCENARIO_NAME)
            .expect("the built-in scenario is valid (checked by a test)")
    }

    /// Parses and validates scenario text; `file` names it in errors and
    /// `default_name` is used when the text has no `name`.
    pub fn parse(text: &str, file: &str, default_name: &str) -> Result<Scenario, ScenarioError> {
        let raw = parse_raw(text, file)?;
        let digest = hex(&Sha256::digest(text.as_bytes()));
        validate::validate(raw, file, default_name, digest)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Deserializes with the field path kept, so a type error names the field.
fn parse_raw(text: &str, file: &str) -> Result<schema::RawScenario, ScenarioError> {
    let mut path = String::new();
    // The default options carry serde-saphyr's input budgets (depth, nodes,
    // alias expansion), so a hostile file is refused rather than exhausting memory.
    let result = serde_saphyr::with_deserializer_from_str(text, |de| {
        serde_path_to_error::deserialize(de).map_err(|err| {
            path = err.path().to_string();
            err.into_inner()
        })
    });
    result.map_err(|err| {
        let (line, column) = err
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        ScenarioError::Parse(Problem {
            file: file.to_string(),
            line,
            column,
            field: clean_path(&path),
            message: bare_message(&err.without_snippet().to_string()),
        })
    })
}

/// `Spanned<T>` adds a `value` segment to serde's path; users never wrote it.
fn clean_path(path: &str) -> String {
    if path == "?" || path == "." {
        return String::new();
    }
    path.split('.')
        .filter(|segment| *segment != "value")
        .map(|segment| {
            segment
                .strip_prefix("value[")
                .map_or(segment.to_string(), |rest| format!("[{rest}"))
        })
        .collect::<Vec<_>>()
        .join(".")
        .replace(".[", "[")
}

/// serde-saphyr prefixes its message with `error: line L column C: `; the
/// location is reported separately here.
fn bare_message(rendered: &str) -> String {
    let text = rendered.trim().trim_start_matches("error: ");
    let text = match text.strip_prefix("line ") {
        Some(rest) => match rest.find(": ") {
            Some(i) => &rest[i + 2..],
            None => text,
        },
        None => text,
    };
    let text = text.lines().next().unwrap_or(text);
    // The location is reported in front; drop the trailing copy.
    match text.rfind(" at line ") {
        Some(i) if text[i..].contains(", column ") => text[..i].to_string(),
        _ => text.to_string(),
    }
}

/// One problem in a scenario, located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file (or `<built-in>`).
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: u64,
    /// 1-based column, 0 when unknown.
    pub column: u64,
    /// Dotted field path, e.g. `control_plane.etcd.members`.
    pub field: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if self.field.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": {}: {}", self.field, self.message)
        }
    }
}

/// Why a scenario could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read {file}: {message}")]
    Io {
        /// The file.
        file: String,
        /// The operating system's reason.
        message: String,
    },
    /// The text is not a well-formed scenario (syntax, unknown key, type).
    #[error("{0}")]
    Parse(Problem),
    /// The scenario is well-formed but inconsistent; every problem is listed.
    #[error("{}", problems.iter().map(Problem::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// All problems found.
        problems: Vec<Problem>,
    },
}

impl ScenarioError {
    /// Every located problem (an I/O error has none).
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            ScenarioError::Io { .. } => Vec::new(),
            ScenarioError::Parse(problem) => vec![problem.clone()],
            ScenarioError::Invalid { problems } => problems.clone(),
        }
    }
}
