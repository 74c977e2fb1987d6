//! The data plane in the scenario file: worker resources, the node
//! lifecycle controller's timers, and workloads. Raw serde types (1:1 with
//! the file) and their validated forms.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_saphyr::Spanned;
use std::fmt;
use std::sync::Arc;

use super::schema::{Duration, RawDistribution};
use crate::dist::Distribution;
use crate::engine::SimDuration;

/// CPU as Kubernetes writes it: cores (`2`, `0.5`) or millicores (`500m`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cpu(pub u64);

/// Memory as Kubernetes writes it: bytes or a suffix (`512Mi`, `16Gi`, `1G`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory(pub u64);

fn parse_cpu(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, scale) = match text.strip_suffix('m') {
        Some(n) => (n, 1.0),
        None => (text, 1000.0),
    };
    match number.parse::<f64>() {
        Ok(v) if v >= 0.0 && v.is_finite() => Ok((v * scale).round() as u64),
        _ => Err(format!(
            "`{text}` is not a CPU quantity; write cores (2, 0.5) or millicores (500m)"
        )),
    }
}

fn parse_memory(text: &str) -> Result<u64, String> {
    let text = text.trim();
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("Ti", 1024.0 * 1024.0 * 1024.0 * 1024.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    let (number, scale) = SUFFIXES
        .iter()
        .find_map(|(suffix, scale)| text.strip_suffix(suffix).map(|n| (n, *scale)))
        .unwrap_or((text, 1.0));
    match number.parse::<f64>() {
        Ok(v) if v >= 0.0 && v.is_finite() => Ok((v * scale).round() as u64),
        _ => Err(format!(
            "`{text}` is not a memory quantity; write e.g. 512Mi, 16Gi or 1G"
        )),
    }
}

macro_rules! quantity {
    ($ty:ident, $parse:ident, $expecting:literal) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, text: &str) -> Result<$ty, E> {
                        $parse(text).map($ty).map_err(E::custom)
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
                        self.visit_str(&v.to_string())
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$ty, E> {
                        self.visit_str(&v.to_string())
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$ty, E> {
                        self.visit_str(&v.to_string())
                    }
                }
                deserializer.deserialize_any(V)
            }
        }
    };
}
quantity!(Cpu, parse_cpu, "a CPU quantity, e.g. 2 or 500m");
quantity!(
    Memory,
    parse_memory,
    "a memory quantity, e.g. 512Mi or 16Gi"
);

/// Resources of a node or a pod.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResources {
    /// CPU.
    pub cpu: Cpu,
    /// Memory.
    pub memory: Memory,
}

/// kube-controller-manager's node lifecycle controller (k8s-facts §2).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNodeLifecycle {
    /// `--node-monitor-period`.
    pub monitor_period: Option<Duration>,
    /// `--node-monitor-grace-period`.
    pub grace_period: Option<Duration>,
    /// Kubelet node-lease renew interval (0.25 x 40 s).
    pub lease_renew_interval: Option<Duration>,
    /// `--node-eviction-rate`, nodes per second per zone.
    pub eviction_rate: Option<Spanned<f64>>,
    /// `--secondary-node-eviction-rate`.
    pub secondary_eviction_rate: Option<Spanned<f64>>,
    /// `--large-cluster-size-threshold`.
    pub large_cluster_size_threshold: Option<u64>,
    /// `--unhealthy-zone-threshold`.
    pub unhealthy_zone_threshold: Option<Spanned<f64>>,
}

/// One workload.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// Unique name; SLIs are `workload.<name>.*`.
    pub name: Spanned<String>,
    /// `deployment` or `statefulset`.
    #[serde(default)]
    pub kind: Option<Spanned<RawWorkloadKind>>,
    /// Desired replicas.
    pub replicas: Spanned<u64>,
    /// Requests of each pod.
    pub requests: RawResources,
    /// Node selector: the worker group the pods run on.
    pub node_group: Option<Spanned<String>>,
    /// Topology spread constraint.
    pub spread: Option<Spanned<RawSpread>>,
    /// Pod anti-affinity on `kubernetes.io/hostname`.
    pub anti_affinity: Option<Spanned<RawAntiAffinity>>,
    /// Not-ready/unreachable toleration (`tolerationSeconds`).
    pub toleration: Option<Duration>,
    /// Image pull + container start + readiness probe.
    pub startup: Spanned<RawDistribution>,
    /// When the workload counts as up: `{min_ready: k}` or `quorum`.
    pub up: Option<Spanned<RawUpRule>>,
    /// PodDisruptionBudget: `{min_available: 2}` or `{max_unavailable: 1}`
    /// (numbers or percentages such as `50%`).
    pub pdb: Option<Spanned<RawPdb>>,
    /// Requests per second one ready pod serves.
    pub capacity: Option<Spanned<f64>>,
    /// Offered load in requests per second (needs `capacity`).
    pub load: Option<Spanned<RawLoad>>,
    /// Share of the offered load that must be served for the capacity SLI
    /// (default 1.0: all of it).
    pub capacity_threshold: Option<Spanned<f64>>,
    /// Random load spikes on top of `load`: `{every: 6h, height: 800,
    /// duration: <distribution>}`.
    pub spikes: Option<Spanned<RawSpikes>>,
    /// Readiness and liveness probe settings.
    pub probes: Option<RawProbes>,
    /// Deployment rollout limits.
    pub rolling_update: Option<Spanned<RawRollingUpdate>>,
    /// Pod-level faults: container crashes, hangs, readiness flaps.
    #[serde(default)]
    pub pod_failures: Vec<RawPodFailure>,
    /// A HorizontalPodAutoscaler or the threshold policy (needs `load`).
    pub autoscaling: Option<Spanned<super::autoscaling::RawAutoscaling>>,
}

/// A Deployment's `strategy.rollingUpdate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRollingUpdate {
    /// Extra pods allowed above `replicas` (default 25%, rounded up).
    pub max_surge: Option<IntOrPercent>,
    /// Pods allowed to be unavailable (default 25%, rounded down).
    pub max_unavailable: Option<IntOrPercent>,
}

/// Probe settings (the same for readiness and liveness).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProbes {
    /// `periodSeconds`.
    pub period: Option<Duration>,
    /// `failureThreshold`.
    pub failure_threshold: Option<Spanned<u64>>,
}

/// A pod-level failure mode.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPodFailure {
    /// Name for reports.
    pub name: Option<String>,
    /// `crash`, `hang` or `unready`.
    pub kind: Spanned<RawPodFailureKind>,
    /// Running time of a pod until this failure.
    #[serde(alias = "ttf")]
    pub time_to_failure: Spanned<RawDistribution>,
    /// `unready` only: how long the pod cannot serve.
    pub duration: Option<Spanned<RawDistribution>>,
}

/// Pod failure kinds.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawPodFailureKind {
    /// The container exits and is restarted with CrashLoopBackOff.
    Crash,
    /// The container stops answering; liveness restarts it.
    Hang,
    /// Readiness fails for a while (a flap); the pod is not restarted.
    Unready,
}

/// Probe settings, validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probes {
    /// Time between probes.
    pub period: SimDuration,
    /// Consecutive failures before the probe fails.
    pub failure_threshold: u32,
}

impl Default for Probes {
    /// `periodSeconds: 10`, `failureThreshold: 3` (k8s-facts §3).
    fn default() -> Self {
        Probes {
            period: SimDuration::from_secs(10),
            failure_threshold: 3,
        }
    }
}

/// What a pod failure does.
#[derive(Clone, Debug)]
pub enum PodFailureKind {
    /// Container exit; restart after the CrashLoopBackOff delay.
    Crash,
    /// Hang; detected by the probes, then restarted.
    Hang,
    /// Readiness flap lasting this long.
    Unready(Distribution),
}

/// A pod failure mode, validated.
#[derive(Clone, Debug)]
pub struct PodFailure {
    /// Name for reports.
    pub name: String,
    /// What it does.
    pub kind: PodFailureKind,
    /// Running time until it happens.
    pub time_to_failure: Distribution,
}

/// A load profile in requests per second.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum RawLoad {
    /// `{constant: 300}`
    Constant(f64),
    /// `{diurnal: {peak: 1000, trough: 200, peak_hour: 14}}`: a daily
    /// cosine between trough and peak, highest at `peak_hour` (0-24).
    Diurnal {
        /// Highest rate.
        peak: f64,
        /// Lowest rate.
        trough: f64,
        /// Hour of the day of the peak.
        peak_hour: f64,
    },
    /// `{weekly: {peak: 1000, trough: 200, peak_hour: 14, days: [1, 1, 1,
    /// 1, 1, 0.6, 0.6]}}`: the diurnal cosine times a factor per day; day 0
    /// is the first day of the simulation and the factors repeat weekly.
    Weekly {
        /// Highest rate of a day with factor 1.
        peak: f64,
        /// Lowest rate of a day with factor 1.
        trough: f64,
        /// Hour of the day of the peak.
        peak_hour: f64,
        /// Exactly 7 factors ≥ 0.
        days: Vec<f64>,
    },
    /// `{trace: {file: traces/web.csv}}`: a recorded `time,rate` CSV,
    /// interpolated linearly and looped.
    Trace {
        /// The CSV, relative to the scenario file's directory.
        file: String,
    },
}

/// Random load spikes on top of a workload's `load`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpikes {
    /// Mean time between spike starts (a Poisson process).
    pub every: Spanned<Duration>,
    /// Requests per second each spike adds.
    pub height: Spanned<f64>,
    /// How long each spike lasts.
    pub duration: Spanned<RawDistribution>,
}

/// Load spikes, validated: they start as a Poisson process with mean
/// interval `mean_interval` and each adds `height` requests per second to
/// the profile for a duration drawn from `duration`.
#[derive(Clone, Debug)]
pub struct Spikes {
    /// Mean time between spike starts.
    pub mean_interval: SimDuration,
    /// Requests per second a spike adds.
    pub height: f64,
    /// Length of a spike.
    pub duration: Distribution,
}

/// Offered load, validated. All times are seconds since the start of the
/// simulation; the load is right-continuous (at a jump, [`Load::at`] gives
/// the new rate).
#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    /// A constant rate.
    Constant(f64),
    /// `mid + amplitude * cos(2π (t - peak) / 1 day)`.
    Diurnal {
        /// Mean rate.
        mid: f64,
        /// Half the peak-to-trough swing.
        amplitude: f64,
        /// Seconds into the day of the peak.
        peak_second: f64,
    },
    /// The diurnal cosine times `days[d]` during day `d` (whole days since
    /// the start, modulo 7): it may jump at midnight.
    Weekly {
        /// Mean rate of a day with factor 1.
        mid: f64,
        /// Half the peak-to-trough swing of a day with factor 1.
        amplitude: f64,
        /// Seconds into the day of the peak.
        peak_second: f64,
        /// Factor of each day of the week, ≥ 0.
        days: [f64; 7],
    },
    /// A recorded rate, interpolated linearly and looped.
    Trace(Trace),
}

/// Seconds in a day.
const DAY: f64 = 86_400.0;
const TAU: f64 = std::f64::consts::TAU;

/// Where the load is relative to a level just before or just after an
/// instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Below,
    At,
    Above,
}

fn side_of(value: f64, level: f64) -> Option<Side> {
    if value > level {
        Some(Side::Above)
    } else if value < level {
        Some(Side::Below)
    } else {
        None
    }
}

/// `mid + amplitude * cos(2π (t - peak_second) / 1 day)`.
#[derive(Clone, Copy, Debug)]
struct Cosine {
    mid: f64,
    amplitude: f64,
    peak_second: f64,
}

impl Cosine {
    /// Seconds since the last peak, in [0, 1 day].
    fn offset(&self, t: f64) -> f64 {
        (t - self.peak_second).rem_euclid(DAY)
    }

    fn phase(&self, t: f64) -> f64 {
        TAU * self.offset(t) / DAY
    }

    fn at(&self, t: f64) -> f64 {
        self.mid + self.amplitude * self.phase(t).cos()
    }

    fn max(&self) -> f64 {
        self.mid + self.amplitude.abs()
    }

    fn min(&self) -> f64 {
        self.mid - self.amplitude.abs()
    }

    /// Where the curve goes right after `t`, relative to its value at `t`.
    fn trend_after(&self, t: f64) -> Side {
        if self.amplitude == 0.0 {
            return Side::At;
        }
        let phase = self.phase(t);
        // d/dt = -amplitude sin(phase) (times 2π / day).
        match side_of(-self.amplitude * phase.sin(), 0.0) {
            Some(side) => side,
            None if self.amplitude * phase.cos() > 0.0 => Side::Below, // at the peak
            None => Side::Above,                                       // at the trough
        }
    }

    /// Where the curve was right before `t`, relative to its value at `t`.
    fn trend_before(&self, t: f64) -> Side {
        if self.amplitude == 0.0 {
            return Side::At;
        }
        let phase = self.phase(t);
        match side_of(self.amplitude * phase.sin(), 0.0) {
            Some(side) => side,
            None if self.amplitude * phase.cos() > 0.0 => Side::Below,
            None => Side::Above,
        }
    }

    /// The first time strictly after `t` at which the curve crosses `level`
    /// (passes through it, not only touches it).
    fn root_after(&self, t: f64, level: f64) -> Option<f64> {
        if self.amplitude <= 0.0 {
            return None;
        }
        let c = (level - self.mid) / self.amplitude;
        if !(c > -1.0 && c < 1.0) {
            return None;
        }
        // Crossings at ±acos(c) from each peak.
        let first = c.acos() / TAU * DAY;
        let base = t - self.offset(t);
        [first, DAY - first, DAY + first, 2.0 * DAY - first]
            .into_iter()
            .map(|x| base + x)
            .find(|&candidate| candidate > t)
    }

    /// ∫_a^b min(curve, cap) dt for a ≤ b (`cap` may be infinite).
    fn integral(&self, a: f64, b: f64, cap: f64) -> f64 {
        if cap >= self.max() {
            let scale = self.amplitude * DAY / TAU;
            return self.mid * (b - a) + scale * (self.phase(b).sin() - self.phase(a).sin());
        }
        if cap <= self.min() {
            return cap * (b - a);
        }
        // Here amplitude > 0 and the curve is above the cap while the phase
        // is within ±alpha of a peak.
        let alpha = ((cap - self.mid) / self.amplitude).clamp(-1.0, 1.0).acos();
        let (mid, amp) = (self.mid, self.amplitude);
        let sin_alpha = alpha.sin();
        let full_turn = 2.0 * alpha * cap + mid * (TAU - 2.0 * alpha) - 2.0 * amp * sin_alpha;
        // ∫_0^φ min(mid + amp cos θ, cap) dθ for φ in [0, 2π].
        let g = |phi: f64| {
            if phi <= alpha {
                cap * phi
            } else if phi <= TAU - alpha {
                cap * alpha + mid * (phi - alpha) + amp * (phi.sin() - sin_alpha)
            } else {
                full_turn - cap * (TAU - phi)
            }
        };
        let turn = |t: f64| {
            let offset = self.offset(t);
            (
                ((t - self.peak_second - offset) / DAY).round(),
                TAU * offset / DAY,
            )
        };
        let (turn_a, phase_a) = turn(a);
        let (turn_b, phase_b) = turn(b);
        DAY / TAU * ((turn_b - turn_a) * full_turn + g(phase_b) - g(phase_a))
    }

    /// ∫ over one whole day of min(curve, cap).
    fn day_integral(&self, cap: f64) -> f64 {
        if cap >= self.max() {
            self.mid * DAY
        } else {
            self.integral(self.peak_second, self.peak_second + DAY, cap)
        }
    }
}

/// The day (whole days since the start) that `t` falls in.
fn day_of(t: f64) -> f64 {
    let mut day = (t / DAY).floor();
    if day * DAY > t {
        day -= 1.0;
    } else if (day + 1.0) * DAY <= t {
        day += 1.0;
    }
    day
}

fn day_factor(days: &[f64; 7], day: f64) -> f64 {
    days[(day.rem_euclid(7.0) as usize).min(6)]
}

/// A day of a weekly profile: `factor * curve`.
fn weekly_side_after(curve: &Cosine, factor: f64, t: f64, level: f64) -> Side {
    if factor == 0.0 {
        return side_of(0.0, level).unwrap_or(Side::At);
    }
    side_of(factor * curve.at(t), level).unwrap_or_else(|| curve.trend_after(t))
}

fn weekly_side_before(curve: &Cosine, factor: f64, t: f64, level: f64) -> Side {
    if factor == 0.0 {
        return side_of(0.0, level).unwrap_or(Side::At);
    }
    side_of(factor * curve.at(t), level).unwrap_or_else(|| curve.trend_before(t))
}

/// ∫_a^b min(weekly, cap) dt for a ≤ b (`cap` ≥ 0, may be infinite).
fn weekly_integral(curve: &Cosine, days: &[f64; 7], a: f64, b: f64, cap: f64) -> f64 {
    let piece = |day: f64, from: f64, to: f64| {
        let factor = day_factor(days, day);
        if factor == 0.0 {
            0.0
        } else {
            factor * curve.integral(from, to, cap / factor)
        }
    };
    let whole_day = |day: f64| {
        let factor = day_factor(days, day);
        if factor == 0.0 {
            0.0
        } else {
            factor * curve.day_integral(cap / factor)
        }
    };
    let (first, last) = (day_of(a), day_of(b));
    if first == last {
        return piece(first, a, b);
    }
    let mut total = piece(first, a, (first + 1.0) * DAY) + piece(last, last * DAY, b);
    let between = last - first - 1.0;
    let weeks = (between / 7.0).floor();
    if weeks > 0.0 {
        total += weeks * (0..7).map(|d| whole_day(d as f64)).sum::<f64>();
    }
    let rest = (between - 7.0 * weeks) as usize;
    for j in 0..rest.min(7) {
        total += whole_day(first + 1.0 + j as f64);
    }
    total
}

/// A recorded rate in requests per second: `(time, rate)` points with the
/// first time 0 and times strictly increasing, interpolated linearly and
/// looped with the last point's time as the period (at each loop boundary
/// the rate jumps back to the first point's).
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    points: Arc<[(f64, f64)]>,
    /// ∫ from 0 to each point's time.
    cumulative: Arc<[f64]>,
    min: f64,
    max: f64,
}

impl Trace {
    /// Checks and stores the points: at least 2, the first time 0, times
    /// finite and strictly increasing, rates finite and ≥ 0.
    pub fn new(points: Vec<(f64, f64)>) -> Result<Trace, String> {
        if points.len() < 2 {
            return Err(format!(
                "has {} rows; a trace needs at least 2 (the last row's time is the loop period)",
                points.len()
            ));
        }
        if points[0].0 != 0.0 {
            return Err(format!(
                "starts at {}; the first time must be 0",
                points[0].0
            ));
        }
        for (i, pair) in points.windows(2).enumerate() {
            let ((before, _), (time, _)) = (pair[0], pair[1]);
            if !(time.is_finite() && time > before) {
                return Err(format!(
                    "time {time} at point {} is not after {before}; times must strictly increase",
                    i + 1
                ));
            }
        }
        if let Some((time, rate)) = points
            .iter()
            .find(|(_, rate)| !(rate.is_finite() && *rate >= 0.0))
        {
            return Err(format!(
                "rate {rate} at time {time}: use requests per second ≥ 0"
            ));
        }
        let mut cumulative = Vec::with_capacity(points.len());
        let mut sum = 0.0;
        cumulative.push(0.0);
        for pair in points.windows(2) {
            sum += (pair[1].0 - pair[0].0) * (pair[0].1 + pair[1].1) / 2.0;
            cumulative.push(sum);
        }
        let rates = points.iter().map(|p| p.1);
        Ok(Trace {
            min: rates.clone().fold(f64::INFINITY, f64::min),
            max: rates.fold(0.0, f64::max),
            points: points.into(),
            cumulative: cumulative.into(),
        })
    }

    /// The points, as given.
    pub fn points(&self) -> &[(f64, f64)] {
        &self.points
    }

    /// Seconds of one loop: the last point's time.
    pub fn period(&self) -> f64 {
        self.points[self.points.len() - 1].0
    }

    fn segments(&self) -> usize {
        self.points.len() - 1
    }

    /// The loop `t` is in, the seconds into it, and its segment.
    fn locate(&self, t: f64) -> (f64, f64, usize) {
        let period = self.period();
        let mut turn = (t / period).floor();
        let mut x = t - turn * period;
        if x < 0.0 {
            turn -= 1.0;
            x += period;
        }
        if x >= period {
            turn += 1.0;
            x -= period;
        }
        let x = x.max(0.0);
        let segment = self
            .points
            .partition_point(|&(time, _)| time <= x)
            .saturating_sub(1)
            .min(self.segments() - 1);
        (turn, x, segment)
    }

    /// The rate at `x` seconds into a loop, on `segment`.
    fn value(&self, segment: usize, x: f64) -> f64 {
        let ((t0, r0), (t1, r1)) = (self.points[segment], self.points[segment + 1]);
        r0 + (r1 - r0) * ((x - t0) / (t1 - t0))
    }

    fn at(&self, t: f64) -> f64 {
        let (_, x, segment) = self.locate(t);
        self.value(segment, x)
    }

    /// ∫ from the start of a loop to `x`, on `segment`.
    fn into_loop(&self, segment: usize, x: f64) -> f64 {
        let (t0, r0) = self.points[segment];
        self.cumulative[segment] + (x - t0) * (r0 + self.value(segment, x)) / 2.0
    }

    fn integral(&self, a: f64, b: f64) -> f64 {
        let (turn_a, xa, sa) = self.locate(a);
        let (turn_b, xb, sb) = self.locate(b);
        let per_loop = self.cumulative[self.segments()];
        (turn_b - turn_a) * per_loop + self.into_loop(sb, xb) - self.into_loop(sa, xa)
    }

    /// ∫ min(rate, cap) within one loop, from `xa` on segment `sa` to `xb`
    /// on segment `sb` (xa ≤ xb).
    fn capped_within(&self, sa: usize, xa: f64, sb: usize, xb: f64, cap: f64) -> f64 {
        let mut total = 0.0;
        for segment in sa..=sb {
            let (t0, _) = self.points[segment];
            let (t1, _) = self.points[segment + 1];
            let u = if segment == sa { xa } else { t0 };
            let v = if segment == sb { xb } else { t1 };
            if v <= u {
                continue;
            }
            let (p, q) = (self.value(segment, u), self.value(segment, v));
            total += if p <= cap && q <= cap {
                (v - u) * (p + q) / 2.0
            } else if p >= cap && q >= cap {
                (v - u) * cap
            } else {
                // One side is under the cap: split where the line meets it.
                let s = u + (cap - p) / (q - p) * (v - u);
                if p < cap {
                    (s - u) * (p + cap) / 2.0 + (v - s) * cap
                } else {
                    (s - u) * cap + (v - s) * (cap + q) / 2.0
                }
            };
        }
        total
    }

    fn integral_capped(&self, a: f64, b: f64, cap: f64) -> f64 {
        if cap >= self.max {
            return self.integral(a, b);
        }
        if cap <= self.min {
            return cap * (b - a);
        }
        let (turn_a, xa, sa) = self.locate(a);
        let (turn_b, xb, sb) = self.locate(b);
        if turn_a == turn_b {
            return self.capped_within(sa, xa, sb, xb, cap);
        }
        let last = self.segments() - 1;
        let period = self.period();
        let mut total =
            self.capped_within(sa, xa, last, period, cap) + self.capped_within(0, 0.0, sb, xb, cap);
        let whole = turn_b - turn_a - 1.0;
        if whole > 0.0 {
            total += whole * self.capped_within(0, 0.0, last, period, cap);
        }
        total
    }

    fn next_crossing(&self, t: f64, level: f64) -> Option<f64> {
        let (turn, x, start) = self.locate(t);
        let segments = self.segments();
        let period = self.period();
        // Where the rate is just after the start of `segment` (v0 to v1).
        let after = |v0: f64, v1: f64| {
            side_of(v0, level).unwrap_or_else(|| side_of(v1, v0).unwrap_or(Side::At))
        };
        let before = |v0: f64, v1: f64| {
            side_of(v1, level).unwrap_or_else(|| side_of(v0, v1).unwrap_or(Side::At))
        };
        // One whole loop from t's segment on, back into t's segment.
        for step in 0..=segments {
            let segment = (start + step) % segments;
            let loop_start = (turn + ((start + step) / segments) as f64) * period;
            let ((t0, v0), (t1, v1)) = (self.points[segment], self.points[segment + 1]);
            if (v0 < level && level < v1) || (v1 < level && level < v0) {
                let s = t0 + (level - v0) / (v1 - v0) * (t1 - t0);
                if step > 0 || s > x {
                    return Some(loop_start + s);
                }
            }
            let (next0, next1, at) = if segment + 1 < segments {
                (v1, self.points[segment + 2].1, loop_start + t1)
            } else {
                (self.points[0].1, self.points[1].1, loop_start + period)
            };
            if before(v0, v1) != after(next0, next1) {
                return Some(at);
            }
        }
        None
    }
}

impl Load {
    /// Requests per second offered at `t` seconds.
    pub fn at(&self, t: f64) -> f64 {
        match self {
            Load::Constant(rate) => *rate,
            Load::Diurnal { .. } => self.curve().at(t),
            Load::Weekly { days, .. } => day_factor(days, day_of(t)) * self.curve().at(t),
            Load::Trace(trace) => trace.at(t),
        }
    }

    /// The daily cosine of a diurnal or weekly profile.
    fn curve(&self) -> Cosine {
        match *self {
            Load::Diurnal {
                mid,
                amplitude,
                peak_second,
            }
            | Load::Weekly {
                mid,
                amplitude,
                peak_second,
                ..
            } => Cosine {
                mid,
                // A negative swing is the same curve peaking half a day later.
                amplitude: amplitude.abs(),
                peak_second: if amplitude < 0.0 {
                    peak_second + DAY / 2.0
                } else {
                    peak_second
                },
            },
            Load::Constant(rate) => Cosine {
                mid: rate,
                amplitude: 0.0,
                peak_second: 0.0,
            },
            Load::Trace(_) => Cosine {
                mid: 0.0,
                amplitude: 0.0,
                peak_second: 0.0,
            },
        }
    }

    /// The first time strictly after `t` (seconds) at which the load crosses
    /// `level`, if it ever does: where it passes from at or below the level
    /// to above it, or from at or above to below (through it or by a jump at
    /// midnight or a trace's loop boundary), or leaves or reaches a stretch
    /// exactly at the level. Touching the level and turning back is not a
    /// crossing. Exact per piece; at most a week (weekly) or one loop
    /// (trace) is searched, since the profile repeats.
    pub fn next_crossing(&self, t: f64, level: f64) -> Option<f64> {
        match self {
            Load::Constant(_) => None,
            Load::Diurnal { .. } => self.curve().root_after(t, level),
            Load::Weekly { days, .. } => {
                let curve = self.curve();
                let first = day_of(t);
                // Eight days: the rest of t's day and a whole week after it.
                for j in 0..8 {
                    let day = first + j as f64;
                    let end = (day + 1.0) * DAY;
                    let factor = day_factor(days, day);
                    if factor > 0.0 {
                        let from = if j == 0 { t } else { day * DAY };
                        if let Some(root) = curve.root_after(from, level / factor)
                            && root < end
                        {
                            return Some(root);
                        }
                    }
                    let next = day_factor(days, day + 1.0);
                    if weekly_side_before(&curve, factor, end, level)
                        != weekly_side_after(&curve, next, end, level)
                    {
                        return Some(end);
                    }
                }
                None
            }
            Load::Trace(trace) => trace.next_crossing(t, level),
        }
    }

    /// ∫_a^b load dt (requests), exact. Negative when b < a.
    pub fn integral(&self, a: f64, b: f64) -> f64 {
        if b < a {
            return -self.integral(b, a);
        }
        if !(b > a) {
            return 0.0;
        }
        match self {
            Load::Constant(rate) => rate * (b - a),
            Load::Diurnal { .. } => self.curve().integral(a, b, f64::INFINITY),
            Load::Weekly { days, .. } => weekly_integral(&self.curve(), days, a, b, f64::INFINITY),
            Load::Trace(trace) => trace.integral(a, b),
        }
    }

    /// ∫_a^b min(load, cap) dt (requests), exact: the requests that
    /// `cap` requests per second can serve. `cap` is meant to be ≥ 0; a
    /// negative (or NaN) cap counts as 0. Negative when b < a.
    pub fn integral_capped(&self, a: f64, b: f64, cap: f64) -> f64 {
        if b < a {
            return -self.integral_capped(b, a, cap);
        }
        if !(b > a) {
            return 0.0;
        }
        let cap = if cap > 0.0 { cap } else { 0.0 };
        match self {
            Load::Constant(rate) => rate.min(cap) * (b - a),
            Load::Diurnal { .. } => self.curve().integral(a, b, cap),
            Load::Weekly { days, .. } => weekly_integral(&self.curve(), days, a, b, cap),
            Load::Trace(trace) => trace.integral_capped(a, b, cap),
        }
    }
}

/// Why a trace CSV cannot be used: the 1-based line (0 for the whole
/// file) and what is wrong.
pub type TraceProblem = (usize, String);

/// A time cell: seconds (`90`, `1.5`) or a duration with a unit (`90s`).
fn trace_time(cell: &str) -> Option<f64> {
    match cell.parse::<f64>() {
        Ok(seconds) => Some(seconds),
        Err(_) => cell
            .parse::<SimDuration>()
            .ok()
            .map(SimDuration::as_secs_f64),
    }
}

/// Reads a trace CSV: `time,rate` rows, the time in seconds or as a
/// duration with a unit (`90s`, `15m`, `2h`), the rate in requests per
/// second. A first row whose first cell is not a time is a header and
/// skipped; blank lines are skipped. Every problem is returned, by line.
pub fn parse_trace_csv(text: &str) -> Result<Trace, Vec<TraceProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut points: Vec<(f64, f64)> = Vec::new();
    let mut problems: Vec<TraceProblem> = Vec::new();
    let mut first_row = true;
    // The last good time and its line, for the ordering check.
    let mut previous: Option<(f64, usize)> = None;
    let unquote = |cell: &str| {
        let cell = cell.trim();
        cell.strip_prefix('"')
            .and_then(|c| c.strip_suffix('"'))
            .unwrap_or(cell)
            .trim()
            .to_string()
    };
    for (index, line) in text.lines().enumerate() {
        let row = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<String> = line.split(',').map(unquote).collect();
        let header = first_row && trace_time(&cells[0]).is_none();
        first_row = false;
        if header {
            continue;
        }
        if cells.len() != 2 {
            problems.push((
                row,
                format!(
                    "expected 2 cells `time,rate`, found {}: `{}`",
                    cells.len(),
                    line.trim()
                ),
            ));
            continue;
        }
        let time = match trace_time(&cells[0]) {
            Some(t) if t.is_finite() => Some(t),
            _ => {
                problems.push((
                    row,
                    format!(
                        "`{}` is not a time; write seconds (90) or a duration with a unit (90s, 15m, 2h)",
                        cells[0]
                    ),
                ));
                None
            }
        };
        let rate = match cells[1].parse::<f64>() {
            Ok(r) if r.is_finite() && r >= 0.0 => Some(r),
            Ok(r) if r < 0.0 => {
                problems.push((
                    row,
                    format!("rate {r} is negative; requests per second must be 0 or more"),
                ));
                None
            }
            _ => {
                problems.push((
                    row,
                    format!(
                        "`{}` is not a rate; write requests per second as a number ≥ 0, e.g. 250",
                        cells[1]
                    ),
                ));
                None
            }
        };
        if let Some(time) = time {
            match previous {
                None if time != 0.0 => problems.push((
                    row,
                    format!("the first time is {time}s; a trace starts at 0"),
                )),
                Some((before, before_row)) if time <= before => problems.push((
                    row,
                    format!(
                        "time {time}s is not after {before}s (line {before_row}); times must strictly increase"
                    ),
                )),
                _ => {}
            }
            previous = Some((time, row));
            if let Some(rate) = rate {
                points.push((time, rate));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if points.len() < 2 {
        return Err(vec![(
            0,
            format!(
                "has {} data rows; a trace needs at least 2 `time,rate` rows (the last row's time is the loop period)",
                points.len()
            ),
        )]);
    }
    Trace::new(points).map_err(|message| vec![(0, message)])
}

/// A PodDisruptionBudget.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPdb {
    /// Pods that must stay available (percentages round up).
    pub min_available: Option<IntOrPercent>,
    /// Pods that may be unavailable (percentages round down).
    pub max_unavailable: Option<IntOrPercent>,
}

/// A whole number or a percentage, as Kubernetes writes `IntOrString`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum IntOrPercent {
    /// A count of pods.
    Int(u64),
    /// A share of the replicas, in percent.
    Percent(f64),
}

impl<'de> Deserialize<'de> for IntOrPercent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IntOrPercent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number of pods or a percentage such as 50%")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrPercent, E> {
                Ok(IntOrPercent::Int(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrPercent, E> {
                u64::try_from(v)
                    .map(IntOrPercent::Int)
                    .map_err(|_| E::custom("a pod count cannot be negative"))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<IntOrPercent, E> {
                let bad = || {
                    E::custom(format!(
                        "`{text}`: write a whole number or a percentage such as 50%"
                    ))
                };
                match text.trim().strip_suffix('%') {
                    Some(p) => p
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|p| (0.0..=100.0).contains(p))
                        .map(IntOrPercent::Percent)
                        .ok_or_else(bad),
                    None => text
                        .trim()
                        .parse::<u64>()
                        .map(IntOrPercent::Int)
                        .map_err(|_| bad()),
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Workload kinds.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawWorkloadKind {
    /// A Deployment (ReplicaSet): replacements as soon as a pod is deleted.
    Deployment,
    /// A StatefulSet: at most one pod per identity.
    #[serde(alias = "stateful-set")]
    Statefulset,
}

/// A topology spread constraint.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpread {
    /// `zone` or `hostname`.
    pub topology: RawTopologyKey,
    /// `maxSkew` (default 1).
    pub max_skew: Option<u64>,
    /// `do-not-schedule` (default) or `schedule-anyway`.
    pub when_unsatisfiable: Option<RawWhenUnsatisfiable>,
}

/// Topology keys.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawTopologyKey {
    /// `topology.kubernetes.io/zone`.
    Zone,
    /// `kubernetes.io/hostname`.
    Hostname,
}

/// `whenUnsatisfiable`.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawWhenUnsatisfiable {
    /// Leave the pod Pending.
    DoNotSchedule,
    /// Prefer, but schedule anyway.
    ScheduleAnyway,
}

/// Anti-affinity strength.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RawAntiAffinity {
    /// At most one pod of the workload per node.
    Required,
    /// Prefer different nodes.
    Preferred,
}

/// The rule that makes a workload up.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum RawUpRule {
    /// At least k ready replicas.
    MinReady(u64),
    /// A majority of the replicas ready.
    Quorum,
}

/// Node lifecycle timers, validated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeLifecycle {
    /// How often the controller checks heartbeats.
    pub monitor_period: SimDuration,
    /// Silence after which a node is marked NotReady/Unknown.
    pub grace_period: SimDuration,
    /// Kubelet lease renew interval.
    pub lease_renew_interval: SimDuration,
    /// Taints per second per healthy zone.
    pub eviction_rate: f64,
    /// Taints per second in a partially disrupted zone.
    pub secondary_eviction_rate: f64,
    /// Zone size at or below which the secondary rate is 0.
    pub large_cluster_size_threshold: usize,
    /// Share of NotReady nodes making a zone partially disrupted.
    pub unhealthy_zone_threshold: f64,
}

impl Default for NodeLifecycle {
    /// The real defaults (k8s-facts §2.1, §2.2; grace period as of v1.32).
    fn default() -> Self {
        NodeLifecycle {
            monitor_period: SimDuration::from_secs(5),
            grace_period: SimDuration::from_secs(50),
            lease_renew_interval: SimDuration::from_secs(10),
            eviction_rate: 0.1,
            secondary_eviction_rate: 0.01,
            large_cluster_size_threshold: 50,
            unhealthy_zone_threshold: 0.55,
        }
    }
}

/// Pod resources in millicores and bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Resources {
    /// CPU, millicores.
    pub cpu_millis: u64,
    /// Memory, bytes.
    pub memory_bytes: u64,
}

impl Resources {
    /// From the raw form.
    pub fn from_raw(raw: &RawResources) -> Self {
        Resources {
            cpu_millis: raw.cpu.0,
            memory_bytes: raw.memory.0,
        }
    }
}

/// Workload kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkloadKind {
    /// A Deployment.
    Deployment,
    /// A StatefulSet.
    StatefulSet,
}

/// A spread constraint, validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spread {
    /// Spread over zones (true) or nodes (false).
    pub by_zone: bool,
    /// Allowed difference between the fullest and emptiest domain.
    pub max_skew: usize,
    /// Whether violating it leaves the pod Pending.
    pub hard: bool,
}

/// A workload, validated.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Name.
    pub name: String,
    /// Deployment or StatefulSet.
    pub kind: WorkloadKind,
    /// Desired replicas.
    pub replicas: usize,
    /// Requests of each pod.
    pub requests: Resources,
    /// Index of the worker group the pods must run on.
    pub node_group: Option<usize>,
    /// Topology spread.
    pub spread: Option<Spread>,
    /// Hostname anti-affinity: `Some(true)` required, `Some(false)` preferred.
    pub anti_affinity: Option<bool>,
    /// Not-ready/unreachable toleration.
    pub toleration: SimDuration,
    /// Start-up time of a pod.
    pub startup: Distribution,
    /// Ready replicas needed for the workload to be up.
    pub min_ready: usize,
    /// PodDisruptionBudget as the number of pods that must stay available
    /// during voluntary evictions (drains); `None` without a budget.
    pub pdb_min_available: Option<usize>,
    /// Readiness and liveness probes.
    pub probes: Probes,
    /// Rollouts: extra pods allowed above `replicas`.
    pub max_surge: usize,
    /// Rollouts: pods allowed to be unavailable.
    pub max_unavailable: usize,
    /// Pod-level failure modes.
    pub pod_failures: Vec<PodFailure>,
    /// Requests per second one ready pod serves, with the offered load and
    /// the share that must be served, when a load is given.
    pub load: Option<(f64, Load, f64)>,
    /// Random load spikes on top of the load (only with `load`).
    pub spikes: Option<Spikes>,
    /// Replicas set by an autoscaler between its bounds.
    pub autoscaling: Option<super::autoscaling::Autoscaling>,
}
