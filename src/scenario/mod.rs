//! The scenario file format: from YAML (or JSON) text to a validated, typed
//! [`Scenario`]. Knows nothing of simulation.
//!
//! May import: `dist`, `load`, `engine::time`. Three steps: [`schema`]
//! mirrors the file 1:1 (unknown keys are errors), `validate` applies the
//! real Kubernetes/etcd defaults and checks every cross-reference, and
//! every problem is reported with file, line, column, field path and what
//! would be valid.
//!
//! The validated types live beside their topic ([`machines`], [`chaos`],
//! [`control_plane`], [`node_lifecycle`], [`workload`], [`autoscaling`]),
//! each with its defaults as named constants that cite their upstream
//! source.

pub mod autoscaling;
pub mod chaos;
pub mod control_plane;
mod error;
mod expect;
pub mod files;
pub mod machines;
mod messages;
pub mod node_lifecycle;
pub mod overrides;
pub mod quantity;
pub mod schema;
pub mod sweep;
pub mod trace_csv;
mod validate;
pub mod workload;

pub use chaos::{ChaosAction, ChaosStep};
pub use control_plane::{
    Backup, CertificateRenewal, Certificates, ControlPlane, Database, DiskStalls, Endpoint, Etcd,
    HealthCheck, HealthCheckPath, LeaderElection, OperatorRecovery, Recovery, Topology,
};
pub use error::{Problem, ScenarioError};
pub use expect::{Comparison, DATA_LOSS, Expectation, Metric, SLI_METRICS};
pub use files::FileAccess;
pub use machines::{
    CommonCause, FailureDomain, FailureMode, MachineGroup, People, Process, ProcessFailure,
    ProcessFailureKind, Role,
};
pub use node_lifecycle::NodeLifecycle;
pub use workload::{
    PodFailure, PodFailureKind, Probes, Resources, Spread, Workload, WorkloadKind, WorkloadLoad,
};

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::engine::SimDuration;

/// The most replications a run may ask for (`replications:` in a file,
/// `--replications` and `--max-replications` on the command line).
pub const MAX_REPLICATIONS: u64 = 100_000_000;

/// The built-in default scenario: a stacked three-node control plane.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/stacked-3cp.yaml");
/// The name the built-in scenario is reported under.
pub const DEFAULT_SCENARIO_NAME: &str = "stacked-3cp (built-in)";

/// Length of each simulated lifetime: no upstream default. One year, long
/// enough to see rare failures, short enough to be quick.
pub const DEFAULT_HORIZON: SimDuration = SimDuration::from_secs(365 * 86_400);
/// Number of lifetimes: no upstream default. Enough for a usable
/// confidence interval.
pub const DEFAULT_REPLICATIONS: u64 = 100;
/// The documented default master seed.
pub const DEFAULT_SEED: u64 = 1;
/// The name of the one zone of a scenario that declares none.
pub const DEFAULT_ZONE: &str = "default";

/// A validated scenario: every default applied, every reference resolved.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// A label for reports.
    pub name: String,
    /// Hex SHA-256 of the file bytes, so a report names exactly its input.
    pub digest: String,
    /// Length of each simulated lifetime ([`DEFAULT_HORIZON`]).
    pub horizon: SimDuration,
    /// Number of lifetimes ([`DEFAULT_REPLICATIONS`]): the count of a
    /// fixed run, or the first round of a precision-driven one.
    pub replications: u64,
    /// Master seed ([`DEFAULT_SEED`]).
    pub seed: u64,
    /// Simulated but unmeasured start of each lifetime.
    pub warmup: SimDuration,
    /// Outages shorter than this are not counted (availability still is).
    pub min_outage: SimDuration,
    /// Zone names; machines refer to them by index ([`DEFAULT_ZONE`] alone
    /// when the file declares none).
    pub zones: Vec<String>,
    /// Failure modes of every zone (each zone fails independently).
    pub zone_failures: Vec<FailureMode>,
    /// Zone index of the clients (and a cloud load balancer).
    pub clients_zone: usize,
    /// Shared failure domains.
    pub failure_domains: Vec<FailureDomain>,
    /// People for manual repairs, if declared.
    pub people: Option<People>,
    /// Automatic repairs that can run at once (`automatic_repair.crews`);
    /// `None`: each starts at its failure.
    pub automatic_repair_crews: Option<usize>,
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

impl Scenario {
    /// Reads and validates a scenario file; the files it names must be
    /// under its directory ([`FileAccess::ScenarioDirectory`]).
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        Scenario::load_with(path, FileAccess::default())
    }

    /// Reads and validates a scenario file, which may name the files
    /// `access` allows.
    pub fn load_with(path: &Path, access: FileAccess) -> Result<Scenario, ScenarioError> {
        let text = read_scenario(path)?;
        Scenario::parse_with(&text, &path.display().to_string(), &file_stem(path), access)
    }

    /// The embedded default scenario.
    pub fn builtin() -> Scenario {
        Scenario::parse(DEFAULT_SCENARIO, "<built-in>", DEFAULT_SCENARIO_NAME)
            .expect("the built-in scenario is valid (checked by a test)")
    }

    /// Parses and validates scenario text; `file` names it in errors and
    /// `default_name` is used when the text has no `name`. Files it names
    /// must be under `file`'s directory.
    pub fn parse(text: &str, file: &str, default_name: &str) -> Result<Scenario, ScenarioError> {
        Scenario::parse_with(text, file, default_name, FileAccess::default())
    }

    /// [`Scenario::parse_with`] of raw bytes, as a file holds them: bytes
    /// that are not UTF-8 are reported with their line and offset.
    pub fn parse_bytes(
        bytes: &[u8],
        file: &str,
        default_name: &str,
        access: FileAccess,
    ) -> Result<Scenario, ScenarioError> {
        let text = decode(bytes.to_vec(), file)?;
        Scenario::parse_with(&text, file, default_name, access)
    }

    /// [`Scenario::parse`], with the files the scenario may name.
    pub fn parse_with(
        text: &str,
        file: &str,
        default_name: &str,
        access: FileAccess,
    ) -> Result<Scenario, ScenarioError> {
        let raw = parse_raw(text, file)?;
        let digest = hex(&Sha256::digest(text.as_bytes()));
        validate::validate(raw, file, default_name, digest, access)
    }
}

/// A scenario file's text: at most [`files::MAX_SCENARIO_BYTES`], and
/// UTF-8 (invalid bytes are reported with their line, column and offset).
pub fn read_scenario(path: &Path) -> Result<String, ScenarioError> {
    let file = path.display().to_string();
    let bytes = files::read_scenario_bytes(path).map_err(|source| ScenarioError::Io {
        file: file.clone(),
        message: source.to_string(),
    })?;
    decode(bytes, &file)
}

/// The text of a scenario's bytes, or where they stop being UTF-8.
fn decode(bytes: Vec<u8>, file: &str) -> Result<String, ScenarioError> {
    String::from_utf8(bytes).map_err(|err| {
        let (line, column, offset) = files::invalid_utf8(err.as_bytes()).unwrap_or((0, 0, 0));
        ScenarioError::Parse(Problem {
            file: file.to_string(),
            line,
            column,
            field: String::new(),
            message: format!(
                "byte {offset} is not valid UTF-8; a scenario is UTF-8 text (save it as UTF-8)"
            ),
        })
    })
}

/// The name a scenario without `name` is reported under: its file stem.
pub fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into())
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
        let field = clean_path(&path);
        let message = messages::planner_message(&err, text, line, column, &field)
            .unwrap_or_else(|| bare_message(&err.without_snippet().to_string()));
        ScenarioError::Parse(Problem {
            file: file.to_string(),
            line,
            column,
            field,
            message,
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
