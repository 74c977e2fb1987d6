//! Offered load over time: the demand profiles a workload's `load` names
//! (constant, diurnal, weekly, a recorded trace), with their exact values,
//! integrals and level crossings. The model evaluates these on every event,
//! so crossings are solved in closed form (or per trace segment), never by
//! stepping through time.
//!
//! A leaf like `dist`: imports nothing of the crate but `engine` time units.

use std::sync::Arc;
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
    fn since_loop_start(&self, segment: usize, x: f64) -> f64 {
        let (t0, r0) = self.points[segment];
        self.cumulative[segment] + (x - t0) * (r0 + self.value(segment, x)) / 2.0
    }

    fn integral(&self, a: f64, b: f64) -> f64 {
        let (turn_a, xa, sa) = self.locate(a);
        let (turn_b, xb, sb) = self.locate(b);
        let per_loop = self.cumulative[self.segments()];
        (turn_b - turn_a) * per_loop + self.since_loop_start(sb, xb) - self.since_loop_start(sa, xa)
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

    /// Whether the load is above `level` just after `t` (on (t, t + ε) for
    /// a small ε): the side a crossing at `t` leads to. A rate within a
    /// relative 1e-12 of the level counts as at it (so rounding of a
    /// crossing time does not matter), and then the direction the load
    /// moves in decides. Compare with [`Load::at`], which at the exact time
    /// of a crossing gives the level itself.
    pub fn above_after(&self, t: f64, level: f64) -> bool {
        let value = self.at(t);
        let slack = 1e-12 * level.abs();
        if value > level + slack {
            return true;
        }
        if value < level - slack {
            return false;
        }
        match self {
            Load::Constant(_) => false,
            Load::Diurnal { .. } => self.curve().trend_after(t) == Side::Above,
            Load::Weekly { days, .. } => {
                day_factor(days, day_of(t)) > 0.0 && self.curve().trend_after(t) == Side::Above
            }
            Load::Trace(trace) => {
                let (_, _, segment) = trace.locate(t);
                trace.points[segment + 1].1 > trace.points[segment].1
            }
        }
    }

    /// ∫_a^b load dt (requests), exact. Negative when b < a.
    pub fn integral(&self, a: f64, b: f64) -> f64 {
        if b < a {
            return -self.integral(b, a);
        }
        if b == a || a.is_nan() || b.is_nan() {
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
        if b == a || a.is_nan() || b.is_nan() {
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

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: f64 = 3600.0;

    fn diurnal(peak: f64, trough: f64, peak_hour: f64) -> Load {
        Load::Diurnal {
            mid: (peak + trough) / 2.0,
            amplitude: (peak - trough) / 2.0,
            peak_second: peak_hour * HOUR,
        }
    }

    fn weekly(days: [f64; 7]) -> Load {
        Load::Weekly {
            mid: 250.0,
            amplitude: 150.0,
            peak_second: 14.0 * HOUR,
            days,
        }
    }

    /// 0 → 100, 10 s → 300, flat to 20 s, down to 50 at 30 s, up to 200 at
    /// 40 s (the period), then back to 100.
    fn trace() -> Load {
        Load::Trace(
            Trace::new(vec![
                (0.0, 100.0),
                (10.0, 300.0),
                (20.0, 300.0),
                (30.0, 50.0),
                (40.0, 200.0),
            ])
            .unwrap(),
        )
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// Midpoint rule with 200 000 steps; its error is at most about
    /// step x (largest rate) per jump, plus O(step²) on smooth pieces.
    fn check_integrals(load: &Load, a: f64, b: f64, jumps: f64) {
        const STEPS: usize = 200_000;
        let h = (b - a) / STEPS as f64;
        let mut biggest: f64 = 0.0;
        let mut caps = vec![0.0, f64::INFINITY];
        let mut plain = 0.0;
        for i in 0..STEPS {
            let v = load.at(a + (i as f64 + 0.5) * h);
            biggest = biggest.max(v.abs());
            plain += v * h;
        }
        for share in [0.1, 0.3, 0.5, 0.7, 0.9, 0.999] {
            caps.push(share * biggest);
        }
        let tol = |exact: f64| h * biggest * (jumps + 2.0) + 1e-9 * exact.abs();
        let exact = load.integral(a, b);
        assert!(
            close(exact, plain, tol(exact)),
            "{load:?} ∫[{a}, {b}]: exact {exact}, numeric {plain}"
        );
        assert!(close(load.integral(b, a), -exact, 1e-9 * exact.abs()));
        for cap in caps {
            let numeric: f64 = (0..STEPS)
                .map(|i| load.at(a + (i as f64 + 0.5) * h).min(cap) * h)
                .sum();
            let exact = load.integral_capped(a, b, cap);
            assert!(
                close(exact, numeric, tol(exact)),
                "{load:?} ∫[{a}, {b}] min(·, {cap}): exact {exact}, numeric {numeric}"
            );
        }
        // Additivity at an arbitrary split point.
        let c = a + 0.37 * (b - a);
        for cap in [0.5 * biggest, f64::INFINITY] {
            let whole = load.integral_capped(a, b, cap);
            let parts = load.integral_capped(a, c, cap) + load.integral_capped(c, b, cap);
            assert!(close(whole, parts, 1e-9 * whole.abs().max(1.0)));
        }
    }

    /// The first grid point after `t` where the load is on the other side
    /// of `level` than at `t`, and the grid point before it.
    fn scan(load: &Load, t: f64, level: f64, horizon: f64, step: f64) -> Option<(f64, f64)> {
        let above = |s: f64| load.at(s) > level;
        let start = above(t);
        let mut previous = t;
        let steps = (horizon / step).ceil() as usize;
        for i in 1..=steps {
            let s = t + i as f64 * step;
            if above(s) != start {
                return Some((previous, s));
            }
            previous = s;
        }
        None
    }

    /// `next_crossing` against a scan, and that the load really changes
    /// side there (for levels no piece sits at).
    fn check_crossings(load: &Load, times: &[f64], levels: &[f64], horizon: f64, step: f64) {
        for &t in times {
            for &level in levels {
                let exact = load.next_crossing(t, level);
                match scan(load, t, level, horizon, step) {
                    Some((before, after)) => {
                        let x = exact.unwrap_or_else(|| {
                            panic!("{load:?}: no crossing of {level} after {t}, scan saw one by {after}")
                        });
                        assert!(
                            x > t && x > before - 1e-6 && x <= after + 1e-6,
                            "{load:?}: crossing of {level} after {t} at {x}, scan: ({before}, {after}]"
                        );
                        let d = 1e-6 * x.abs().max(1.0);
                        assert_ne!(
                            load.at(x - d) > level,
                            load.at(x + d) > level,
                            "{load:?}: no change of side at {x} ({level})"
                        );
                    }
                    None => assert!(
                        exact.is_none_or(|x| x > t + horizon - step),
                        "{load:?}: crossing of {level} after {t} at {exact:?}, scan saw none"
                    ),
                }
            }
        }
    }

    #[test]
    fn constant_load() {
        let load = Load::Constant(300.0);
        assert_eq!(load.at(12345.0), 300.0);
        assert_eq!(load.next_crossing(0.0, 200.0), None);
        assert_eq!(load.next_crossing(0.0, 300.0), None);
        assert_eq!(load.integral(10.0, 20.0), 3000.0);
        assert_eq!(load.integral_capped(10.0, 20.0, 250.0), 2500.0);
        assert_eq!(load.integral_capped(10.0, 20.0, 400.0), 3000.0);
        assert_eq!(load.integral_capped(10.0, 20.0, -5.0), 0.0);
        assert_eq!(load.integral(20.0, 10.0), -3000.0);
    }

    #[test]
    fn diurnal_values_and_crossings() {
        let load = diurnal(400.0, 100.0, 14.0);
        assert!(close(load.at(14.0 * HOUR), 400.0, 1e-9));
        assert!(close(load.at(2.0 * HOUR), 100.0, 1e-9));
        assert!(close(load.at(5.0 * DAY + 14.0 * HOUR), 400.0, 1e-9));
        // 250 + 150 cos θ = 300 at θ = ±acos(1/3).
        let x = (1.0f64 / 3.0).acos() / TAU * DAY;
        let up = load.next_crossing(0.0, 300.0).unwrap();
        assert!(close(up, 14.0 * HOUR - x, 1e-6), "{up}");
        let down = load.next_crossing(up, 300.0).unwrap();
        assert!(close(down, 14.0 * HOUR + x, 1e-6), "{down}");
        let again = load.next_crossing(down, 300.0).unwrap();
        assert!(close(again, up + DAY, 1e-6), "{again}");
        // The peak and the trough are touched, not crossed.
        assert_eq!(load.next_crossing(0.0, 400.0), None);
        assert_eq!(load.next_crossing(0.0, 100.0), None);
        assert_eq!(load.next_crossing(0.0, 500.0), None);
        check_crossings(
            &load,
            &[
                0.0,
                3.0 * HOUR,
                14.0 * HOUR,
                50_000.0,
                3.0 * DAY + 100.0,
                1e7 + 0.25,
            ],
            &[50.0, 101.0, 150.0, 250.0, 333.3, 399.0, 450.0],
            1.5 * DAY,
            2.0,
        );
    }

    #[test]
    fn diurnal_integrals() {
        let load = diurnal(400.0, 100.0, 14.0);
        assert!(close(load.integral(0.0, DAY), 250.0 * DAY, 1e-6));
        assert!(close(
            load.integral(123.0, 123.0 + 10.0 * DAY),
            2500.0 * DAY,
            1e-4
        ));
        check_integrals(&load, 1000.0, 1000.0 + 3.0 * DAY, 0.0);
        check_integrals(&load, 10.0 * HOUR, 16.0 * HOUR, 0.0);
        check_integrals(&load, 1e7, 1e7 + 0.4 * DAY, 0.0);
        // Capped over whole days: the closed form per day, times days.
        let one = load.integral_capped(0.0, DAY, 300.0);
        let many = load.integral_capped(0.0, 400.0 * DAY, 300.0);
        assert!(close(many, 400.0 * one, 1e-9 * many));
    }

    #[test]
    fn weekly_jumps_at_midnight() {
        let days = [1.0, 1.0, 0.5, 0.0, 2.0, 1.0, 0.8];
        let load = weekly(days);
        let curve = diurnal(400.0, 100.0, 14.0);
        for t in [
            0.0,
            14.0 * HOUR,
            2.0 * DAY + 3.0,
            4.0 * DAY + 14.0 * HOUR,
            9.0 * DAY + 1.0,
        ] {
            let factor = days[((t / DAY).floor() as usize) % 7];
            assert!(close(load.at(t), factor * curve.at(t), 1e-9));
        }
        // At midnight the new day's factor applies.
        let m = 2.0 * DAY;
        assert!(close(load.at(m), 0.5 * curve.at(m), 1e-9));
        assert!(close(load.at(m - 1e-6), curve.at(m), 1e-3));
        // A level between the two sides is crossed exactly at midnight.
        let level = 0.75 * curve.at(m);
        assert_eq!(load.next_crossing(m - 60.0, level), Some(m));
        // Day 3 is all zero: at level 0 the load reaches it at midnight and
        // leaves it at the next midnight.
        assert_eq!(load.next_crossing(2.5 * DAY, 0.0), Some(3.0 * DAY));
        assert_eq!(load.next_crossing(3.0 * DAY, 0.0), Some(4.0 * DAY));
        // Going back up from zero crosses a positive level at midnight.
        assert_eq!(load.next_crossing(3.2 * DAY, 50.0), Some(4.0 * DAY));
        // The week repeats.
        let first = load.next_crossing(100.0, 333.0).unwrap();
        let later = load.next_crossing(100.0 + 7.0 * DAY, 333.0).unwrap();
        assert!(close(later - first, 7.0 * DAY, 1e-6));
        // Nothing reaches 900 (peak 400 x 2 = 800).
        assert_eq!(load.next_crossing(0.0, 900.0), None);
        check_crossings(
            &load,
            &[
                0.0,
                1.9 * DAY,
                2.0 * DAY,
                3.5 * DAY,
                6.99 * DAY,
                50.0 * DAY + 7.0,
            ],
            &[30.0, 101.0, 160.0, 260.0, 333.0, 399.0, 700.0, 799.0],
            8.5 * DAY,
            5.0,
        );
    }

    #[test]
    fn weekly_integrals() {
        let days = [1.0, 1.0, 0.5, 0.0, 2.0, 1.0, 0.8];
        let load = weekly(days);
        let week: f64 = days.iter().map(|d| d * 250.0 * DAY).sum();
        assert!(close(load.integral(0.0, 7.0 * DAY), week, 1e-6));
        assert!(close(load.integral(0.0, 70.0 * DAY), 10.0 * week, 1e-4));
        check_integrals(&load, 1000.0, 1000.0 + 3.0 * DAY, 4.0);
        check_integrals(&load, 0.5 * DAY, 0.5 * DAY + 17.0 * DAY, 18.0);
        check_integrals(&load, 3.0 * DAY + 100.0, 3.0 * DAY + 200.0, 0.0);
        // Many weeks take the whole-week shortcut.
        let span = 52.0 * 7.0 * DAY;
        let capped = load.integral_capped(0.0, span, 300.0);
        let one = load.integral_capped(0.0, 7.0 * DAY, 300.0);
        assert!(close(capped, 52.0 * one, 1e-9 * capped));
        let odd = load.integral_capped(1234.5, 1234.5 + span + 3.3 * DAY, 300.0);
        let parts = load.integral_capped(1234.5, 1234.5 + 3.3 * DAY, 300.0)
            + load.integral_capped(1234.5 + 3.3 * DAY, 1234.5 + span + 3.3 * DAY, 300.0);
        assert!(close(odd, parts, 1e-9 * odd));
    }

    #[test]
    fn trace_interpolates_and_loops() {
        let load = trace();
        assert_eq!(load.at(0.0), 100.0);
        assert_eq!(load.at(5.0), 200.0);
        assert_eq!(load.at(15.0), 300.0);
        assert_eq!(load.at(25.0), 175.0);
        assert!(close(load.at(39.999), 199.985, 1e-9));
        // At the loop boundary the rate jumps back to the first row's.
        assert_eq!(load.at(40.0), 100.0);
        assert_eq!(load.at(45.0), 200.0);
        assert_eq!(load.at(4e6 + 25.0), 175.0);
        let Load::Trace(t) = &load else {
            unreachable!()
        };
        assert_eq!(t.period(), 40.0);
        assert_eq!(t.points().len(), 5);
    }

    #[test]
    fn trace_crossings() {
        let load = trace();
        // Through 200 on the way up at 5 s and down at 24 s; reaching 200
        // at the end of the loop and jumping back to 100 is no crossing.
        assert_eq!(load.next_crossing(0.0, 200.0), Some(5.0));
        assert_eq!(load.next_crossing(5.0, 200.0), Some(24.0));
        assert_eq!(load.next_crossing(24.0, 200.0), Some(45.0));
        // A stretch exactly at the level: reached at 10 s, left at 20 s.
        assert_eq!(load.next_crossing(0.0, 300.0), Some(10.0));
        assert_eq!(load.next_crossing(10.0, 300.0), Some(20.0));
        assert_eq!(load.next_crossing(20.0, 300.0), Some(50.0));
        // The loop boundary jumps from 200 down to 100 across 150.
        // (Through 150 on the way up at 36.67 s first.)
        assert!(close(
            load.next_crossing(35.0, 150.0).unwrap(),
            110.0 / 3.0,
            1e-12
        ));
        assert_eq!(load.next_crossing(37.0, 150.0), Some(40.0));
        assert_eq!(load.next_crossing(4e6 + 37.0, 150.0), Some(4e6 + 40.0));
        assert_eq!(load.next_crossing(0.0, 301.0), None);
        assert_eq!(load.next_crossing(0.0, 10.0), None);
        let times: Vec<f64> = [0.0, 3.0, 10.0, 19.5, 33.3, 39.9, 81.3, 1e6 + 7.7].to_vec();
        check_crossings(
            &load,
            &times,
            &[60.0, 99.0, 120.0, 150.0, 199.0, 250.0, 299.0, 350.0],
            45.0,
            0.001,
        );
    }

    #[test]
    fn the_side_after_a_crossing() {
        let load = trace();
        // At 5 s the rate is exactly 200 on its way up; at 24 s on its way
        // down; from 10 s to 20 s it stays at 300.
        assert!(load.above_after(5.0, 200.0));
        assert!(!load.above_after(24.0, 200.0));
        assert!(!load.above_after(10.0, 300.0));
        assert!(!load.above_after(15.0, 300.0));
        assert!(load.above_after(45.0, 200.0));
        assert!(!load.above_after(40.0, 150.0));
        let daily = diurnal(400.0, 100.0, 14.0);
        let up = daily.next_crossing(0.0, 300.0).unwrap();
        let down = daily.next_crossing(up, 300.0).unwrap();
        assert!(daily.above_after(up, 300.0));
        assert!(!daily.above_after(down, 300.0));
        assert!(!daily.above_after(14.0 * HOUR, 400.0));
        assert!(daily.above_after(2.0 * HOUR, 100.0));
        assert!(!Load::Constant(5.0).above_after(1.0, 5.0));
        let week = weekly([1.0, 1.0, 0.5, 0.0, 2.0, 1.0, 0.8]);
        assert!(!week.above_after(3.5 * DAY, 0.0));
        assert!(week.above_after(4.0 * DAY, 0.0));
        // Agrees with the load a moment later, away from crossings.
        for load in [trace(), daily, week] {
            for i in 0..2000 {
                let t = i as f64 * 433.7;
                for level in [60.0, 150.0, 250.0, 333.0] {
                    if (load.at(t) - level).abs() < 1e-6 {
                        continue; // too close to call by sampling
                    }
                    assert_eq!(
                        load.above_after(t, level),
                        load.at(t + 1e-6) > level,
                        "{t} {level}"
                    );
                }
            }
        }
    }

    #[test]
    fn trace_integrals() {
        let load = trace();
        // One loop: 2000 + 3000 + 1750 + 1250.
        assert_eq!(load.integral(0.0, 40.0), 8000.0);
        assert_eq!(load.integral(0.0, 400.0), 80_000.0);
        assert_eq!(load.integral(5.0, 15.0), 2750.0);
        // Capped at 200: (750 + 1000) + 2000 + (4 x 200 + 6 x 125) + 1250.
        assert_eq!(load.integral_capped(0.0, 40.0, 200.0), 6550.0);
        assert_eq!(load.integral_capped(0.0, 4000.0, 200.0), 655_000.0);
        check_integrals(&load, 3.0, 3.0 + 1000.0, 26.0);
        check_integrals(&load, 12.0, 37.0, 0.0);
        check_integrals(&load, 1e6 + 33.0, 1e6 + 150.0, 4.0);
        let far = load.integral_capped(7.5, 7.5 + 1e6, 180.0);
        let parts = load.integral_capped(7.5, 7.5 + 5e5, 180.0)
            + load.integral_capped(7.5 + 5e5, 7.5 + 1e6, 180.0);
        assert!(close(far, parts, 1e-9 * far));
    }
}
