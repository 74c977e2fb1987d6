//! Sweeps: one scenario over a grid of parameter values.
//!
//! A sweep has axes, each a field path (see [`overrides`](super::overrides)
//! for paths and the `etcd.members` / `zones` aliases) with a list of
//! values. The grid is their cartesian product, in order: the first axis
//! varies slowest, the last fastest, and points are numbered from 0 in that
//! order.
//!
//! Axes come from `nines sweep --set PATH=VALUES` flags or from a `sweep:`
//! block in the scenario, which maps paths to values:
//!
//! ```yaml
//! sweep:
//!   etcd.members: [1, 3, 5, 7]
//!   zones: 1..3
//! ```
//!
//! A flag replaces the block's axis with the same path; the block's other
//! axes stay. `nines run` ignores the block.
//!
//! # Values
//!
//! - a list: `1,3,5` (flag) or `[1, 3, 5]` (block); items may be anything
//!   a field takes (`10s,30s`, `cloud-lb,direct`, `{fixed: 5m}`);
//! - a range, both ends included: `1..7` (step 1) or `1..7:2` (1, 3, 5,
//!   7); decimals work (`0.5..2:0.5`), and durations with a step
//!   (`10s..1m:10s` gives 10s, 20s, …, 1m);
//! - lists may mix in ranges: `1..3,7`.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;
use std::fmt;
use std::path::Path;

use super::files::FileAccess;
use super::overrides::{Override, ScenarioTree, Source, check_path, parse_value, value_text};
use super::{DEFAULT_SCENARIO, DEFAULT_SCENARIO_NAME, Problem, Scenario, ScenarioError};
use crate::engine::SimDuration;

/// Most values one axis may have.
pub const MAX_AXIS_VALUES: usize = 10_000;
/// Most points a grid may have.
pub const MAX_POINTS: usize = 10_000;

/// One swept parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepAxis {
    /// The field path as written, e.g. `etcd.members`.
    pub path: String,
    /// Its values, in order.
    pub values: Vec<Value>,
    /// Where the axis was written.
    pub source: Source,
}

impl SweepAxis {
    /// Reads a `--set PATH=VALUES` flag.
    pub fn from_flag(text: &str) -> Result<SweepAxis, String> {
        let (path, values) = text.split_once('=').ok_or_else(|| {
            format!("`{text}`: write PATH=VALUES, e.g. etcd.members=1,3,5 or zones=1..3")
        })?;
        let path = path.trim();
        check_path(path)?;
        Ok(SweepAxis {
            path: path.to_string(),
            values: expand(values.trim()).map_err(|e| format!("{path}: {e}"))?,
            source: Source::Flag,
        })
    }
}

/// The axes of `block` with each of `flags` replacing the block's axis of
/// the same path (or added after them).
pub fn merge_axes(block: &[SweepAxis], flags: Vec<SweepAxis>) -> Vec<SweepAxis> {
    let mut axes = block.to_vec();
    for flag in flags {
        match axes.iter_mut().find(|a| a.path == flag.path) {
            Some(axis) => *axis = flag,
            None => axes.push(flag),
        }
    }
    axes
}

/// The number of points of a grid.
pub fn grid_len(axes: &[SweepAxis]) -> usize {
    axes.iter()
        .map(|a| a.values.len())
        .try_fold(1usize, |n, len| n.checked_mul(len))
        .unwrap_or(usize::MAX)
}

/// Point `index` of the grid: one override per axis, in axis order.
pub fn grid_point(axes: &[SweepAxis], index: usize) -> Vec<Override> {
    let mut rest = index;
    let mut picks = vec![0; axes.len()];
    for (a, axis) in axes.iter().enumerate().rev() {
        picks[a] = rest % axis.values.len();
        rest /= axis.values.len();
    }
    axes.iter()
        .zip(picks)
        .map(|(axis, i)| Override {
            path: axis.path.clone(),
            value: axis.values[i].clone(),
            source: axis.source.clone(),
        })
        .collect()
}

/// Expands a flag's values: comma-separated items, each a value or a range.
pub fn expand(text: &str) -> Result<Vec<Value>, String> {
    let mut values = Vec::new();
    for item in split_top_level(text) {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!("`{text}` has an empty value; write e.g. 1,3,5"));
        }
        match item.split_once("..") {
            Some((from, rest)) if !item.starts_with(['{', '[', '"', '\'']) => {
                values.extend(range(from.trim(), rest.trim())?)
            }
            _ => values.push(parse_value(item)?),
        }
        if values.len() > MAX_AXIS_VALUES {
            return Err(format!("more than {MAX_AXIS_VALUES} values"));
        }
    }
    if values.is_empty() {
        return Err("no values; write e.g. 1,3,5 or 1..7:2".into());
    }
    Ok(values)
}

/// Splits on commas outside brackets, braces and quotes.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None, 0);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// `from..to` or `from..to:step`, both ends included.
fn range(from: &str, rest: &str) -> Result<Vec<Value>, String> {
    let shown = format!("{from}..{rest}");
    let (to, step) = match rest.split_once(':') {
        Some((to, step)) => (to.trim(), Some(step.trim())),
        None => (rest, None),
    };
    if let (Ok(a), Ok(b)) = (from.parse::<f64>(), to.parse::<f64>()) {
        let s = match step {
            Some(s) => s
                .parse::<f64>()
                .map_err(|_| format!("`{shown}`: the step `{s}` is not a number"))?,
            None => 1.0,
        };
        let integral = [from, to, step.unwrap_or("1")]
            .iter()
            .all(|t| t.parse::<i64>().is_ok());
        return steps(a, b, s, &shown).map(|xs| {
            xs.into_iter()
                .map(|x| {
                    if integral {
                        Value::from(x.round() as i64)
                    } else {
                        // Rounded so 0.1 steps give 0.3, not 0.30000000000000004.
                        Value::from((x * 1e9).round() / 1e9)
                    }
                })
                .collect()
        });
    }
    let duration = |t: &str| {
        t.parse::<SimDuration>()
            .map_err(|e| format!("`{shown}`: a range is of numbers or durations: {e}"))
    };
    let (a, b) = (duration(from)?, duration(to)?);
    let s = duration(step.ok_or_else(|| {
        format!("`{shown}`: a range of durations needs a step, e.g. 10s..1m:10s")
    })?)?;
    let micros = steps(
        a.as_micros() as f64,
        b.as_micros() as f64,
        s.as_micros() as f64,
        &shown,
    )?;
    Ok(micros
        .into_iter()
        .map(|us| Value::from(duration_text(us.round() as u64)))
        .collect())
}

fn steps(from: f64, to: f64, step: f64, shown: &str) -> Result<Vec<f64>, String> {
    if !(step > 0.0 && step.is_finite()) {
        return Err(format!("`{shown}`: the step must be above zero"));
    }
    if from > to {
        return Err(format!("`{shown}` is empty; write low..high"));
    }
    let n = ((to - from) / step + 1e-9).floor() + 1.0;
    if n > MAX_AXIS_VALUES as f64 {
        return Err(format!("`{shown}` has more than {MAX_AXIS_VALUES} values"));
    }
    // Each value from its index, so steps do not accumulate rounding.
    Ok((0..n as usize).map(|i| from + i as f64 * step).collect())
}

/// Microseconds in the largest unit that divides them: `90s` stays `90s`,
/// `60s` becomes `1m`.
fn duration_text(micros: u64) -> String {
    const UNITS: [(&str, u64); 8] = [
        ("y", 365 * 86_400_000_000),
        ("w", 7 * 86_400_000_000),
        ("d", 86_400_000_000),
        ("h", 3_600_000_000),
        ("m", 60_000_000),
        ("s", 1_000_000),
        ("ms", 1_000),
        ("us", 1),
    ];
    if micros == 0 {
        return "0s".into();
    }
    let (unit, size) = UNITS
        .iter()
        .find(|(_, size)| micros.is_multiple_of(*size))
        .expect("1 divides everything");
    format!("{}{unit}", micros / size)
}

/// The `sweep:` block as written: paths to values, in file order.
#[derive(Debug, Default)]
pub struct RawSweep(pub Vec<(Spanned<String>, Spanned<Value>)>);

impl<'de> Deserialize<'de> for RawSweep {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SweepVisitor;
        impl<'de> Visitor<'de> for SweepVisitor {
            type Value = RawSweep;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of field paths to values, e.g. {etcd.members: [1, 3, 5]}")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<RawSweep, M::Error> {
                let mut axes = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let value = map.next_value::<Spanned<Value>>()?;
                    axes.push((key, value));
                }
                Ok(RawSweep(axes))
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawSweep, E> {
                Ok(RawSweep::default())
            }
        }
        deserializer.deserialize_map(SweepVisitor)
    }
}

/// Validates a `sweep:` block: well-formed paths, values that expand, no
/// path twice, and a grid of at most [`MAX_POINTS`]. Whether each path and
/// value fits the scenario is checked when the sweep runs.
pub fn validate_block(raw: Option<&RawSweep>, file: &str) -> (Vec<SweepAxis>, Vec<Problem>) {
    let mut axes = Vec::new();
    let mut problems = Vec::new();
    let Some(raw) = raw else {
        return (axes, problems);
    };
    for (key, value) in &raw.0 {
        let field = format!("sweep.{}", key.value);
        let mut problem = |at: &serde_saphyr::Location, message: String| {
            problems.push(Problem {
                file: file.to_string(),
                line: at.line(),
                column: at.column(),
                field: field.clone(),
                message,
            })
        };
        if let Err(message) = check_path(&key.value) {
            problem(&key.referenced, message);
            continue;
        }
        if axes.iter().any(|a: &SweepAxis| a.path == key.value) {
            problem(&key.referenced, "is swept twice; give it one list".into());
            continue;
        }
        let values = match &value.value {
            Value::Array(items) if items.is_empty() => {
                Err("an empty list; give at least one value".into())
            }
            Value::Array(items) => Ok(items.clone()),
            Value::String(text) => expand(text),
            Value::Null => Err("no values; write e.g. [1, 3, 5] or \"1..7:2\"".into()),
            other => Ok(vec![other.clone()]),
        };
        match values {
            Ok(values) => axes.push(SweepAxis {
                path: key.value.clone(),
                values,
                source: Source::File {
                    line: key.referenced.line(),
                    column: key.referenced.column(),
                },
            }),
            Err(message) => problem(&value.referenced, message),
        }
    }
    if grid_len(&axes) > MAX_POINTS
        && let Some((key, _)) = raw.0.first()
    {
        problems.push(Problem {
            file: file.to_string(),
            line: key.referenced.line(),
            column: key.referenced.column(),
            field: "sweep".into(),
            message: format!(
                "the grid has {} points; at most {MAX_POINTS} are run",
                grid_len(&axes)
            ),
        });
    }
    (axes, problems)
}

/// Whether two problems are one mistake seen at two values of an axis
/// (an unknown field is unknown whatever its value).
fn same_mistake(a: &Problem, b: &Problem) -> bool {
    let origin = |p: &Problem| match p.file.strip_prefix("--set ") {
        Some(flag) => format!("--set {}", flag.split('=').next().unwrap_or(flag)),
        None => p.file.clone(),
    };
    let message = |p: &Problem| match p.message.find(" (in sweep: ") {
        Some(i) => p.message[..i].to_string(),
        None => p.message.clone(),
    };
    (a.line, a.column, &a.field) == (b.line, b.column, &b.field)
        && origin(a) == origin(b)
        && message(a) == message(b)
}

/// A short description of a point: `etcd.members=3 zones=2`.
pub fn point_label(overrides: &[Override]) -> String {
    overrides
        .iter()
        .map(|o| format!("{}={}", o.path, value_text(&o.value)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A sweep ready to run: the base scenario, the axes, and every point
/// validated.
#[derive(Clone, Debug)]
pub struct SweepPlan {
    /// The scenario as written (its name, digest and seed label the sweep).
    pub base: Scenario,
    /// The axes, block first, then flags.
    pub axes: Vec<SweepAxis>,
    /// Every grid point, in order.
    pub points: Vec<SweepPoint>,
}

/// One point of a grid.
#[derive(Clone, Debug)]
pub struct SweepPoint {
    /// Position in the grid, from 0.
    pub index: usize,
    /// One override per axis.
    pub overrides: Vec<Override>,
    /// The scenario with them applied.
    pub scenario: Scenario,
}

/// Most problems reported for one sweep (the same mistake repeats at
/// every point that shares the value).
const MAX_PROBLEMS: usize = 20;

impl SweepPlan {
    /// Plans a sweep of `text` over its `sweep:` block merged with `flags`
    /// (see [`merge_axes`]). Every point is validated before any runs;
    /// every distinct problem is reported.
    pub fn new(
        text: &str,
        file: &str,
        default_name: &str,
        flags: Vec<SweepAxis>,
    ) -> Result<SweepPlan, ScenarioError> {
        SweepPlan::new_with(text, file, default_name, flags, FileAccess::default())
    }

    /// [`SweepPlan::new`], with the files the scenario may name.
    pub fn new_with(
        text: &str,
        file: &str,
        default_name: &str,
        flags: Vec<SweepAxis>,
        access: FileAccess,
    ) -> Result<SweepPlan, ScenarioError> {
        let (base, tree) = ScenarioTree::parse_with(text, file, default_name, access)?;
        let axes = merge_axes(&base.sweep, flags);
        let len = grid_len(&axes);
        if len > MAX_POINTS {
            return Err(ScenarioError::Invalid {
                problems: vec![Problem {
                    file: file.to_string(),
                    line: 0,
                    column: 0,
                    field: "sweep".into(),
                    message: format!(
                        "the grid has {len} points; at most {MAX_POINTS} are run: sweep fewer values"
                    ),
                }],
            });
        }
        let mut points = Vec::with_capacity(len);
        let mut problems: Vec<Problem> = Vec::new();
        for index in 0..len {
            let overrides = grid_point(&axes, index);
            match tree.apply(&overrides) {
                Ok(scenario) => points.push(SweepPoint {
                    index,
                    overrides,
                    scenario,
                }),
                Err(err) => {
                    for problem in err.problems() {
                        let seen = problems.iter().any(|p| same_mistake(p, &problem));
                        if !seen && problems.len() < MAX_PROBLEMS {
                            problems.push(problem);
                        }
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(SweepPlan { base, axes, points })
        } else {
            Err(ScenarioError::Invalid { problems })
        }
    }

    /// Plans a sweep of a file, or of the built-in scenario without one;
    /// the scenario may name the files `access` allows.
    pub fn load(
        path: Option<&Path>,
        flags: Vec<SweepAxis>,
        access: FileAccess,
    ) -> Result<SweepPlan, ScenarioError> {
        let Some(path) = path else {
            return SweepPlan::new(DEFAULT_SCENARIO, "<built-in>", DEFAULT_SCENARIO_NAME, flags);
        };
        let text = super::read_scenario(path)?;
        SweepPlan::new_with(
            &text,
            &path.display().to_string(),
            &super::file_stem(path),
            flags,
            access,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_ranges_and_durations_expand() {
        assert_eq!(expand("1,3,5").unwrap(), [json!(1), json!(3), json!(5)]);
        assert_eq!(
            expand("1..7:2").unwrap(),
            [json!(1), json!(3), json!(5), json!(7)]
        );
        assert_eq!(
            expand("1..3,7").unwrap(),
            [json!(1), json!(2), json!(3), json!(7)]
        );
        assert_eq!(
            expand("0.1..0.3:0.1").unwrap(),
            [json!(0.1), json!(0.2), json!(0.3)]
        );
        assert_eq!(expand("10s,30s").unwrap(), [json!("10s"), json!("30s")]);
        assert_eq!(
            expand("30s..90s:30s").unwrap(),
            [json!("30s"), json!("1m"), json!("90s")]
        );
        assert_eq!(
            expand("{fixed: 5m},{fixed: 1h}").unwrap(),
            [json!({"fixed": "5m"}), json!({"fixed": "1h"})]
        );
    }

    #[test]
    fn bad_values_explain_themselves() {
        assert!(expand("7..1").unwrap_err().contains("empty"));
        assert!(expand("1..7:0").unwrap_err().contains("above zero"));
        assert!(expand("10s..1m").unwrap_err().contains("needs a step"));
        assert!(expand("1,,3").unwrap_err().contains("empty value"));
        assert!(
            SweepAxis::from_flag("zones")
                .unwrap_err()
                .contains("PATH=VALUES")
        );
    }

    #[test]
    fn the_grid_varies_the_last_axis_fastest() {
        let axes = vec![
            SweepAxis::from_flag("a=1,2").unwrap(),
            SweepAxis::from_flag("b=x,y,z").unwrap(),
        ];
        assert_eq!(grid_len(&axes), 6);
        let labels: Vec<String> = (0..6).map(|i| point_label(&grid_point(&axes, i))).collect();
        assert_eq!(
            labels,
            [
                "a=1 b=x", "a=1 b=y", "a=1 b=z", "a=2 b=x", "a=2 b=y", "a=2 b=z"
            ]
        );
    }

    #[test]
    fn flags_replace_block_axes_of_the_same_path() {
        let block = vec![
            SweepAxis::from_flag("a=1,2").unwrap(),
            SweepAxis::from_flag("b=1").unwrap(),
        ];
        let merged = merge_axes(&block, vec![SweepAxis::from_flag("a=5").unwrap()]);
        assert_eq!(point_label(&grid_point(&merged, 0)), "a=5 b=1");
    }
}
