//! Tick positions and labels shared by the charts: the nines scale
//! labelled in percent, and log time axes labelled in human units.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// A numeric axis, linear or logarithmic, whose ticks are chosen here
/// rather than by plotters (which cannot place ticks at 99 %, 99.9 %, … or
/// at 1s, 1m, 1h).
pub(super) struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
    ticks: Vec<f64>,
}

impl Axis {
    /// A linear axis over `lo..hi` with ticks at `ticks`.
    pub(super) fn linear(lo: f64, hi: f64, ticks: Vec<f64>) -> Axis {
        Axis {
            lo,
            hi,
            log: false,
            ticks,
        }
    }

    /// A log axis over `lo..hi` (both positive) with ticks at `ticks`.
    pub(super) fn log(lo: f64, hi: f64, ticks: Vec<f64>) -> Axis {
        Axis {
            lo,
            hi,
            log: true,
            ticks,
        }
    }

    fn scale(&self, value: f64) -> f64 {
        if self.log { value.log10() } else { value }
    }

    /// Where `value` sits along the axis: 0 at `lo`, 1 at `hi`.
    fn share(&self, value: f64) -> f64 {
        let (lo, hi) = (self.scale(self.lo), self.scale(self.hi));
        (self.scale(value) - lo) / (hi - lo)
    }

    /// The tick positions, in order.
    pub(super) fn ticks(&self) -> &[f64] {
        &self.ticks
    }

    /// The axis with only the ticks whose labels fit side by side along
    /// `length_px` pixels: every tick when they fit, otherwise every
    /// second, third, … (starting at a whole number where one is ticked,
    /// so that 99.9 % stays rather than 99.95 %). `widths_px` gives each
    /// tick's label width, in tick order.
    pub(super) fn thinned(mut self, length_px: f64, widths_px: &[f64]) -> Axis {
        const GAP_PX: f64 = 16.0;
        let n = self.ticks.len();
        let at: Vec<f64> = self
            .ticks
            .iter()
            .map(|&t| self.share(t) * length_px)
            .collect();
        let width = |i: usize| widths_px.get(i).copied().unwrap_or(0.0);
        let whole = self.ticks.iter().position(|t| t.fract().abs() < 1e-9);
        for stride in 1..n.max(1) {
            let offset = whole.map_or(0, |w| w % stride);
            let kept: Vec<usize> = (offset..n).step_by(stride).collect();
            let fits = kept
                .windows(2)
                .all(|p| at[p[1]] - at[p[0]] >= (width(p[0]) + width(p[1])) / 2.0 + GAP_PX);
            if fits {
                self.ticks = kept.into_iter().map(|i| self.ticks[i]).collect();
                return self;
            }
        }
        // Not even two fit: keep one.
        self.ticks.truncate(1);
        self
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let (lo, hi) = (self.scale(self.lo), self.scale(self.hi));
        let share = (self.scale(*value) - lo) / (hi - lo);
        // Far-off values (an arrow past the top) stay near the canvas.
        let share = if share.is_finite() {
            share.clamp(-1.0, 2.0)
        } else {
            0.0
        };
        limit.0 + (share * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// log10(2): the nines of "half a nine" (99.5 % is 2 + log10(2) nines).
const HALF_NINE: f64 = std::f64::consts::LOG10_2;

/// The y range of a nines axis holding every value in `values` (non-finite
/// ones ignored), with a margin so that nothing sits on the frame, at
/// least one nine tall, and never below 0 nines.
pub(super) fn nines_range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return (0.0, 3.0);
    }
    // Beyond twelve nines the chart would say nothing a table does not.
    let hi = hi.min(lo + 12.0);
    let pad = ((hi - lo) * 0.1).max(0.2);
    let (mut lo, mut hi) = (lo - pad, hi + pad);
    if hi - lo < 1.0 {
        let grow = (1.0 - (hi - lo)) / 2.0;
        lo -= grow;
        hi += grow;
    }
    if lo < 0.0 {
        hi -= lo;
        lo = 0.0;
    }
    (lo, hi)
}

/// Ticks of a nines axis over `lo..=hi`: every whole nine, and the halves
/// (95 %, 99.5 %, …) when the axis spans three nines or fewer.
pub(super) fn nines_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let halves = hi - lo <= 3.0 + 1e-9;
    let mut ticks = Vec::new();
    let mut n = lo.floor();
    while n <= hi + 1e-9 {
        if n >= lo - 1e-9 {
            ticks.push(n);
        }
        if halves && n + HALF_NINE >= lo && n + HALF_NINE <= hi {
            ticks.push(n + HALF_NINE);
        }
        n += 1.0;
    }
    ticks
}

/// A nines value as the availability it stands for: 2 → `99%`,
/// 3 → `99.9%`, 2 + log10(2) → `99.5%`, 0 → `0%`.
pub(super) fn nines_label(nines: f64) -> String {
    let availability = 1.0 - 10f64.powf(-nines);
    let decimals = (nines - 2.0 - 1e-6).ceil().max(0.0) as usize;
    format!("{:.*}%", decimals, availability * 100.0)
}

/// Round durations for a log time axis, seconds, with their labels.
const DURATION_TICKS: [(f64, &str); 13] = [
    (0.001, "1ms"),
    (0.01, "10ms"),
    (0.1, "100ms"),
    (1.0, "1s"),
    (10.0, "10s"),
    (60.0, "1m"),
    (600.0, "10m"),
    (3_600.0, "1h"),
    (6.0 * 3_600.0, "6h"),
    (86_400.0, "1d"),
    (7.0 * 86_400.0, "1w"),
    (30.0 * 86_400.0, "30d"),
    (365.0 * 86_400.0, "1y"),
];

/// The range of a log time axis covering `min..=max` seconds (both
/// positive): from the round duration at or below `min` to the one at or
/// above `max`, and never a single point.
pub(super) fn duration_range(min: f64, max: f64) -> (f64, f64) {
    let first = DURATION_TICKS[0].0;
    let last = DURATION_TICKS[DURATION_TICKS.len() - 1].0;
    let lo = DURATION_TICKS
        .iter()
        .rev()
        .map(|t| t.0)
        .find(|&t| t <= min)
        .unwrap_or(min.min(first));
    let hi = DURATION_TICKS
        .iter()
        .map(|t| t.0)
        .find(|&t| t >= max)
        .unwrap_or(max.max(last));
    if hi > lo {
        (lo, hi)
    } else {
        let next = DURATION_TICKS.iter().map(|t| t.0).find(|&t| t > lo);
        (lo, next.unwrap_or(lo * 10.0))
    }
}

/// The round durations within `lo..=hi` seconds.
pub(super) fn duration_ticks(lo: f64, hi: f64) -> Vec<f64> {
    DURATION_TICKS
        .iter()
        .map(|t| t.0)
        .filter(|&t| t >= lo * (1.0 - 1e-9) && t <= hi * (1.0 + 1e-9))
        .collect()
}

/// The label of a round duration (`1s`, `10m`, `1h`); other values fall
/// back to seconds.
pub(super) fn duration_label(secs: f64) -> String {
    DURATION_TICKS
        .iter()
        .find(|t| (t.0 - secs).abs() <= t.0 * 1e-9)
        .map_or_else(|| format!("{secs}s"), |t| t.1.to_string())
}

/// Ticks for a linear axis over `lo..=hi`: the values themselves when
/// there are at most twelve distinct ones (a sweep's grid), otherwise round
/// numbers 1, 2 or 5 × 10^k apart.
pub(super) fn linear_ticks(values: &[f64], lo: f64, hi: f64) -> Vec<f64> {
    let mut distinct: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if !distinct.is_empty() && distinct.len() <= 12 {
        return distinct;
    }
    let span = hi - lo;
    if span.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) || !span.is_finite() {
        return vec![lo];
    }
    let base = 10f64.powf((span / 6.0).log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * base)
        .find(|step| span / step <= 8.0)
        .unwrap_or(10.0 * base);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// A number as short as it can be written: `3`, `0.5`, `1.25`, `1e-6`.
pub(super) fn number_label(value: f64) -> String {
    if value != 0.0 && (value.abs() >= 1e6 || value.abs() < 1e-3) {
        return format!("{value:e}");
    }
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nines_read_as_percentages() {
        assert_eq!(nines_label(0.0), "0%");
        assert_eq!(nines_label(1.0), "90%");
        assert_eq!(nines_label(2.0), "99%");
        assert_eq!(nines_label(3.0), "99.9%");
        assert_eq!(nines_label(6.0), "99.9999%");
        assert_eq!(nines_label(1.0 + HALF_NINE), "95%");
        assert_eq!(nines_label(2.0 + HALF_NINE), "99.5%");
        assert_eq!(nines_label(4.0 + HALF_NINE), "99.995%");
    }

    #[test]
    fn nines_axis_has_room_around_the_values() {
        let (lo, hi) = nines_range([5.2, 5.9]);
        assert!(lo < 5.2 && 5.9 < hi && hi - lo >= 1.0, "{lo}..{hi}");
        let (lo, hi) = nines_range([4.0, 4.0]);
        assert!(
            (lo - 3.5).abs() < 1e-9 && (hi - 4.5).abs() < 1e-9,
            "{lo}..{hi}"
        );
        assert_eq!(nines_range([f64::NAN, 0.1, f64::INFINITY]), (0.0, 1.0));
        assert_eq!(nines_range([]), (0.0, 3.0));
        assert_eq!(nines_ticks(3.5, 4.5), [4.0, 4.0 + HALF_NINE]);
        assert_eq!(nines_ticks(0.0, 8.0).len(), 9);
        assert_eq!(nines_ticks(5.0, 7.0).len(), 5);
    }

    #[test]
    fn durations_get_round_ticks() {
        assert_eq!(duration_range(7.0, 57.5), (1.0, 60.0));
        assert_eq!(duration_range(10.0, 10.0), (10.0, 60.0));
        let (lo, hi) = duration_range(2.0, 5_000.0);
        let labels: Vec<String> = duration_ticks(lo, hi)
            .into_iter()
            .map(duration_label)
            .collect();
        assert_eq!(labels, ["1s", "10s", "1m", "10m", "1h", "6h"]);
    }

    #[test]
    fn linear_ticks_are_the_grid_or_round() {
        assert_eq!(
            linear_ticks(&[5.0, 1.0, 3.0, 3.0], 0.0, 6.0),
            [1.0, 3.0, 5.0]
        );
        let many: Vec<f64> = (0..50).map(f64::from).collect();
        assert_eq!(
            linear_ticks(&many, 0.0, 49.0),
            [0.0, 10.0, 20.0, 30.0, 40.0]
        );
    }

    #[test]
    fn crowded_ticks_are_thinned() {
        let ticks: Vec<f64> = (0..=10).map(f64::from).collect();
        let axis = Axis::linear(0.0, 10.0, ticks.clone()).thinned(1000.0, &[50.0; 11]);
        assert_eq!(axis.ticks(), ticks.as_slice());
        // 100 px apart, 150 px wide labels: every second one.
        let axis = Axis::linear(0.0, 10.0, ticks).thinned(1000.0, &[150.0; 11]);
        assert_eq!(axis.ticks(), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        // Halves go first.
        let halves = nines_ticks(2.0, 5.0);
        let axis = Axis::linear(2.0, 5.0, halves).thinned(300.0, &[70.0; 7]);
        assert_eq!(axis.ticks(), [2.0, 3.0, 4.0, 5.0]);
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(number_label(3.0), "3");
        assert_eq!(number_label(0.5), "0.5");
        assert_eq!(number_label(1.25), "1.25");
        assert_eq!(number_label(-0.0), "0");
        assert_eq!(number_label(2e-6), "2e-6");
    }
}
