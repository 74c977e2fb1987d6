//! Quantities as Kubernetes writes them: CPU (`2`, `500m`), memory
//! (`512Mi`, `16Gi`) and an integer or a percentage (`IntOrString`, e.g.
//! `1` or `25%`), each parsed while the file is read so a bad one is
//! reported at its place.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

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
