//! A workload's autoscaler control loop: the HorizontalPodAutoscaler (the
//! replica calculation and normalization of [`super::hpa`], fed the way the
//! controller is fed) or the threshold baseline.
//!
//! CPU follows the load: the ready pods share the offered requests
//! equally, and a pod serving its full `capacity` uses exactly its CPU
//! request (more requests than that are not served, and do not raise its
//! usage further). metrics-server scrapes every `metric_resolution` on a
//! grid of its own and reports each pod's average usage over the window
//! since its previous scrape; a sync sees the latest scrape's average,
//! shared among the pods serving at the sync.
//!
//! A sync whose outcome is known is not simulated: when every pod counts as
//! ready with a sample and the demand lies in the band where the
//! recommendation equals the current replicas, nothing can change until the
//! demand leaves the band (and the part of the next scrape's window already
//! past averages inside it). The next sync that matters is then the first
//! one after the first scrape after that crossing, computed exactly from the
//! load profile; any other change (pods, spikes, the control plane)
//! re-plans. The skipped syncs' recommendations, all equal to the current
//! replicas, are folded into the stabilization history when the loop
//! resumes.

use std::collections::BTreeMap;

use super::hpa::{self, Normalizer, PodCondition, PodSample, ReplicaCalc};
use crate::engine::{EventKey, SimDuration, SimTime};
use crate::model::dataplane::PodView;
use crate::model::ids::WorkloadId;
use crate::scenario::autoscaling::{Autoscaling, Hpa, HpaController, Policy, ThresholdPolicy};

/// The policy and its memory.
#[derive(Clone)]
enum PolicyState {
    Hpa {
        spec: Box<Hpa>,
        normalizer: Box<Normalizer>,
        /// Demand band `(ready pods, replicas) -> [lo, hi]` of every plan
        /// so far, cached: the binary search is the costly part, and it
        /// depends on nothing else (the spec is fixed).
        bands: BTreeMap<(usize, u32), (f64, f64)>,
    },
    Threshold(ThresholdPolicy),
}

/// What a sync decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    /// Replicas before.
    pub from: u32,
    /// Replicas after.
    pub to: u32,
}

/// The inputs of a sync or a plan that come from the rest of the model.
pub(crate) struct Observed<'a> {
    /// Now.
    pub now: SimTime,
    /// `scale.spec.replicas`.
    pub replicas: u32,
    /// The workload's live pods.
    pub pods: &'a [PodView],
    /// The latest metrics-server scrape.
    pub scrape: SimTime,
    /// The latest scrape's sample as offered requests/s: the average over
    /// its window of the demand the serving pods can take (see
    /// `Scaling::window_demand`).
    pub demand_at_scrape: f64,
    /// Requests/s one pod serves at 100 % of its CPU request.
    pub capacity: f64,
    /// The pod's CPU request, millicores.
    pub request_millis: u64,
    /// The data plane's version of the workload's pods.
    pub pods_version: u64,
    /// Whether every pod counts as ready with a sample now, when the caller
    /// found out without the pod list (`pods` may then be empty); `None`:
    /// look at `pods`.
    pub counted: Option<bool>,
}

/// One workload's autoscaler.
#[derive(Clone)]
pub(crate) struct WorkloadAutoscaler {
    /// The workload it scales.
    pub workload: WorkloadId,
    policy: PolicyState,
    period: SimDuration,
    phase: SimDuration,
    /// The pending sync and its time.
    pub tick: Option<(EventKey, SimTime)>,
    last_sync: Option<SimTime>,
    /// Time and direction (up = true) of the last change.
    last_change: Option<(SimTime, bool)>,
    flapping_window: SimDuration,
    /// The (pods version, replicas) at which an HPA plan found every pod
    /// counted ready: with neither changed they still are (time only moves
    /// a pod towards counting), and the pods need not be looked at.
    ready_memo: Option<(u64, u32)>,
}

impl WorkloadAutoscaler {
    /// An autoscaler for `workload`, syncing at `phase + k × period`.
    pub fn new(
        workload: WorkloadId,
        spec: &Autoscaling,
        controller: &HpaController,
        phase_share: f64,
    ) -> Self {
        let (policy, period) = match &spec.policy {
            Policy::Hpa(h) => {
                let normalizer = match &h.behavior {
                    Some(b) => Normalizer::new(b.clone(), h.min_replicas, h.max_replicas),
                    None => Normalizer::legacy(
                        h.min_replicas,
                        h.max_replicas,
                        controller.downscale_stabilization,
                    ),
                };
                (
                    PolicyState::Hpa {
                        spec: Box::new(h.clone()),
                        normalizer: Box::new(normalizer),
                        bands: BTreeMap::new(),
                    },
                    controller.sync_period,
                )
            }
            Policy::Threshold(t) => (PolicyState::Threshold(*t), t.period),
        };
        let phase = SimDuration::from_micros((period.as_micros() as f64 * phase_share) as u64);
        WorkloadAutoscaler {
            workload,
            policy,
            period,
            phase,
            tick: None,
            last_sync: None,
            last_change: None,
            flapping_window: spec.flapping_window,
            ready_memo: None,
        }
    }

    /// Whether a change at `now` in direction `up` reverses the previous
    /// one within the flapping window; records the change.
    pub fn note_change(&mut self, now: SimTime, up: bool) -> bool {
        let flap = self.last_change.is_some_and(|(at, was_up)| {
            was_up != up && now.saturating_since(at) <= self.flapping_window
        });
        self.last_change = Some((now, up));
        flap
    }

    /// One sync: the replicas to set, if they change.
    pub fn sync(&mut self, seen: &Observed<'_>, controller: &HpaController) -> Option<Decision> {
        let now = seen.now;
        let skipped = self
            .last_sync
            .is_some_and(|last| now.saturating_since(last) > self.period);
        self.last_sync = Some(now);
        let current = seen.replicas;
        let to = match &mut self.policy {
            PolicyState::Hpa {
                spec, normalizer, ..
            } => {
                if skipped {
                    normalizer.note_settled_syncs(
                        SimTime::from_micros(now.as_micros() - self.period.as_micros()),
                        current,
                    );
                }
                let serving = seen.pods.iter().filter(|q| q.serving).count();
                let samples: Vec<PodSample> = seen
                    .pods
                    .iter()
                    .map(|p| pod_sample(p, serving, seen, controller))
                    .collect();
                let calc = ReplicaCalc {
                    current_replicas: current,
                    target_utilization_percent: spec.target_utilization,
                    tolerance_up: spec.tolerance_up,
                    tolerance_down: spec.tolerance_down,
                };
                let proposal = hpa::desired_replicas(&calc, &samples)
                    .ok()
                    .map(|(desired, _)| desired);
                normalizer.reconcile(now, current, proposal)
            }
            PolicyState::Threshold(t) => {
                let serving = seen.pods.iter().filter(|p| p.serving).count();
                let utilization = per_pod_load(seen.demand_at_scrape, serving, seen.capacity);
                let stepped = if utilization > t.scale_up_above {
                    current.saturating_add(t.step)
                } else if utilization < 1.0 - t.scale_up_above {
                    current.saturating_sub(t.step)
                } else {
                    current
                };
                stepped.clamp(t.min_replicas, t.max_replicas)
            }
        };
        (to != current).then_some(Decision { from: current, to })
    }

    /// The next sync worth simulating after `now`, or `None` when nothing
    /// can change without another event. `demand` holds the demand now and
    /// the average (as [`Observed::demand_at_scrape`]) over the part of the
    /// next scrape's window already past. `next_demand_exit(lo, hi)` gives
    /// the first time after now at which the demand leaves `[lo, hi]`
    /// (`Some(now)` if it is outside now), `scrape_after(t)` the first
    /// scrape at or after `t`.
    pub fn plan(
        &mut self,
        seen: &Observed<'_>,
        demand: [f64; 2],
        controller: &HpaController,
        next_demand_exit: impl Fn(f64, f64) -> Option<SimTime>,
        scrape_after: impl Fn(SimTime) -> SimTime,
    ) -> Option<SimTime> {
        let now = seen.now;
        let next_sync = self.grid_after(now);
        let band = match &mut self.policy {
            PolicyState::Hpa {
                spec,
                normalizer,
                bands,
            } => {
                let memo = Some((seen.pods_version, seen.replicas));
                let ready = self.ready_memo == memo
                    || seen.counted.unwrap_or_else(|| {
                        seen.pods.len() == seen.replicas as usize
                            && seen
                                .pods
                                .iter()
                                .all(|p| counted_ready(p, now, seen.scrape, controller))
                    });
                if !ready {
                    return Some(next_sync);
                }
                self.ready_memo = memo;
                // As many pods as replicas, all counted.
                let n = seen.replicas as usize;
                *bands
                    .entry((n, seen.replicas))
                    .or_insert_with(|| hpa_band(spec, normalizer, n, seen))
            }
            PolicyState::Threshold(t) => {
                let n = seen.pods.iter().filter(|p| p.serving).count() as f64;
                let full = n * seen.capacity;
                let hi = if seen.replicas >= t.max_replicas {
                    f64::INFINITY
                } else {
                    t.scale_up_above * full
                };
                let lo = if seen.replicas <= t.min_replicas {
                    f64::NEG_INFINITY
                } else {
                    (1.0 - t.scale_up_above) * full
                };
                (lo, hi)
            }
        };
        let inside = |d: f64| band.0 <= d && d <= band.1;
        if !inside(seen.demand_at_scrape) || !demand.into_iter().all(inside) {
            return Some(next_sync);
        }
        let exit = next_demand_exit(band.0, band.1)?;
        Some(self.grid_after(scrape_after(exit).max(now)))
    }

    /// Whether a plan needs no pod views: an HPA that found every pod
    /// counted ready at this version and replica count.
    pub fn knows_ready(&self, pods_version: u64, replicas: u32) -> bool {
        self.ready_memo == Some((pods_version, replicas))
    }

    /// Whether it is an HPA (a threshold policy counts serving pods from
    /// the pod list).
    pub fn is_hpa(&self) -> bool {
        matches!(self.policy, PolicyState::Hpa { .. })
    }

    /// The first sync strictly after `t`.
    fn grid_after(&self, t: SimTime) -> SimTime {
        (t + SimDuration::from_micros(1)).grid_at_or_after(self.phase, self.period)
    }
}

/// Load per ready pod as a share of its capacity, at most 1; with no ready
/// pod, 1 if any demand is offered.
fn per_pod_load(demand: f64, serving: usize, capacity: f64) -> f64 {
    if serving == 0 {
        if demand > 0.0 { 1.0 } else { 0.0 }
    } else {
        (demand / (serving as f64 * capacity)).min(1.0)
    }
}

/// The CPU sample of a serving pod, millicores.
fn usage_millis(request_millis: u64, share: f64) -> u64 {
    (request_millis as f64 * share).round() as u64
}

/// The initial pods are taken as long established: ready since time zero.
fn established(p: &PodView) -> bool {
    p.ready_since == SimTime::ZERO && p.bound_at == Some(SimTime::ZERO)
}

/// `groupPods` for a CPU metric: the pod's class and sample; `serving`:
/// how many of the workload's pods serve.
fn pod_sample(
    p: &PodView,
    serving: usize,
    seen: &Observed<'_>,
    controller: &HpaController,
) -> PodSample {
    let request_millis = seen.request_millis;
    let scrape = seen.scrape;
    if p.terminating {
        return PodSample {
            condition: PodCondition::Ignored,
            usage_millis: None,
            request_millis,
        };
    }
    let Some(bound_at) = p.bound_at else {
        return PodSample {
            condition: PodCondition::Pending,
            usage_millis: None,
            request_millis,
        };
    };
    // metrics-server has a sample for a pod whose containers ran during
    // the last scrape window.
    let has_sample = established(p) || bound_at < scrape;
    let usage = has_sample.then(|| {
        if p.serving {
            usage_millis(
                request_millis,
                per_pod_load(seen.demand_at_scrape, serving, seen.capacity),
            )
        } else {
            0
        }
    });
    let unready = if established(p) {
        !p.serving
    } else if bound_at + controller.cpu_initialization_period > seen.now {
        !p.serving || scrape < p.ready_since + controller.metric_resolution
    } else {
        // Ready=False, and the transition to it came within the initial
        // readiness delay of the start: the pod never got going.
        let transition = if p.ever_ready {
            p.unready_since
        } else {
            bound_at
        };
        !p.serving && bound_at + controller.initial_readiness_delay > transition
    };
    PodSample {
        condition: if unready {
            PodCondition::Unready
        } else {
            PodCondition::Ready
        },
        usage_millis: usage,
        request_millis,
    }
}

/// Whether the HPA counts the pod as ready with a sample, now and at every
/// later sync (time only moves a pod towards counting).
fn counted_ready(p: &PodView, now: SimTime, scrape: SimTime, controller: &HpaController) -> bool {
    if !p.serving || p.terminating {
        return false;
    }
    if established(p) {
        return true;
    }
    let Some(bound_at) = p.bound_at else {
        return false;
    };
    (bound_at + controller.cpu_initialization_period <= now && bound_at < scrape)
        || scrape >= p.ready_since + controller.metric_resolution
}

/// The first time from which [`counted_ready`] holds for pod `p` (with
/// the scrape the latest on the grid `scrape_phase + k × resolution`), and
/// keeps holding until the pod changes; `SimTime::MAX` if it never does.
pub(crate) fn counted_from(
    p: &PodView,
    scrape_phase: SimDuration,
    controller: &HpaController,
) -> SimTime {
    if !p.serving || p.terminating {
        return SimTime::MAX;
    }
    if established(p) {
        return SimTime::ZERO;
    }
    let Some(bound_at) = p.bound_at else {
        return SimTime::MAX;
    };
    let resolution = controller.metric_resolution;
    let scrape_at_or_after = |t: SimTime| t.grid_at_or_after(scrape_phase, resolution);
    // A scrape after the binding, and the CPU initialization period over.
    let sampled = (bound_at + controller.cpu_initialization_period)
        .max(scrape_at_or_after(bound_at + SimDuration::from_micros(1)));
    // A scrape a full window after the pod became ready.
    let window = scrape_at_or_after(p.ready_since + resolution);
    sampled.min(window)
}

/// The demand band in which an HPA with `n` ready pods at `replicas`
/// recommends exactly `replicas` (or a change its bounds would undo):
/// found by bisection on the real replica calculation, which is monotone
/// in the demand.
fn hpa_band(spec: &Hpa, normalizer: &Normalizer, n: usize, seen: &Observed<'_>) -> (f64, f64) {
    let current = seen.replicas;
    let calc = ReplicaCalc {
        current_replicas: current,
        target_utilization_percent: spec.target_utilization,
        tolerance_up: spec.tolerance_up,
        tolerance_down: spec.tolerance_down,
    };
    let recommend = |demand: f64| {
        let usage = usage_millis(seen.request_millis, per_pod_load(demand, n, seen.capacity));
        let samples = vec![
            PodSample {
                condition: PodCondition::Ready,
                usage_millis: Some(usage),
                request_millis: seen.request_millis,
            };
            n
        ];
        hpa::desired_replicas(&calc, &samples).map_or(current, |(d, _)| d)
    };
    let full = n as f64 * seen.capacity;
    // Above `full` every pod is saturated: the recommendation is constant.
    let hi = if current >= spec.max_replicas || recommend(full) <= current {
        f64::INFINITY
    } else {
        bisect(0.0, full, |d| recommend(d) > current).0
    };
    let lo = if (current <= spec.min_replicas && !normalizer.stabilizes_scale_up())
        || recommend(0.0) >= current
    {
        f64::NEG_INFINITY
    } else {
        // The largest demand recommending fewer replicas.
        bisect(0.0, full, |d| recommend(d) >= current).1
    };
    (lo, hi)
}

/// Where the monotone `pred` turns true in `[a, b]` (`pred(b)` must
/// hold): the last point found false and the first found true, within
/// 1e-9 relative.
fn bisect(mut a: f64, mut b: f64, pred: impl Fn(f64) -> bool) -> (f64, f64) {
    if pred(a) {
        return (a, a);
    }
    for _ in 0..64 {
        let mid = 0.5 * (a + b);
        if pred(mid) {
            b = mid;
        } else {
            a = mid;
        }
        if b - a <= 1e-9 * b.abs().max(1e-9) {
            break;
        }
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    /// A pod bound at 100 s, ready at 110 s, and not ready since `down`.
    fn failed_pod(down: SimTime) -> PodView {
        PodView {
            bound_at: Some(secs(100)),
            serving: false,
            ready_since: secs(110),
            ever_ready: true,
            unready_since: down,
            terminating: false,
        }
    }

    fn classify(pod: PodView, controller: &HpaController) -> PodCondition {
        let pods = [pod];
        let seen = Observed {
            now: secs(1000),
            replicas: 1,
            pods: &pods,
            scrape: secs(990),
            demand_at_scrape: 50.0,
            capacity: 100.0,
            request_millis: 1000,
            pods_version: 0,
            counted: None,
        };
        let serving = pods.iter().filter(|q| q.serving).count();
        pod_sample(&pods[0], serving, &seen, controller).condition
    }

    #[test]
    fn after_the_cpu_initialization_period_the_initial_readiness_delay_decides() {
        let controller = HpaController::default();
        // Not ready since 120 s, within 30 s of its start: never got going.
        assert_eq!(
            classify(failed_pod(secs(120)), &controller),
            PodCondition::Unready
        );
        // Not ready since 200 s: it ran, so its (idle) sample counts.
        assert_eq!(
            classify(failed_pod(secs(200)), &controller),
            PodCondition::Ready
        );
        // A shorter delay moves the edge.
        let short = HpaController {
            initial_readiness_delay: SimDuration::from_secs(10),
            ..controller
        };
        assert_eq!(classify(failed_pod(secs(120)), &short), PodCondition::Ready);
    }

    #[test]
    fn within_the_cpu_initialization_period_a_sample_must_postdate_readiness() {
        let controller = HpaController::default();
        let pod = PodView {
            bound_at: Some(secs(900)),
            serving: true,
            ready_since: secs(950),
            ever_ready: true,
            unready_since: SimTime::ZERO,
            terminating: false,
        };
        // The scrape at 990 s is within a metric window (60 s) of 950 s.
        assert_eq!(classify(pod, &controller), PodCondition::Unready);
        let earlier = PodView {
            ready_since: secs(920),
            ..pod
        };
        assert_eq!(classify(earlier, &controller), PodCondition::Ready);
    }

    #[test]
    fn counted_from_is_when_counted_ready_starts_to_hold() {
        let controller = HpaController::default();
        let phase = SimDuration::from_secs(7);
        let last_scrape = |t: SimTime| t.grid_at_or_before(phase, controller.metric_resolution);
        let mut pods = Vec::new();
        for bound in [0, 3, 7, 50, 299, 300, 301] {
            for ready_after in [0, 1, 20, 90, 400] {
                for serving in [true, false] {
                    pods.push(PodView {
                        bound_at: Some(secs(bound)),
                        serving,
                        ready_since: secs(bound + ready_after),
                        ever_ready: true,
                        unready_since: SimTime::ZERO,
                        terminating: false,
                    });
                }
            }
        }
        pods.push(PodView {
            bound_at: None,
            ..pods[0]
        });
        pods.push(PodView {
            terminating: true,
            ..pods[0]
        });
        let mut seen_both = [false, false];
        for p in &pods {
            let from = counted_from(p, phase, &controller);
            for now in (0..1200).map(secs) {
                let counted = counted_ready(p, now, last_scrape(now), &controller);
                assert_eq!(counted, now >= from, "{p:?} at {now:?}");
                seen_both[usize::from(counted)] = true;
            }
        }
        assert_eq!(seen_both, [true, true]);
    }
}
