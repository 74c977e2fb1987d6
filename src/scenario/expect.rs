//! The `expect:` block: targets a scenario must meet, one string each, e.g.
//!
//! ```yaml
//! expect:
//!   - api.write.availability >= 99.95%
//!   - workload.web.ready.mttr <= 10m
//!   - etcd.quorum.nines >= 4
//!   - api.write.outages_per_year <= 2
//!   - controllers.downtime_per_year <= 5m
//!   - data_loss.events_per_year <= 0.01
//! ```
//!
//! The grammar is `SLI.METRIC OP VALUE`: the metric is the last dotted
//! segment, so SLI names may contain dots; `OP` is `>=`, `<=`, `>` or `<`.
//! Units depend on the metric: availability is a percentage (`99.95%`) or a
//! fraction (`0.9995`); nines and rates are plain numbers (rates may end in
//! `/y`); durations carry a time unit (`10m`, `4h`, `30d`).
//!
//! Syntax, metric and unit are checked here, with the entry's location.
//! Whether the SLI exists is checked against the report when the targets
//! are evaluated (`nines check`), because some SLIs (workloads) exist only
//! once the model is built.

use std::fmt;

use serde_saphyr::Spanned;

use super::Problem;
use crate::engine::SimDuration;

/// The subject of data-loss targets (`data_loss.events_per_year`).
pub const DATA_LOSS: &str = "data_loss";

/// One parsed target.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    /// The entry as written (trimmed), for reports.
    pub text: String,
    /// Position in the `expect:` list, for `expect[i]` in messages.
    pub index: usize,
    /// 1-based line of the entry in the file (0 when unknown).
    pub line: u64,
    /// 1-based column of the entry in the file (0 when unknown).
    pub column: u64,
    /// The SLI name (`api.write`, `workload.web.ready`), or [`DATA_LOSS`].
    pub sli: String,
    /// What is measured.
    pub metric: Metric,
    /// How the measurement must compare with the target.
    pub comparison: Comparison,
    /// The target in the metric's canonical unit: a fraction for
    /// availability, nines, seconds for durations (downtime per year too),
    /// events per year for rates.
    pub target: f64,
}

/// What an expectation measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Availability, a fraction.
    Availability,
    /// -log10(1 - availability).
    Nines,
    /// Downtime per year, seconds.
    DowntimePerYear,
    /// Outages per year.
    OutagesPerYear,
    /// Mean time to first failure from a healthy start, seconds.
    Mttf,
    /// Mean outage duration, seconds.
    Mttr,
    /// Mean time between outage starts, seconds.
    Mtbf,
    /// etcd disasters (majority of disks lost) per year.
    DataLossEventsPerYear,
}

/// The metrics an SLI target may name, in the order they are suggested.
pub const SLI_METRICS: [Metric; 7] = [
    Metric::Availability,
    Metric::Nines,
    Metric::DowntimePerYear,
    Metric::OutagesPerYear,
    Metric::Mttf,
    Metric::Mttr,
    Metric::Mtbf,
];

impl Metric {
    /// The name written in a target.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Availability => "availability",
            Metric::Nines => "nines",
            Metric::DowntimePerYear => "downtime_per_year",
            Metric::OutagesPerYear => "outages_per_year",
            Metric::Mttf => "mttf",
            Metric::Mttr => "mttr",
            Metric::Mtbf => "mtbf",
            Metric::DataLossEventsPerYear => "events_per_year",
        }
    }
}

/// `>=`, `<=`, `>` or `<`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// `>=`
    AtLeast,
    /// `<=`
    AtMost,
    /// `>`
    Above,
    /// `<`
    Below,
}

impl Comparison {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => ">=",
            Comparison::AtMost => "<=",
            Comparison::Above => ">",
            Comparison::Below => "<",
        }
    }

    /// Whether larger values are better (`>=`, `>`).
    pub fn wants_high(self) -> bool {
        matches!(self, Comparison::AtLeast | Comparison::Above)
    }

    /// Whether `value` meets `target`.
    pub fn holds(self, value: f64, target: f64) -> bool {
        match self {
            Comparison::AtLeast => value >= target,
            Comparison::AtMost => value <= target,
            Comparison::Above => value > target,
            Comparison::Below => value < target,
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses every entry; problems are located at the entry and named
/// `expect[i]`.
pub(super) fn parse_all(raw: &[Spanned<String>], file: &str) -> (Vec<Expectation>, Vec<Problem>) {
    let mut expectations = Vec::new();
    let mut problems = Vec::new();
    for (index, entry) in raw.iter().enumerate() {
        let (line, column) = (entry.referenced.line(), entry.referenced.column());
        match parse(&entry.value) {
            Ok((sli, metric, comparison, target)) => expectations.push(Expectation {
                text: entry.value.trim().to_string(),
                index,
                line,
                column,
                sli,
                metric,
                comparison,
                target,
            }),
            Err(message) => problems.push(Problem {
                file: file.to_string(),
                line,
                column,
                field: format!("expect[{index}]"),
                message,
            }),
        }
    }
    (expectations, problems)
}

const FORM: &str = "write `SLI.METRIC OP VALUE`, e.g. `api.write.availability >= 99.95%`";

/// Parses `SLI.METRIC OP VALUE` into its parts, the target in canonical
/// units; the error says what is wrong and what would be valid.
pub fn parse(text: &str) -> Result<(String, Metric, Comparison, f64), String> {
    let text = text.trim();
    let Some(at) = text.find(['<', '>', '=', '!']) else {
        return Err(format!("no comparison in `{text}`; {FORM}"));
    };
    let (lhs, rest) = text.split_at(at);
    let (comparison, rhs) = if let Some(r) = rest.strip_prefix(">=") {
        (Comparison::AtLeast, r)
    } else if let Some(r) = rest.strip_prefix("<=") {
        (Comparison::AtMost, r)
    } else if rest.starts_with("=>") || rest.starts_with("=<") {
        return Err(format!(
            "write `{}` instead",
            rest[..2].chars().rev().collect::<String>()
        ));
    } else if let Some(r) = rest.strip_prefix('>') {
        (Comparison::Above, r)
    } else if let Some(r) = rest.strip_prefix('<') {
        (Comparison::Below, r)
    } else {
        return Err(format!(
            "unsupported comparison in `{text}`; use >=, <=, > or < (a simulated estimate is never exactly equal to a target)"
        ));
    };
    if rhs.contains(['<', '>', '=']) {
        return Err(format!("more than one comparison in `{text}`; {FORM}"));
    }
    let lhs = lhs.trim();
    let Some((sli, metric_name)) = lhs.rsplit_once('.') else {
        return Err(if lhs.is_empty() {
            format!("nothing before `{}`; {FORM}", comparison.symbol())
        } else {
            format!("`{lhs}` names no SLI; write `SLI.{lhs}`, e.g. `api.write.{lhs}`")
        });
    };
    check_sli_name(sli)?;
    let metric = if sli == DATA_LOSS {
        match metric_name {
            "events_per_year" => Metric::DataLossEventsPerYear,
            other => {
                return Err(format!(
                    "unknown data_loss metric `{other}`; use events_per_year"
                ));
            }
        }
    } else {
        SLI_METRICS
            .into_iter()
            .find(|m| m.name() == metric_name)
            .ok_or_else(|| {
                let names: Vec<&str> = SLI_METRICS.iter().map(|m| m.name()).collect();
                if metric_name.is_empty() {
                    format!("`{lhs}` has no metric; use one of {}", names.join(", "))
                } else {
                    format!(
                        "unknown metric `{metric_name}`; use one of {}",
                        names.join(", ")
                    )
                }
            })?
    };
    let value: String = rhs.chars().filter(|c| !c.is_whitespace()).collect();
    if value.is_empty() {
        return Err(format!(
            "no target value after `{}`; {FORM}",
            comparison.symbol()
        ));
    }
    let target = parse_value(metric, &value)?;
    Ok((sli.to_string(), metric, comparison, target))
}

/// SLI names are dotted words: `api.write`, `workload.web.ready`.
fn check_sli_name(sli: &str) -> Result<(), String> {
    let valid_word = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if sli.split('.').all(valid_word) {
        Ok(())
    } else {
        Err(format!(
            "`{sli}` is not an SLI name; SLI names are dotted words such as api.write, etcd.quorum or workload.web.ready"
        ))
    }
}

/// A plain non-negative number.
fn number(text: &str, what: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number; {what}"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!(
            "`{text}` must be a finite number, zero or more; {what}"
        ));
    }
    Ok(value)
}

/// Strips an optional `/y`, `/yr` or `/year` from a yearly figure.
fn per_year(text: &str) -> &str {
    ["/year", "/yr", "/y"]
        .iter()
        .find_map(|suffix| text.strip_suffix(suffix))
        .unwrap_or(text)
}

fn parse_value(metric: Metric, text: &str) -> Result<f64, String> {
    match metric {
        Metric::Availability => {
            const HINT: &str = "write a percentage like 99.95% or a fraction like 0.9995";
            let (digits, scale) = match text.strip_suffix('%') {
                Some(digits) => (digits, 100.0),
                None => (text, 1.0),
            };
            if let Some(unit) = digits
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .map(|i| &digits[i..])
            {
                return Err(format!("unknown unit `{unit}` for availability; {HINT}"));
            }
            let mut value = number(digits, HINT)?;
            if scale != 1.0 {
                // `99.9e-2` parses to the double nearest 0.999; 99.9 / 100 does not.
                value = format!("{digits}e-2").parse().unwrap_or(value / scale);
            }
            if value > 1.0 {
                return Err(if scale == 1.0 {
                    format!("`{text}` is above 1; {HINT}")
                } else {
                    format!("`{text}` is above 100%; {HINT}")
                });
            }
            Ok(value)
        }
        Metric::Nines => number(text, "nines are a plain number, e.g. 4 (99.99%)"),
        Metric::OutagesPerYear | Metric::DataLossEventsPerYear => number(
            per_year(text),
            "a rate per year is a plain number, e.g. 2 or 0.01 (optionally 2/y)",
        ),
        Metric::DowntimePerYear | Metric::Mttf | Metric::Mttr | Metric::Mtbf => {
            let text = if metric == Metric::DowntimePerYear {
                per_year(text)
            } else {
                text
            };
            text.parse::<SimDuration>()
                .map(SimDuration::as_secs_f64)
                .map_err(|e| format!("{}: {e}", metric.name()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> (String, Metric, Comparison, f64) {
        parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn the_documented_forms_parse() {
        let (sli, metric, op, target) = ok("api.write.availability >= 99.95%");
        assert_eq!(
            (sli.as_str(), metric, op),
            ("api.write", Metric::Availability, Comparison::AtLeast)
        );
        assert!((target - 0.9995).abs() < 1e-15);
        assert_eq!(ok("workload.web.ready.mttr <= 10m").0, "workload.web.ready");
        assert_eq!(ok("workload.web.ready.mttr <= 10m").3, 600.0);
        assert_eq!(
            ok("data_loss.events_per_year <= 0.01").1,
            Metric::DataLossEventsPerYear
        );
        assert_eq!(ok("etcd.quorum.nines >= 4").3, 4.0);
        assert_eq!(ok("api.write.outages_per_year <= 2/y").3, 2.0);
        assert_eq!(ok("controllers.downtime_per_year <= 5m").3, 300.0);
        assert_eq!(
            ok("controllers.downtime_per_year<5m/yr").2,
            Comparison::Below
        );
        assert!((ok("api.read.availability > 0.999").3 - 0.999).abs() < 1e-15);
        assert_eq!(ok("api.read.availability >= 99.9 %").3, 0.999);
    }

    #[test]
    fn errors_say_what_would_be_valid() {
        let err = |text: &str| parse(text).unwrap_err();
        assert_eq!(
            err("api.write.mtr <= 10m"),
            "unknown metric `mtr`; use one of availability, nines, downtime_per_year, outages_per_year, mttf, mttr, mtbf"
        );
        assert!(
            err("api.write.mttr <= 10").contains("has no unit"),
            "{}",
            err("api.write.mttr <= 10")
        );
        assert!(err("api.write.mttr <= 10q").contains("`q` is not a time unit"));
        assert!(err("api.write.availability >= 99.95").contains("99.95%"));
        assert!(err("api.write.availability >= 99.95x").contains("unknown unit `x`"));
        assert!(err("api.write.availability == 1").contains("use >=, <=, > or <"));
        assert!(err("availability >= 99%").contains("api.write.availability"));
        assert!(err("api.write.availability").contains("no comparison"));
        assert!(err("api..write.nines >= 3").contains("not an SLI name"));
        assert!(err("data_loss.rate <= 1").contains("events_per_year"));
        assert!(err("etcd.quorum.nines >= four").contains("not a number"));
        assert!(err("etcd.quorum.nines >= -1").contains("zero or more"));
        assert!(err("etcd.quorum.nines => 3").contains("`>=`"));
    }
}
