//! Numbers for people: measured values, targets and confidence levels as
//! the verdicts and every view print them.

use crate::report::units::{duration, percent};
use crate::scenario::Metric;

/// A value of a metric for people.
pub fn format_value(metric: Metric, x: f64) -> String {
    if x.is_nan() {
        return "-".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    match metric {
        Metric::Availability => percent(x),
        Metric::Nines => format!("{x:.2}"),
        Metric::DowntimePerYear | Metric::Mttf | Metric::Mttr | Metric::Mtbf => duration(x),
        Metric::OutagesPerYear | Metric::DataLossEventsPerYear => significant(x),
    }
}

/// A target for people, close to how it was written.
pub(super) fn format_target(metric: Metric, x: f64) -> String {
    match metric {
        Metric::Availability => format!("{}%", trim_float(x * 100.0, 8)),
        Metric::Nines | Metric::OutagesPerYear | Metric::DataLossEventsPerYear => trim_float(x, 8),
        _ => duration(x),
    }
}

/// Three significant digits, no exponent for ordinary rates; rare ones
/// (below 1e-4) in scientific notation, never rounded to `0.000`.
pub(super) fn significant(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    if x.abs() < 1e-4 {
        return format!("{x:.2e}");
    }
    let digits = (2 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    format!("{x:.digits$}")
}

/// A p-value: three significant digits, `1.2e-7` below 0.001, `1` when
/// capped.
pub(super) fn p_text(p: f64) -> String {
    if p.is_nan() {
        "-".into()
    } else if p >= 1.0 {
        "1".into()
    } else if p == 0.0 || p >= 1e-3 {
        significant(p)
    } else {
        format!("{p:.1e}")
    }
}

/// `x` with at most `decimals` decimals and no trailing zeros.
pub(super) fn trim_float(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A confidence level for people, e.g. `95%`.
pub(super) fn level_text(confidence: f64) -> String {
    format!("{}%", trim_float(confidence * 100.0, 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(significant(0.01234), "0.0123");
        assert_eq!(significant(2.5), "2.50");
        assert_eq!(significant(123.4), "123");
        assert_eq!(significant(2.45e-6), "2.45e-6");
        assert_eq!(significant(0.0001), "0.000100");
        assert_eq!(format_target(Metric::Availability, 0.9995), "99.95%");
        assert_eq!(trim_float(4.0, 8), "4");
        assert_eq!(p_text(0.0412), "0.0412");
        assert_eq!(p_text(3.14e-5), "3.1e-5");
        assert_eq!(p_text(1.0), "1");
    }
}
