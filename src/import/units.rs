//! Units as Kubernetes writes them (Go durations such as `1m30s`, whole
//! seconds, CPU and memory quantities) turned into the scenario format's
//! notation (`90s`, `200m`, `512Mi`).

use serde::Deserialize;
use serde::de::IntoDeserializer;
use serde::de::value::{Error as ValueError, StrDeserializer};

use crate::scenario::quantity::{Cpu, Memory};

/// Parses a Go duration (`time.ParseDuration`: `300ms`, `1.5h`, `2h45m`)
/// into microseconds; `None` when it is not one or is negative.
pub fn parse_go_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    if text == "0" {
        return Some(0);
    }
    let text = text.strip_prefix('+').unwrap_or(text);
    if text.is_empty() || text.starts_with('-') {
        return None;
    }
    let mut total = 0.0_f64;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            return None;
        }
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let micros = match &rest[..unit_len] {
            "ns" => 0.001,
            "us" | "µs" | "μs" => 1.0,
            "ms" => 1_000.0,
            "s" => 1_000_000.0,
            "m" => 60_000_000.0,
            "h" => 3_600_000_000.0,
            _ => return None,
        };
        total += number * micros;
        rest = &rest[unit_len..];
    }
    total.is_finite().then(|| total.round() as u64)
}

/// Microseconds in the scenario format's notation, exactly, in the largest
/// unit that divides them (`90s`, `5m`, `250ms`, `0`).
pub fn format_duration(micros: u64) -> String {
    if micros == 0 {
        return "0s".into();
    }
    const UNITS: [(u64, &str); 6] = [
        (86_400_000_000, "d"),
        (3_600_000_000, "h"),
        (60_000_000, "m"),
        (1_000_000, "s"),
        (1_000, "ms"),
        (1, "us"),
    ];
    for (size, unit) in UNITS {
        if micros.is_multiple_of(size) {
            return format!("{}{unit}", micros / size);
        }
    }
    format!("{micros}us")
}

/// Whole seconds as a duration.
pub fn seconds(secs: u64) -> String {
    format_duration(secs.saturating_mul(1_000_000))
}

/// A CPU quantity in millicores, with the scenario format's parser (the
/// same rules as for a scenario file).
pub fn parse_cpu(text: &str) -> Result<u64, String> {
    let de: StrDeserializer<'_, ValueError> = text.into_deserializer();
    Cpu::deserialize(de).map(|c| c.0).map_err(|e| e.to_string())
}

/// A memory quantity in bytes, with the scenario format's parser.
pub fn parse_memory(text: &str) -> Result<u64, String> {
    let de: StrDeserializer<'_, ValueError> = text.into_deserializer();
    Memory::deserialize(de)
        .map(|m| m.0)
        .map_err(|e| e.to_string())
}

/// Millicores as a quantity: whole cores when exact (`2`), else `1500m`.
pub fn format_cpu(millis: u64) -> String {
    if millis.is_multiple_of(1000) {
        format!("{}", millis / 1000)
    } else {
        format!("{millis}m")
    }
}

/// Bytes as a quantity: the largest power-of-1024 suffix that divides them
/// (`16Gi`, `512Mi`), else bytes.
pub fn format_memory(bytes: u64) -> String {
    if bytes == 0 {
        return "0".into();
    }
    for (size, suffix) in [
        (1u64 << 40, "Ti"),
        (1 << 30, "Gi"),
        (1 << 20, "Mi"),
        (1 << 10, "Ki"),
    ] {
        if bytes.is_multiple_of(size) {
            return format!("{}{suffix}", bytes / size);
        }
    }
    bytes.to_string()
}

/// `v1.31.2` or `1.31` as (major, minor); `None` for `stable`, `latest` or
/// anything else.
pub fn kubernetes_minor(version: &str) -> Option<(u64, u64)> {
    let text = version.trim().trim_start_matches('v');
    let mut parts = text.split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_become_exact_scenario_durations() {
        assert_eq!(parse_go_duration("1m30s"), Some(90_000_000));
        assert_eq!(parse_go_duration("2h45m"), Some(9_900_000_000));
        assert_eq!(parse_go_duration("500ms"), Some(500_000));
        assert_eq!(parse_go_duration("1.5h"), Some(5_400_000_000));
        assert_eq!(parse_go_duration("0"), Some(0));
        assert_eq!(parse_go_duration("15"), None);
        assert_eq!(parse_go_duration("-1s"), None);
        assert_eq!(parse_go_duration("10x"), None);
        assert_eq!(format_duration(90_000_000), "90s");
        assert_eq!(format_duration(300_000_000), "5m");
        assert_eq!(format_duration(250_000), "250ms");
        assert_eq!(format_duration(0), "0s");
    }

    #[test]
    fn quantities_round_trip_through_the_scenario_parsers() {
        assert_eq!(parse_cpu("200m"), Ok(200));
        assert_eq!(parse_cpu("1.5"), Ok(1500));
        assert!(parse_cpu("lots").is_err());
        assert_eq!(parse_memory("512Mi"), Ok(512 << 20));
        assert_eq!(format_cpu(1500), "1500m");
        assert_eq!(format_cpu(4000), "4");
        assert_eq!(format_memory(16 << 30), "16Gi");
        assert_eq!(format_memory(1_000_000), "1000000");
        assert_eq!(kubernetes_minor("v1.31.2"), Some((1, 31)));
        assert_eq!(kubernetes_minor("stable"), None);
    }
}
