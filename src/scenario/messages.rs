//! The YAML parser's errors in the planner's words: what was expected at
//! that place and what would be valid, never the parser's API ("set
//! DuplicateKeyPolicy in Options", "use from_str_multiple") or serde's
//! internals ("externally tagged enum", "invalid u64").

use serde_saphyr::budget::BudgetBreach;

use super::files::excerpt;

/// The message for a parse error at (`line`, `column`) of `text`, in the
/// field `field` (cleaned path, empty at the top level); `None` when the
/// parser's own message already says it plainly.
pub(super) fn planner_message(
    err: &serde_saphyr::Error,
    text: &str,
    line: u64,
    column: u64,
    field: &str,
) -> Option<String> {
    use serde_saphyr::Error;
    let mut err = err.without_snippet();
    while let Error::AliasError { error, .. } = err {
        err = error.without_snippet();
    }
    let found = || value_at(text, line, column);
    Some(match err {
        Error::DuplicateMappingKey { key, .. } => {
            let key = key.as_deref().unwrap_or("");
            let first = first_occurrence(text, line, column, key)
                .map(|first| format!(" (first at line {first})"))
                .unwrap_or_default();
            format!(
                "duplicate key `{}`{first}; a key may appear once in each mapping: keep one",
                excerpt(key)
            )
        }
        Error::MultipleDocuments { .. } => "a second YAML document starts here (`---`); a scenario file holds one scenario: put each in its own file".to_string(),
        Error::Budget { breach, .. } => too_large(breach),
        Error::ExternallyTaggedEnumExpectedScalarOrMapping { .. } => {
            format!("expected {} here, not a list", forms(field))
        }
        Error::ExpectedMappingEndAfterEnumVariantValue { .. } => {
            format!("give one kind only: expected {}", forms(field))
        }
        Error::InvalidScalar { ty, .. } => scalar(ty, &found(), field)?,
        Error::InvalidBooleanStrict { .. } => {
            format!("expected true or false, found `{}`", found())
        }
        Error::Eof { .. } if text.trim().is_empty() => {
            "the file is empty; a scenario needs at least `machines` and `control_plane` (see scenarios/README.md)".to_string()
        }
        Error::Unexpected { expected, .. } if field.is_empty() && expected.contains("mapping") => {
            "a scenario is a mapping of keys (`name:`, `machines:`, `control_plane:`, ...); see scenarios/README.md".to_string()
        }
        _ => return None,
    })
}

/// The valid forms of the one-of-several-kinds field `field`.
fn forms(field: &str) -> &'static str {
    const DISTRIBUTION: &str = "a distribution written as one `kind: parameters` entry: `{ exponential: { mean: 30d } }`, `{ weibull: { shape: 1.5, mean: 30d } }`, `{ lognormal: { median: 5m, p99: 1h } }`, `{ gamma: { shape: 2, mean: 1h } }`, `{ deterministic: 5m }`, `{ uniform: { min: 1m, max: 5m } }` or `{ empirical: { samples: [1m, 3m] } }`";
    // The segment naming the field (not a variant under it, nor an index).
    let name = field
        .rsplit('.')
        .map(|segment| segment.split('[').next().unwrap_or(segment))
        .find(|segment| {
            !matches!(
                *segment,
                "exponential"
                    | "weibull"
                    | "lognormal"
                    | "log-normal"
                    | "gamma"
                    | "deterministic"
                    | "fixed"
                    | "uniform"
                    | "empirical"
                    | "constant"
                    | "diurnal"
                    | "weekly"
                    | "trace"
                    | "min-ready"
            )
        })
        .unwrap_or("");
    match name {
        "load" => {
            "a load written as one `kind: parameters` entry: `{ constant: 300 }`, `{ diurnal: { peak: 1000, trough: 200, peak_hour: 14 } }`, `{ weekly: { peak, trough, peak_hour, days } }` or `{ trace: { file: traces/web.csv } }`"
        }
        "up" => "`quorum` or `{ min-ready: 2 }`",
        "time_to_failure" | "time_to_repair" | "response" | "rebuild" | "restore" | "startup"
        | "duration" | "provisioning" => DISTRIBUTION,
        _ => "one `kind: parameters` entry (see scenarios/README.md for this field's kinds)",
    }
}

/// A scalar that is not of the field's type.
fn scalar(ty: &str, found: &str, field: &str) -> Option<String> {
    let whole = |min: &str, max: &str| {
        format!("expected a whole number from {min} to {max}, found `{found}`")
    };
    Some(match ty {
        "u64" | "u32" | "u16" | "u8" | "usize" => {
            let max = match ty {
                "u8" => u8::MAX.to_string(),
                "u16" => u16::MAX.to_string(),
                "u32" => u32::MAX.to_string(),
                _ => u64::MAX.to_string(),
            };
            match whole_number_range(field) {
                Some((min, max)) => whole(&min.to_string(), &max.to_string()),
                None => whole("0", &max),
            }
        }
        "i64" | "i32" | "i16" | "i8" | "isize" => {
            format!("expected a whole number, found `{found}`")
        }
        "f64" | "f32" => format!("expected a number (e.g. 0.5 or 3), found `{found}`"),
        "bool" => format!("expected true or false, found `{found}`"),
        _ => return None,
    })
}

/// The range the validator accepts for a whole-number field, by the
/// field's name (the last segment of its path); `None` when any `u64` is
/// accepted or the field is not listed.
fn whole_number_range(field: &str) -> Option<(u64, u64)> {
    let name = field.rsplit('.').next().unwrap_or(field);
    let name = name.split('[').next().unwrap_or(name);
    Some(match name {
        "replications" => (2, 100_000_000),
        "count" | "replicas" | "min_replicas" | "max_replicas" | "crews" | "step" | "max" => {
            (1, 10_000)
        }
        "min" => (0, 10_000),
        "unhealthy_threshold" | "healthy_threshold" | "fall" | "rise" => (1, 100),
        "failure_threshold" | "target_cpu_utilization" => (1, 1_000),
        "priority" => (1, 254),
        _ => return None,
    })
}

/// A parser budget breach, as what is too large and the limit.
fn too_large(breach: &BudgetBreach) -> String {
    let budget = serde_saphyr::Budget::default();
    let (what, limit) = match breach {
        BudgetBreach::Nodes { .. } => (
            "YAML values (keys, values and list items)",
            budget.max_nodes,
        ),
        BudgetBreach::Events { .. } => ("parser events", budget.max_events),
        BudgetBreach::Depth { .. } => {
            return format!(
                "the document nests deeper than {} levels (the limit); a scenario needs fewer than 10",
                budget.max_depth
            );
        }
        BudgetBreach::Aliases { .. } => ("aliases (`*name`)", budget.max_aliases),
        BudgetBreach::Anchors { .. } => ("anchors (`&name`)", budget.max_anchors),
        BudgetBreach::Documents { .. } => ("YAML documents", budget.max_documents),
        BudgetBreach::ScalarBytes { .. } => {
            ("bytes of text in values", budget.max_total_scalar_bytes)
        }
        BudgetBreach::MergeKeys { .. } => ("merge keys (`<<`)", budget.max_merge_keys),
        _ => {
            return "the document is too large for a scenario (aliases expand too far); write the values out".to_string();
        }
    };
    format!(
        "the document is too large: more than {limit} {what}, the limit; a scenario needs far fewer"
    )
}

/// The scalar starting at (`line`, `column`), shortened and escaped.
fn value_at(text: &str, line: u64, column: u64) -> String {
    let Some(row) = text.lines().nth((line as usize).saturating_sub(1)) else {
        return String::new();
    };
    let rest: String = row
        .chars()
        .skip((column as usize).saturating_sub(1))
        .collect();
    let end = rest.find([',', '}', ']', '#']).unwrap_or(rest.len());
    excerpt(rest[..end].trim())
}

/// The line where `key` was first written in the mapping whose duplicate
/// is at (`line`, `column`): the nearest line above at the same
/// indentation that starts with `key:`, without leaving the mapping.
fn first_occurrence(text: &str, line: u64, column: u64, key: &str) -> Option<usize> {
    let indent = (column as usize).checked_sub(1)?;
    let lines: Vec<&str> = text
        .lines()
        .take((line as usize).saturating_sub(1))
        .collect();
    for (index, row) in lines.iter().enumerate().rev() {
        let trimmed = row.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let at = row.len() - trimmed.len();
        // A list item's first key follows its `- `.
        let (at, trimmed) = match trimmed.strip_prefix("- ") {
            Some(item) => (
                at + 2 + (item.len() - item.trim_start().len()),
                item.trim_start(),
            ),
            None => (at, trimmed),
        };
        if at == indent
            && let Some(after) = trimmed.strip_prefix(key)
            && after.trim_start().starts_with(':')
        {
            return Some(index + 1);
        }
        if at < indent {
            return None;
        }
    }
    None
}
