//! A workload's offered load: `capacity`, `load` (constant, diurnal,
//! weekly or a recorded trace) with `capacity_threshold`, and random
//! `spikes` on top.

use serde_saphyr::{Location, Spanned};

use super::checker::Checker;
use crate::load::Load;
use crate::scenario::files::{invalid_utf8, read_named_file};
use crate::scenario::trace_csv::parse_trace_csv;
use crate::scenario::workload::{
    DEFAULT_CAPACITY_THRESHOLD, MAX_DAY_FACTOR, MAX_RATE, RawLoad, RawWorkload, Spikes,
    WorkloadLoad,
};

/// `capacity`, `load` and `capacity_threshold` come together.
pub(super) fn load(
    check: &mut Checker<'_>,
    workload: &RawWorkload,
    path: &str,
) -> Option<WorkloadLoad> {
    let positive = |check: &mut Checker<'_>, v: &Spanned<f64>, field: &str| {
        if !(v.value.is_finite() && v.value > 0.0 && v.value <= MAX_RATE) {
            check.at(
                &v.referenced,
                format!("{path}.{field}"),
                format!(
                    "{} must be a number above zero and at most {MAX_RATE:e} requests per second",
                    v.value
                ),
            );
        }
        v.value
    };
    match (&workload.capacity, &workload.load) {
        (None, None) => {
            if let Some(t) = &workload.capacity_threshold {
                check.at(
                    &t.referenced,
                    format!("{path}.capacity_threshold"),
                    "only used with `load` and `capacity`; remove it or add them",
                );
            }
            None
        }
        (Some(c), None) => {
            check.at(
                &c.referenced,
                format!("{path}.load"),
                "`capacity` needs a `load` to compare with, e.g. load: {constant: 300}",
            );
            None
        }
        (None, Some(l)) => {
            check.at(
                &l.referenced,
                format!("{path}.capacity"),
                "`load` needs `capacity`: requests per second one pod serves",
            );
            None
        }
        (Some(c), Some(l)) => {
            let capacity = positive(check, c, "capacity");
            // The daily cosine shared by `diurnal` and `weekly`.
            let cosine = |check: &mut Checker<'_>,
                          kind: &str,
                          peak: f64,
                          trough: f64,
                          peak_hour: f64| {
                if !(trough.is_finite() && peak.is_finite() && trough >= 0.0 && peak >= trough) {
                    check.at(
                        &l.referenced,
                        format!("{path}.load.{kind}"),
                        "use 0 <= trough <= peak (requests per second)",
                    );
                } else if peak > MAX_RATE {
                    check.at(
                            &l.referenced,
                            format!("{path}.load.{kind}.peak"),
                            format!("{peak} requests per second is above the {MAX_RATE:e} a scenario may offer"),
                        );
                }
                if !(0.0..24.0).contains(&peak_hour) {
                    check.at(
                        &l.referenced,
                        format!("{path}.load.{kind}.peak_hour"),
                        "use an hour of the day from 0 to 24",
                    );
                }
                (
                    (peak + trough) / 2.0,
                    (peak - trough) / 2.0,
                    peak_hour * 3600.0,
                )
            };
            let load = match &l.value {
                RawLoad::Constant(rate) => {
                    if !(rate.is_finite() && *rate >= 0.0 && *rate <= MAX_RATE) {
                        check.at(
                            &l.referenced,
                            format!("{path}.load.constant"),
                            format!("use requests per second from 0 to {MAX_RATE:e}"),
                        );
                    }
                    Load::Constant(*rate)
                }
                RawLoad::Diurnal {
                    peak,
                    trough,
                    peak_hour,
                } => {
                    let (mid, amplitude, peak_second) =
                        cosine(check, "diurnal", *peak, *trough, *peak_hour);
                    Load::Diurnal {
                        mid,
                        amplitude,
                        peak_second,
                    }
                }
                RawLoad::Weekly {
                    peak,
                    trough,
                    peak_hour,
                    days,
                } => {
                    let (mid, amplitude, peak_second) =
                        cosine(check, "weekly", *peak, *trough, *peak_hour);
                    if days.len() != 7 {
                        check.at(
                            &l.referenced,
                            format!("{path}.load.weekly.days"),
                            format!(
                                "{} factors given; write exactly 7, one per day from the first day of the simulation, e.g. [1, 1, 1, 1, 1, 0.6, 0.6]",
                                days.len()
                            ),
                        );
                    }
                    for (d, factor) in days.iter().enumerate() {
                        if !(factor.is_finite() && *factor >= 0.0 && *factor <= MAX_DAY_FACTOR) {
                            check.at(
                                &l.referenced,
                                format!("{path}.load.weekly.days[{d}]"),
                                format!("{factor} is not a factor; use a number from 0 to {MAX_DAY_FACTOR}, e.g. 0.6"),
                            );
                        }
                    }
                    let mut factors = [1.0; 7];
                    for (slot, factor) in factors.iter_mut().zip(days) {
                        *slot = if factor.is_finite() && *factor >= 0.0 && *factor <= MAX_DAY_FACTOR
                        {
                            *factor
                        } else {
                            0.0
                        };
                    }
                    Load::Weekly {
                        mid,
                        amplitude,
                        peak_second,
                        days: factors,
                    }
                }
                RawLoad::Trace { file } => trace(check, &l.referenced, file, path),
            };
            let threshold =
                workload
                    .capacity_threshold
                    .as_ref()
                    .map_or(DEFAULT_CAPACITY_THRESHOLD, |t| {
                        if !(t.value > 0.0 && t.value <= 1.0) {
                            check.at(
                                &t.referenced,
                                format!("{path}.capacity_threshold"),
                                "use a share above 0 and at most 1, e.g. 0.99",
                            );
                        }
                        t.value
                    });
            Some(WorkloadLoad {
                capacity,
                profile: load,
                threshold,
            })
        }
    }
}

/// Reads a `load: {trace: {file}}` CSV, relative to the directory of the
/// scenario file (the directory part of the name it was parsed under; the
/// current directory for a name without one, such as `<built-in>`), under
/// the rules of [`crate::scenario::files`]. Problems are reported at the
/// `load` field, with the CSV's line.
fn trace(check: &mut Checker<'_>, at: &Location, file: &str, path: &str) -> Load {
    let field = format!("{path}.load.trace.file");
    // A stand-in for an unusable trace, so validation can go on.
    let fallback = || Load::Constant(0.0);
    if file.trim().is_empty() {
        check.at(
            at,
            field,
            "give the path of a `time,rate` CSV, e.g. traces/web.csv",
        );
        return fallback();
    }
    let (shown, bytes) = match read_named_file(check.file, file, check.files) {
        Ok(read) => read,
        Err(reason) => {
            check.at(at, field, format!("trace: {reason}"));
            return fallback();
        }
    };
    if let Some((line, column, offset)) = invalid_utf8(&bytes) {
        check.at(
            at,
            field,
            format!(
                "{shown} line {line}, column {column}: byte {offset} is not valid UTF-8; save the trace as UTF-8 text"
            ),
        );
        return fallback();
    }
    let text = String::from_utf8_lossy(&bytes);
    match parse_trace_csv(&text) {
        Ok(trace) => Load::Trace(trace),
        Err(problems) => {
            const SHOWN: usize = 5;
            for (row, message) in problems.iter().take(SHOWN) {
                let place = if *row == 0 {
                    shown.clone()
                } else {
                    format!("{shown} line {row}")
                };
                check.at(at, field.clone(), format!("{place}: {message}"));
            }
            if problems.len() > SHOWN {
                check.at(
                    at,
                    field,
                    format!(
                        "{shown}: {} more lines with problems",
                        problems.len() - SHOWN
                    ),
                );
            }
            fallback()
        }
    }
}

/// `spikes`: random load spikes, only on top of a `load`.
pub(super) fn spikes(
    check: &mut Checker<'_>,
    workload: &RawWorkload,
    path: &str,
) -> Option<Spikes> {
    let raw = workload.spikes.as_ref()?;
    let field = format!("{path}.spikes");
    let spikes = &raw.value;
    let mean_interval = spikes.every.value.0;
    if mean_interval.is_zero() {
        check.at(
            &spikes.every.referenced,
            format!("{field}.every"),
            "the mean time between spikes must be longer than zero, e.g. 6h",
        );
    }
    let height = spikes.height.value;
    if !(height.is_finite() && height > 0.0 && height <= MAX_RATE) {
        check.at(
            &spikes.height.referenced,
            format!("{field}.height"),
            format!("{height} must be the requests per second a spike adds, above zero and at most {MAX_RATE:e}, e.g. 800"),
        );
    }
    let duration = check.distribution(&spikes.duration, &format!("{field}.duration"));
    if duration.is_zero() {
        check.at(
            &spikes.duration.referenced,
            format!("{field}.duration"),
            "spikes of zero duration add nothing; give a positive duration, e.g. {exponential: {mean: 10m}}",
        );
    }
    if workload.load.is_none() {
        check.at(
            &raw.referenced,
            field,
            "`spikes` add to the offered load; add a `load` (and `capacity`), e.g. load: {constant: 300}",
        );
        return None;
    }
    Some(Spikes {
        mean_interval,
        height,
        duration,
    })
}

#[cfg(test)]
mod tests {
    use crate::engine::SimDuration;

    fn scenario_with(load: &str, extra: &str) -> String {
        format!(
            "horizon: 30d
replications: 4
machines:
  - name: cp
    role: control-plane
    count: 1
  - name: workers
    role: worker
    count: 3
    allocatable: {{ cpu: 4, memory: 16Gi }}
control_plane:
  topology: single
workloads:
  - name: web
    replicas: 3
    requests: {{ cpu: 1, memory: 1Gi }}
    startup: {{ deterministic: 20s }}
{load}{extra}"
        )
    }

    /// Parses as if the scenario were a file in `tests/data/`.
    fn parse(text: &str) -> Result<crate::scenario::Scenario, crate::scenario::ScenarioError> {
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/scenario.yaml");
        crate::scenario::Scenario::parse(text, file, "test")
    }

    /// The problems for `field`, as (line, message).
    fn problems(text: &str, field: &str) -> Vec<(u64, String)> {
        let err = parse(text).expect_err("the scenario should be refused");
        err.problems()
            .into_iter()
            .filter(|p| p.field == field)
            .map(|p| (p.line, p.message))
            .collect()
    }

    /// The `load:` line of [`scenario_with`].
    const LOAD_LINE: u64 = 19;

    #[test]
    fn a_trace_is_read_relative_to_the_scenario_file() {
        let text = scenario_with(
            "    capacity: 100\n    load: { trace: { file: trace-web.csv } }\n",
            "    spikes: { every: 6h, height: 800, duration: { exponential: { mean: 10m } } }\n",
        );
        let scenario = parse(&text).unwrap_or_else(|e| panic!("{e}"));
        let workload = &scenario.workloads[0];
        let load = &workload.load.as_ref().unwrap().profile;
        assert_eq!(load.at(45.0), 300.0);
        assert_eq!(load.at(120.0), 100.0);
        let spikes = workload.spikes.as_ref().unwrap();
        assert_eq!(spikes.mean_interval, SimDuration::from_secs(6 * 3600));
        assert_eq!(spikes.height, 800.0);
        assert!(!spikes.duration.is_zero());
        let weekly = scenario_with(
            "    capacity: 100\n    load: { weekly: { peak: 400, trough: 100, peak_hour: 14, days: [1, 1, 1, 1, 1, 0.6, 0.6] } }\n",
            "",
        );
        let scenario = parse(&weekly).unwrap_or_else(|e| panic!("{e}"));
        let load = &scenario.workloads[0].load.as_ref().unwrap().profile;
        // Saturday (day 5, factor 0.6) at the 14:00 peak: 0.6 x 400.
        assert!((load.at(5.0 * 86_400.0 + 14.0 * 3600.0) - 240.0).abs() < 1e-9);
    }

    #[test]
    fn bad_traces_are_reported_with_their_lines() {
        let field = "workloads[0].load.trace.file";
        let found = problems(
            &scenario_with(
                "    capacity: 100\n    load: { trace: { file: trace-bad.csv } }\n",
                "",
            ),
            field,
        );
        let messages: Vec<&str> = found.iter().map(|p| p.1.as_str()).collect();
        assert_eq!(found.len(), 3, "{messages:?}");
        assert!(found.iter().all(|p| p.0 == LOAD_LINE), "{found:?}");
        assert!(
            messages[0].contains("trace-bad.csv line 3: the rate is not a rate"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("trace-bad.csv line 5: the time is not after the time on line 4"),
            "{messages:?}"
        );
        assert!(
            messages[2].contains("trace-bad.csv line 6: the rate is negative"),
            "{messages:?}"
        );
        let missing = problems(
            &scenario_with(
                "    capacity: 100\n    load: { trace: { file: no-such.csv } }\n",
                "",
            ),
            field,
        );
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].0, LOAD_LINE);
        assert!(missing[0].1.contains("trace: cannot read"), "{missing:?}");
        assert!(missing[0].1.contains("no-such.csv"), "{missing:?}");
    }

    #[test]
    fn weekly_needs_seven_days() {
        let six = problems(
            &scenario_with(
                "    capacity: 100\n    load: { weekly: { peak: 400, trough: 100, peak_hour: 14, days: [1, 1, 1, 1, 1, 1] } }\n",
                "",
            ),
            "workloads[0].load.weekly.days",
        );
        assert_eq!(six.len(), 1);
        assert_eq!(six[0].0, LOAD_LINE);
        assert!(
            six[0].1.contains("6 factors given; write exactly 7"),
            "{six:?}"
        );
        let negative = problems(
            &scenario_with(
                "    capacity: 100\n    load: { weekly: { peak: 400, trough: 100, peak_hour: 14, days: [1, 1, 1, -1, 1, 1, 1] } }\n",
                "",
            ),
            "workloads[0].load.weekly.days[3]",
        );
        assert_eq!(negative.len(), 1, "{negative:?}");
        let missing = parse(&scenario_with(
            "    capacity: 100\n    load: { weekly: { peak: 400, trough: 100, peak_hour: 14 } }\n",
            "",
        ))
        .unwrap_err();
        assert!(err_mentions(&missing, "days"), "{missing}");
    }

    fn err_mentions(err: &crate::scenario::ScenarioError, text: &str) -> bool {
        err.to_string().contains(text)
    }

    #[test]
    fn spikes_need_a_load_and_a_height() {
        let without = problems(
            &scenario_with(
                "",
                "    spikes: { every: 6h, height: 800, duration: { deterministic: 5m } }\n",
            ),
            "workloads[0].spikes",
        );
        assert_eq!(without.len(), 1);
        assert_eq!(without[0].0, LOAD_LINE - 1);
        assert!(without[0].1.contains("add a `load`"), "{without:?}");
        for height in ["0", "-3"] {
            let flat = problems(
                &scenario_with(
                    "    capacity: 100\n    load: { constant: 200 }\n",
                    &format!(
                        "    spikes: {{ every: 6h, height: {height}, duration: {{ deterministic: 5m }} }}\n"
                    ),
                ),
                "workloads[0].spikes.height",
            );
            assert_eq!(flat.len(), 1, "{flat:?}");
            assert_eq!(flat[0].0, LOAD_LINE + 1);
            assert!(flat[0].1.contains("above zero"), "{flat:?}");
        }
        let never = problems(
            &scenario_with(
                "    capacity: 100\n    load: { constant: 200 }\n",
                "    spikes: { every: 0, height: 5, duration: { deterministic: 0s } }\n",
            ),
            "workloads[0].spikes.every",
        );
        assert_eq!(never.len(), 1, "{never:?}");
    }
}
