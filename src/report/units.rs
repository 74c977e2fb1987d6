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

#[cfg(test)]
mod tests {
    use super::*;

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
}
