//! Human formatting: percentages, nines, durations in seconds.

/// Seconds as a short human duration: `850ms`, `12.5s`, `17m 30s`,
/// `4h 10m`, `3d 4h`, `2.1y`.
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "-".into();
    }
    let pair = |a: f64, ua: &str, b: f64, ub: &str| {
        if b == 0.0 {
            format!("{a}{ua}")
        } else {
            format!("{a}{ua} {b}{ub}")
        }
    };
    if secs < 1.0 {
        format!("{:.0}ms", secs * 1_000.0)
    } else if secs < 60.0 {
        format!("{:.1}s", secs)
    } else if secs < 3_600.0 {
        let total = secs.round();
        pair((total / 60.0).floor(), "m", total % 60.0, "s")
    } else if secs < 86_400.0 {
        let total = (secs / 60.0).round();
        pair((total / 60.0).floor(), "h", total % 60.0, "m")
    } else if secs < 365.0 * 86_400.0 {
        let total = (secs / 3_600.0).round();
        pair((total / 24.0).floor(), "d", total % 24.0, "h")
    } else {
        format!("{:.1}y", secs / (365.0 * 86_400.0))
    }
}

/// Decimals that show an availability's nines plus two significant digits.
fn percent_digits(fraction: f64) -> usize {
    let unavailable = 1.0 - fraction;
    if unavailable > 0.0 {
        ((-unavailable.log10()).ceil() as usize + 1).clamp(2, 8)
    } else {
        4
    }
}

/// An availability as a percentage with enough digits to show its nines.
pub fn percent(fraction: f64) -> String {
    format!("{:.*}%", percent_digits(fraction), fraction * 100.0)
}

/// `99.9812% ± 0.0021%`: point and half-width in percentage points, with
/// the same decimals.
pub fn percent_with_margin(fraction: f64, half_width: f64) -> String {
    let digits = percent_digits(fraction);
    format!(
        "{:.*}% ± {:.*}%",
        digits,
        fraction * 100.0,
        digits,
        half_width * 100.0
    )
}

/// Decimals that show about three significant digits of `x`; `None` for
/// magnitudes better written in scientific notation.
fn number_digits(x: f64) -> Option<usize> {
    let a = x.abs();
    if a == 0.0 {
        return Some(0);
    }
    if !(1e-4..1e5).contains(&a) {
        return None;
    }
    Some((2 - a.log10().floor() as i64).clamp(0, 5) as usize)
}

/// A count or rate with about three significant digits: `0.0123`, `4.56`,
/// `78.9`, `1234`, `1.23e6`; `-` when not finite.
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    match number_digits(x) {
        Some(d) => format!("{x:.d$}"),
        None => format!("{x:.2e}"),
    }
}

/// A count: whole numbers without decimals (`10`), weighted counts of
/// split replications as a [`number`].
pub fn count(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        number(x)
    }
}

/// `4.56 ± 0.12`: a [`number`] and its half-width at the same precision;
/// the margin is left out when it is not finite.
pub fn number_with_margin(x: f64, half_width: f64) -> String {
    if !x.is_finite() || !half_width.is_finite() {
        return number(x);
    }
    match number_digits(x) {
        Some(d) => format!("{x:.d$} ± {half_width:.d$}"),
        None => format!("{x:.2e} ± {half_width:.2e}"),
    }
}

/// A relative precision (e.g. a target) as a percentage with up to three significant
/// digits: `20%`, `5%`, `0.01%`.
pub fn target_percent(target: f64) -> String {
    let percent = target * 100.0;
    let decimals = (2 - percent.abs().log10().floor() as i64).clamp(0, 6) as usize;
    let text = format!("{percent:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_as_short_percentages() {
        assert_eq!(target_percent(0.2), "20%");
        assert_eq!(target_percent(0.05), "5%");
        assert_eq!(target_percent(0.125), "12.5%");
        assert_eq!(target_percent(0.0001), "0.01%");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0.25), "250ms");
        assert_eq!(duration(12.34), "12.3s");
        assert_eq!(duration(1_050.0), "17m 30s");
        assert_eq!(duration(3_600.0 * 4.0 + 600.0), "4h 10m");
        assert_eq!(duration(86_400.0 * 3.0 + 3_600.0 * 4.0), "3d 4h");
        assert_eq!(duration(f64::INFINITY), "-");
    }

    #[test]
    fn percentages_show_the_nines() {
        assert_eq!(percent(0.999), "99.9000%");
        assert_eq!(percent(0.99995), "99.995000%");
        assert_eq!(percent(0.5), "50.00%");
        assert_eq!(percent(1.0), "100.0000%");
        assert_eq!(percent_with_margin(0.9998, 0.00005), "99.98000% ± 0.00500%");
    }

    #[test]
    fn numbers_keep_three_significant_digits() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(0.012345), "0.0123");
        assert_eq!(number(4.567), "4.57");
        assert_eq!(number(78.94), "78.9");
        assert_eq!(number(1234.4), "1234");
        assert_eq!(number(1_234_567.0), "1.23e6");
        assert_eq!(number(f64::NAN), "-");
        assert_eq!(number_with_margin(4.567, 0.1234), "4.57 ± 0.12");
        assert_eq!(number_with_margin(4.567, f64::INFINITY), "4.57");
    }
}
