//! Workloads: replicas, placement, the up rule, rollouts, probes, pod
//! failures and disruption budgets. Load and autoscaling have their own
//! files.

use serde_saphyr::{Location, Spanned};

use super::autoscaling;
use super::checker::Checker;
use super::load::{load, spikes};
use super::machines::count_role;
use crate::dist::Distribution;
use crate::engine::SimDuration;
use crate::scenario::autoscaling::HpaController;
use crate::scenario::quantity::IntOrPercent;
use crate::scenario::workload::{
    DEFAULT_MAX_SKEW, DEFAULT_MAX_SURGE_PERCENT, DEFAULT_MAX_UNAVAILABLE_PERCENT,
    DEFAULT_MIN_READY, DEFAULT_PROBE_FAILURE_THRESHOLD, DEFAULT_PROBE_PERIOD, DEFAULT_TOLERATION,
    PodFailure, PodFailureKind, Probes, RawAntiAffinity, RawPdb, RawPodFailure, RawPodFailureKind,
    RawRollingUpdate, RawTopologyKey, RawUpRule, RawWhenUnsatisfiable, RawWorkload,
    RawWorkloadKind, Resources, Spread, Workload, WorkloadKind,
};
use crate::scenario::{MachineGroup, Role};

/// The top-level `workloads:` list, placed on the worker `groups`.
pub(super) fn workloads(
    check: &mut Checker<'_>,
    raw: &[RawWorkload],
    groups: &[MachineGroup],
    hpa_controller: &HpaController,
) -> Vec<Workload> {
    let workers = count_role(groups, Role::Worker);
    let mut out: Vec<Workload> = Vec::new();
    for (w, workload) in raw.iter().enumerate() {
        let path = format!("workloads[{w}]");
        let name = workload.name.value.clone();
        check.name(&workload.name.referenced, format!("{path}.name"), &name);
        if name.trim().is_empty() || name.contains(char::is_whitespace) {
            check.at(
                &workload.name.referenced,
                format!("{path}.name"),
                "use a name without spaces, e.g. web",
            );
        }
        if out.iter().any(|o| o.name == name) {
            check.at(
                &workload.name.referenced,
                format!("{path}.name"),
                format!("workload `{name}` is declared twice"),
            );
        }
        if workers == 0 {
            check.at(
                &workload.name.referenced,
                path.clone(),
                "workloads need worker nodes: add a machine group with role worker",
            );
        }
        let replicas =
            check.count(&workload.replicas, &format!("{path}.replicas"), 1, 10_000) as usize;
        let node_group = workload.node_group.as_ref().and_then(|g| {
            let found = groups
                .iter()
                .position(|known| known.name == g.value && known.role == Role::Worker);
            if found.is_none() {
                let names: Vec<&str> = groups
                    .iter()
                    .filter(|k| k.role == Role::Worker)
                    .map(|k| k.name.as_str())
                    .collect();
                check.at(
                    &g.referenced,
                    format!("{path}.node_group"),
                    format!(
                        "`{}` is not a worker group; worker groups are: {}",
                        g.value,
                        names.join(", ")
                    ),
                );
            }
            found
        });
        let spread = workload.spread.as_ref().map(|s| Spread {
            by_zone: s.value.topology == RawTopologyKey::Zone,
            max_skew: s.value.max_skew.unwrap_or(DEFAULT_MAX_SKEW).max(1) as usize,
            hard: s.value.when_unsatisfiable != Some(RawWhenUnsatisfiable::ScheduleAnyway),
        });
        let min_ready = match workload.up.as_ref().map(|u| (&u.value, &u.referenced)) {
            None => DEFAULT_MIN_READY,
            Some((RawUpRule::Quorum, _)) => replicas / 2 + 1,
            Some((RawUpRule::MinReady(k), at)) => {
                if *k == 0 || *k as usize > replicas {
                    check.at(
                        at,
                        format!("{path}.up.min-ready"),
                        format!("{k} is out of range; use 1 to the replica count ({replicas})"),
                    );
                }
                (*k as usize).clamp(1, replicas)
            }
        };
        let rolling = rolling_update(
            check,
            workload.rolling_update.as_ref(),
            &workload.name.referenced,
            replicas,
            &path,
        );
        out.push(Workload {
            name,
            kind: match workload.kind.as_ref().map(|k| k.value) {
                Some(RawWorkloadKind::Statefulset) => WorkloadKind::StatefulSet,
                _ => WorkloadKind::Deployment,
            },
            replicas,
            requests: Resources::from_raw(&workload.requests),
            node_group,
            spread,
            anti_affinity: workload
                .anti_affinity
                .as_ref()
                .map(|a| a.value == RawAntiAffinity::Required),
            toleration: workload.toleration.map_or(DEFAULT_TOLERATION, |t| t.0),
            startup: check.distribution(&workload.startup, &format!("{path}.startup")),
            min_ready,
            max_surge: rolling.0,
            max_unavailable: rolling.1,
            probes: Probes {
                period: workload
                    .probes
                    .as_ref()
                    .and_then(|p| p.period)
                    .map_or(DEFAULT_PROBE_PERIOD, |d| d.0),
                failure_threshold: workload
                    .probes
                    .as_ref()
                    .and_then(|p| p.failure_threshold.as_ref())
                    .map_or(DEFAULT_PROBE_FAILURE_THRESHOLD, |t| {
                        check.count(t, &format!("{path}.probes.failure_threshold"), 1, 1_000)
                    }),
            },
            load: load(check, workload, &path),
            spikes: spikes(check, workload, &path),
            autoscaling: autoscaling::workload(
                check,
                workload.autoscaling.as_ref(),
                workload.load.is_some() && workload.capacity.is_some(),
                hpa_controller,
                &path,
            ),
            pod_failures: pod_failures(check, &workload.pod_failures, &path),
            pdb_min_available: pdb_min_available(check, workload.pdb.as_ref(), replicas, &path),
        });
    }
    out
}

/// Rollout limits: `max_surge` and `max_unavailable` as pod counts.
fn rolling_update(
    check: &mut Checker<'_>,
    raw: Option<&Spanned<RawRollingUpdate>>,
    name_at: &Location,
    replicas: usize,
    path: &str,
) -> (usize, usize) {
    // Surge rounds up, unavailable down (docs/kubernetes-defaults.md §4);
    // both zero would never make progress.
    let count = |v: Option<IntOrPercent>, default: f64, up: bool| {
        let percent = match v {
            Some(IntOrPercent::Int(k)) => return k as usize,
            Some(IntOrPercent::Percent(p)) => p,
            None => default,
        };
        let exact = percent / 100.0 * replicas as f64;
        if up {
            exact.ceil() as usize
        } else {
            exact.floor() as usize
        }
    };
    let surge = count(
        raw.and_then(|r| r.value.max_surge),
        DEFAULT_MAX_SURGE_PERCENT,
        true,
    );
    let unavailable = count(
        raw.and_then(|r| r.value.max_unavailable),
        DEFAULT_MAX_UNAVAILABLE_PERCENT,
        false,
    );
    if surge == 0 && unavailable == 0 {
        let at = raw.map_or(name_at, |r| &r.referenced);
        check.at(
            at,
            format!("{path}.rolling_update"),
            "max_surge and max_unavailable cannot both be 0; a rollout could never progress",
        );
    }
    (surge, unavailable)
}

/// A workload's `pod_failures:` list: crashes, hangs and readiness flaps.
fn pod_failures(check: &mut Checker<'_>, raw: &[RawPodFailure], path: &str) -> Vec<PodFailure> {
    raw.iter()
        .enumerate()
        .map(|(f, failure)| {
            let field = format!("{path}.pod_failures[{f}]");
            let time_to_failure =
                check.distribution(&failure.time_to_failure, &format!("{field}.time_to_failure"));
            if time_to_failure.is_zero() {
                check.at(&failure.time_to_failure.referenced, format!("{field}.time_to_failure"), "a time to failure of zero would fail forever; give a positive duration");
            }
            let kind = match (failure.kind.value, &failure.duration) {
                (RawPodFailureKind::Unready, Some(d)) => {
                    PodFailureKind::Unready(check.distribution(d, &format!("{field}.duration")))
                }
                (RawPodFailureKind::Unready, None) => {
                    check.at(&failure.kind.referenced, format!("{field}.duration"), "an `unready` flap needs a `duration` distribution, e.g. {deterministic: 30s}");
                    PodFailureKind::Unready(Distribution::deterministic(SimDuration::ZERO))
                }
                (kind, Some(d)) => {
                    check.at(&d.referenced, format!("{field}.duration"), "only `unready` flaps take a duration; a crash or hang lasts until the restart");
                    if kind == RawPodFailureKind::Crash { PodFailureKind::Crash } else { PodFailureKind::Hang }
                }
                (RawPodFailureKind::Crash, None) => PodFailureKind::Crash,
                (RawPodFailureKind::Hang, None) => PodFailureKind::Hang,
            };
            if let Some(name) = &failure.name {
                check.name(&name.referenced, format!("{field}.name"), &name.value);
            }
            PodFailure {
                name: failure
                    .name
                    .as_ref()
                    .map_or_else(|| format!("pod-failure-{f}"), |n| n.value.clone()),
                kind,
                time_to_failure,
            }
        })
        .collect()
}

/// A workload's `pdb:` as the pods that must stay available during
/// voluntary evictions.
fn pdb_min_available(
    check: &mut Checker<'_>,
    raw: Option<&Spanned<RawPdb>>,
    replicas: usize,
    path: &str,
) -> Option<usize> {
    raw.and_then(|pdb| {
        // Percentages: minAvailable rounds up, maxUnavailable down
        // (docs/kubernetes-defaults.md §4).
        let share = |p: f64, up: bool| {
            let exact = p / 100.0 * replicas as f64;
            if up {
                exact.ceil() as usize
            } else {
                exact.floor() as usize
            }
        };
        match (pdb.value.min_available, pdb.value.max_unavailable) {
            (Some(min), None) => Some(match min {
                IntOrPercent::Int(k) => k as usize,
                IntOrPercent::Percent(p) => share(p, true),
            }),
            (None, Some(max)) => Some(replicas.saturating_sub(match max {
                IntOrPercent::Int(k) => k as usize,
                IntOrPercent::Percent(p) => share(p, false),
            })),
            _ => {
                check.at(
                    &pdb.referenced,
                    format!("{path}.pdb"),
                    "give exactly one of min_available or max_unavailable",
                );
                None
            }
        }
    })
}
