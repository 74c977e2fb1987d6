//! Integer simulation time: microseconds in newtypes.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};
use std::str::FromStr;

/// An instant of simulated time, in microseconds since the start of a
/// replication. `u64` microseconds cover about 584,000 years.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

/// A span of simulated time, in microseconds.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(u64);

const MICROS_PER_SECOND: u64 = 1_000_000;
/// A year is 365 days here, as in availability budgets ("downtime per year").
const SECONDS_PER_YEAR: u64 = 365 * 86_400;

impl SimTime {
    /// The start of every replication.
    pub const ZERO: SimTime = SimTime(0);
    /// The latest representable instant; used as "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// An instant from raw microseconds.
    pub const fn from_micros(micros: u64) -> Self {
        SimTime(micros)
    }
    /// Raw microseconds since the start.
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    /// Seconds since the start, as a float (for statistics only).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SECOND as f64
    }
    /// The span from `earlier` to `self`; zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }

    /// The first tick at or after `self` on the grid `phase + k × period`
    /// (k ≥ 0), the way a periodic controller loop fires; `self` itself
    /// for a zero period.
    pub fn grid_at_or_after(self, phase: SimDuration, period: SimDuration) -> SimTime {
        let (t, phase, step) = (self.0, phase.0, period.0);
        if step == 0 {
            return self;
        }
        if t <= phase {
            return SimTime(phase);
        }
        SimTime(phase + (t - phase).div_ceil(step) * step)
    }

    /// The last tick at or before `self` on the grid `phase + k × period`,
    /// or time zero before the first tick; `self` for a zero period.
    pub fn grid_at_or_before(self, phase: SimDuration, period: SimDuration) -> SimTime {
        let (t, phase, step) = (self.0, phase.0, period.0);
        if step == 0 {
            return self;
        }
        if t < phase {
            return SimTime::ZERO;
        }
        SimTime(phase + (t - phase) / step * step)
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);
    /// The longest representable span.
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    /// A span from raw microseconds.
    pub const fn from_micros(micros: u64) -> Self {
        SimDuration(micros)
    }
    /// A span from milliseconds.
    pub const fn from_millis(millis: u64) -> Self {
        SimDuration(millis * 1_000)
    }
    /// A span from whole seconds.
    pub const fn from_secs(secs: u64) -> Self {
        SimDuration(secs * MICROS_PER_SECOND)
    }
    /// A span from seconds as a float: rounded to the nearest microsecond,
    /// saturating at the ends. This is the one place where sampled real-valued
    /// times become integer simulation time.
    pub fn from_secs_f64(secs: f64) -> Self {
        if secs.is_nan() || secs <= 0.0 {
            return SimDuration::ZERO;
        }
        let micros = (secs * MICROS_PER_SECOND as f64).round();
        if micros >= u64::MAX as f64 {
            SimDuration::MAX
        } else {
            SimDuration(micros as u64)
        }
    }
    /// Raw microseconds.
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    /// Seconds as a float.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SECOND as f64
    }
    /// `self * factor`, saturating.
    pub const fn saturating_mul(self, factor: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(factor))
    }
    /// `self - other`, zero if `other` is longer.
    pub const fn saturating_sub(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(other.0))
    }
    /// Whether the span is empty.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    /// Saturates at [`SimTime::MAX`], which the queue treats as "never".
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, rhs: SimDuration) {
        *self = *self + rhs;
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    /// Panics if `rhs` is later than `self`: time never runs backwards.
    fn sub(self, rhs: SimTime) -> SimDuration {
        SimDuration(
            self.0
                .checked_sub(rhs.0)
                .expect("SimTime subtraction went negative"),
        )
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for SimDuration {
    fn add_assign(&mut self, rhs: SimDuration) {
        *self = *self + rhs;
    }
}

/// Units accepted in durations, longest suffix first so `ms` wins over `m`.
const UNITS: &[(&str, u64)] = &[
    ("us", 1),
    ("ms", 1_000),
    ("s", MICROS_PER_SECOND),
    ("m", 60 * MICROS_PER_SECOND),
    ("h", 3_600 * MICROS_PER_SECOND),
    ("d", 86_400 * MICROS_PER_SECOND),
    ("w", 7 * 86_400 * MICROS_PER_SECOND),
    ("y", SECONDS_PER_YEAR * MICROS_PER_SECOND),
];

/// Why a duration string could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDurationError(String);

impl fmt::Display for ParseDurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseDurationError {}

impl FromStr for SimDuration {
    type Err = ParseDurationError;

    /// Reads `<number><unit>`, e.g. `100ms`, `1.5s`, `15m`, `4h`, `30d`, `2w`,
    /// `1y` (365 days). `0` alone is accepted. The number may be fractional.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text == "0" {
            return Ok(SimDuration::ZERO);
        }
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let unit = unit.trim();
        let expected = "expected a number and a unit: us, ms, s, m, h, d, w or y (e.g. 100ms, 15s, 4h, 30d, 1y)";
        let Some(&(_, micros)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(ParseDurationError(if unit.is_empty() {
                format!("`{text}` has no unit; {expected}")
            } else {
                format!("`{unit}` is not a time unit; {expected}")
            }));
        };
        let value: f64 = number
            .parse()
            .map_err(|_| ParseDurationError(format!("`{text}`: {expected}")))?;
        let total = value * micros as f64;
        if !total.is_finite() || total >= u64::MAX as f64 {
            return Err(ParseDurationError(format!("`{text}` is too long")));
        }
        Ok(SimDuration(total.round() as u64))
    }
}

impl fmt::Display for SimDuration {
    /// The most readable exact-enough form: `850ms`, `12.5s`, `17m 30s`,
    /// `4h 10m`, `3d 4h`, `2.10y`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0;
        let secs = self.as_secs_f64();
        if us == 0 {
            write!(f, "0s")
        } else if us < 1_000 {
            write!(f, "{us}us")
        } else if us < MICROS_PER_SECOND {
            write!(f, "{}ms", trim_float(us as f64 / 1_000.0, 1))
        } else if secs < 60.0 {
            write!(f, "{}s", trim_float(secs, 2))
        } else if secs < 3_600.0 {
            let s = (secs % 60.0).round() as u64;
            let m = (secs / 60.0).floor() as u64 + s / 60;
            write_pair(f, m, "m", s % 60, "s")
        } else if secs < 86_400.0 {
            let total_m = (secs / 60.0).round() as u64;
            write_pair(f, total_m / 60, "h", total_m % 60, "m")
        } else if secs < SECONDS_PER_YEAR as f64 {
            let total_h = (secs / 3_600.0).round() as u64;
            write_pair(f, total_h / 24, "d", total_h % 24, "h")
        } else {
            write!(f, "{:.2}y", secs / SECONDS_PER_YEAR as f64)
        }
    }
}

fn write_pair(f: &mut fmt::Formatter<'_>, a: u64, ua: &str, b: u64, ub: &str) -> fmt::Result {
    if b == 0 {
        write!(f, "{a}{ua}")
    } else {
        write!(f, "{a}{ua} {b}{ub}")
    }
}

fn trim_float(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit() {
        let cases = [
            ("250us", 250),
            ("100ms", 100_000),
            ("1.5s", 1_500_000),
            ("15s", 15_000_000),
            ("10m", 600_000_000),
            ("4h", 4 * 3_600_000_000),
            ("30d", 30 * 86_400_000_000),
            ("2w", 14 * 86_400_000_000),
            ("1y", 365 * 86_400_000_000),
            ("0", 0),
            (" 2 h ", 7_200_000_000),
        ];
        for (text, micros) in cases {
            assert_eq!(
                text.parse::<SimDuration>().unwrap().as_micros(),
                micros,
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_missing_or_unknown_units() {
        assert!(
            "15".parse::<SimDuration>()
                .unwrap_err()
                .0
                .contains("no unit")
        );
        assert!(
            "15 sec"
                .parse::<SimDuration>()
                .unwrap_err()
                .0
                .contains("not a time unit")
        );
        assert!("-3s".parse::<SimDuration>().is_err());
        assert!("1e30y".parse::<SimDuration>().is_err());
        assert!("s".parse::<SimDuration>().is_err());
    }

    #[test]
    fn displays_readably() {
        let show = |s: &str| s.parse::<SimDuration>().unwrap().to_string();
        assert_eq!(show("850ms"), "850ms");
        assert_eq!(show("12.5s"), "12.5s");
        assert_eq!(show("1050s"), "17m 30s");
        assert_eq!(show("250m"), "4h 10m");
        assert_eq!(show("76h"), "3d 4h");
        assert_eq!(show("1y"), "1.00y");
        assert_eq!(SimDuration::ZERO.to_string(), "0s");
    }

    #[test]
    fn float_conversion_rounds_and_saturates() {
        assert_eq!(SimDuration::from_secs_f64(1.0000004).as_micros(), 1_000_000);
        assert_eq!(SimDuration::from_secs_f64(-1.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(1e300), SimDuration::MAX);
        assert_eq!(SimTime::from_micros(5) + SimDuration::MAX, SimTime::MAX);
    }
}
