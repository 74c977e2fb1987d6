//! Overrides: `--set path=value` applied to a scenario before validation.
//!
//! An override works on the file's raw tree, not on [`Scenario`]: the text
//! is read into a generic value, the value at `path` is replaced, and the
//! result is written back as YAML flow text and parsed by
//! [`Scenario::parse`] like any file. So every field of the format can be
//! overridden without a line of code per field, and a bad value gets the
//! same check and message as in a file, naming the field.
//!
//! # Paths
//!
//! Dotted keys with list indices: `horizon`, `control_plane.etcd.members`,
//! `machines[0].count`, `machines[0].failures[1].time_to_repair`. A list
//! entry can also be picked by its `name`: `machines[cp].count`. A missing
//! mapping on the way is created (`control_plane.etcd.backup.interval`
//! adds a `backup` block, which then needs its `restore` like any file);
//! a list index must exist. The value `null` removes an optional field.
//!
//! Shorthands for the control plane's blocks: `etcd.*`, `endpoint.*`,
//! `leader_election.*`, `active_standby.*` and `topology` stand for the same
//! path under `control_plane`.
//!
//! # Planner aliases
//!
//! Two paths mean more than the field they name, because the format ties
//! fields together:
//!
//! - `etcd.members=N` sets `control_plane.etcd.members` **and** resizes the
//!   one machine group that hosts etcd to N machines, since the members must
//!   equal those machines: the `control-plane` group for `single`/`stacked`
//!   (switching the topology to `single` for 1 and to `stacked` for more), the
//!   `etcd` group for `external`/`active-standby`. With several such groups it
//!   is an error: set each group's `count` instead. The full path
//!   `control_plane.etcd.members` sets the field alone.
//! - `zones=N` (a whole number) keeps the first N declared zones, or adds
//!   `zone-a`, `zone-b`, … up to N, and spreads every machine group round-robin
//!   over them (each group's `zones` list is replaced). A `clients_zone` that
//!   was dropped becomes the first zone. `zones=[a, b]` (a list) sets the
//!   field alone.
//!
//! # Values
//!
//! A value is read as a YAML scalar or flow collection: `3`, `0.5`, `10s`,
//! `stacked`, `yes`, `null`, `{exponential: {mean: 2y}}`, `[zone-a, zone-b]`.
//! Only the YAML 1.2 spellings `true`/`false` are read as booleans here; a
//! `yes` stays text until the field's own type reads it, so a zone named
//! `on` keeps its name.

use serde_json::{Map, Value};

use super::files::FileAccess;
use super::{Problem, Scenario, ScenarioError};

/// One override: the value at `path` replaced by `value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The path as written, e.g. `etcd.members` or `machines[cp].count`.
    pub path: String,
    /// The new value.
    pub value: Value,
    /// Where the override was written, for error messages.
    pub source: Source,
}

/// Where an override came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag (`--set`).
    Flag,
    /// The scenario's `sweep:` block, at this line and column of the file.
    File {
        /// 1-based line of the key.
        line: u64,
        /// 1-based column of the key.
        column: u64,
    },
}

impl Override {
    /// An override from a command-line flag.
    pub fn flag(path: &str, value: Value) -> Override {
        Override {
            path: path.to_string(),
            value,
            source: Source::Flag,
        }
    }

    /// How the override is shown in messages: `etcd.members=3`.
    pub fn label(&self) -> String {
        format!("{}={}", self.path, value_text(&self.value))
    }
}

/// A value as a user would write it: text without quotes, numbers as they
/// are, collections in flow form.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => {
            let mut out = String::new();
            emit(other, &mut out);
            out
        }
    }
}

/// Reads a value written on the command line (see the module docs).
pub fn parse_value(text: &str) -> Result<Value, String> {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    serde_saphyr::from_str_with_options::<Value>(text, options)
        .map_err(|e| format!("`{text}` is not a value: {}", first_line(&e.to_string())))
}

/// Parses, validates and applies overrides to scenario text in one step;
/// see [`ScenarioTree`] to apply many sets of overrides to one file.
pub fn apply_overrides(
    text: &str,
    file: &str,
    default_name: &str,
    overrides: &[Override],
) -> Result<Scenario, ScenarioError> {
    ScenarioTree::parse(text, file, default_name)?
        .1
        .apply(overrides)
}

/// A scenario file held as a generic tree, ready for overrides.
#[derive(Clone, Debug)]
pub struct ScenarioTree {
    tree: Value,
    file: String,
    default_name: String,
    access: FileAccess,
}

impl ScenarioTree {
    /// Validates the file as it is (so its own problems are reported at
    /// their real lines) and keeps its tree. The `sweep` block is dropped
    /// from the tree: a point of a sweep is a plain scenario.
    pub fn parse(
        text: &str,
        file: &str,
        default_name: &str,
    ) -> Result<(Scenario, ScenarioTree), ScenarioError> {
        ScenarioTree::parse_with(text, file, default_name, FileAccess::default())
    }

    /// [`ScenarioTree::parse`], with the files the scenario (and every
    /// overridden version of it) may name.
    pub fn parse_with(
        text: &str,
        file: &str,
        default_name: &str,
        access: FileAccess,
    ) -> Result<(Scenario, ScenarioTree), ScenarioError> {
        let scenario = Scenario::parse_with(text, file, default_name, access)?;
        let mut options = serde_saphyr::Options::default();
        options.strict_booleans = true;
        let mut tree: Value = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
            ScenarioError::Parse(Problem {
                file: file.to_string(),
                line: 0,
                column: 0,
                field: String::new(),
                message: first_line(&e.to_string()),
            })
        })?;
        if let Value::Object(map) = &mut tree {
            map.remove("sweep");
        }
        Ok((
            scenario,
            ScenarioTree {
                tree,
                file: file.to_string(),
                default_name: default_name.to_string(),
                access,
            },
        ))
    }

    /// The scenario with `overrides` applied in order, validated. Problems
    /// caused by an override are reported at it (`--set etcd.members=4: …`
    /// or the `sweep:` key's line); others name the file and the overrides.
    pub fn apply(&self, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        let (text, touched) = self.render(overrides)?;
        Scenario::parse_with(&text, &self.file, &self.default_name, self.access).map_err(|err| {
            let problems = err
                .problems()
                .into_iter()
                .map(|p| self.attribute(p, overrides, &touched))
                .collect();
            ScenarioError::Invalid { problems }
        })
    }

    /// The overridden scenario as YAML flow text, and for each override the
    /// canonical paths it changed.
    fn render(&self, overrides: &[Override]) -> Result<(String, Vec<Vec<String>>), ScenarioError> {
        let mut tree = self.tree.clone();
        let mut touched = Vec::new();
        let mut problems = Vec::new();
        for o in overrides {
            match apply_one(&mut tree, o) {
                Ok(paths) => touched.push(paths),
                Err(message) => {
                    touched.push(Vec::new());
                    problems.push(self.located(o, String::new(), message));
                }
            }
        }
        if !problems.is_empty() {
            return Err(ScenarioError::Invalid { problems });
        }
        let mut text = String::new();
        emit(&tree, &mut text);
        text.push('\n');
        Ok((text, touched))
    }

    fn located(&self, o: &Override, field: String, message: String) -> Problem {
        match o.source {
            Source::Flag => Problem {
                file: format!("--set {}", o.label()),
                line: 0,
                column: 0,
                field,
                message,
            },
            Source::File { line, column } => Problem {
                file: self.file.clone(),
                line,
                column,
                field,
                message: format!("{message} (in sweep: {})", o.label()),
            },
        }
    }

    /// Reports a problem of the overridden text at the override that caused
    /// it: the last one whose changed paths contain, or lie inside, the field.
    fn attribute(&self, p: Problem, overrides: &[Override], touched: &[Vec<String>]) -> Problem {
        let message = tidy_message(&p.message);
        let culprit = overrides
            .iter()
            .zip(touched)
            .rev()
            .find(|(_, paths)| paths.iter().any(|path| related(path, &p.field)));
        match culprit {
            Some((o, _)) => self.located(o, p.field, message),
            None => Problem {
                file: format!(
                    "{} (with {})",
                    self.file,
                    overrides
                        .iter()
                        .map(|o| format!("--set {}", o.label()))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                line: 0,
                column: 0,
                field: p.field,
                message,
            },
        }
    }
}

/// Whether a problem at `field` concerns a change at `path`.
fn related(path: &str, field: &str) -> bool {
    let inside = |outer: &str, inner: &str| {
        inner == outer
            || inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    };
    !field.is_empty() && (inside(path, field) || inside(field, path))
}

/// serde's "unknown field `x`, expected one of `a`, `b`" as "…; valid: a, b".
fn tidy_message(message: &str) -> String {
    for marker in [", expected one of ", ", expected "] {
        if let Some(i) = message.find(marker)
            && (message.starts_with("unknown field") || message.starts_with("unknown variant"))
        {
            let valid = message[i + marker.len()..].replace('`', "");
            return format!("{}; valid: {valid}", &message[..i]);
        }
    }
    message.to_string()
}

fn first_line(text: &str) -> String {
    text.trim()
        .trim_start_matches("error: ")
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
    Name(String),
}

/// Splits `a.b[2].c` / `machines[cp].count` into segments.
fn parse_path(path: &str) -> Result<Vec<Segment>, String> {
    let bad = || {
        format!(
            "`{path}` is not a field path; write e.g. control_plane.etcd.members, machines[0].count or machines[cp].count"
        )
    };
    let mut segments = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        let valid_key = |k: &str| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if !valid_key(key) {
            return Err(bad());
        }
        segments.push(Segment::Key(key.to_string()));
        while !rest.is_empty() {
            let close = rest.find(']').ok_or_else(bad)?;
            let inner = &rest[1..close];
            if inner.is_empty() || !rest.starts_with('[') {
                return Err(bad());
            }
            segments.push(match inner.parse::<usize>() {
                Ok(i) => Segment::Index(i),
                Err(_) => Segment::Name(inner.to_string()),
            });
            rest = &rest[close + 1..];
        }
    }
    Ok(segments)
}

/// Checks that a path is well-formed (its fields are checked when applied).
pub fn check_path(path: &str) -> Result<(), String> {
    parse_path(path).map(|_| ())
}

/// The control plane's blocks, reachable without the `control_plane.` prefix.
const CONTROL_PLANE_SHORTHANDS: [&str; 5] = [
    "etcd",
    "endpoint",
    "leader_election",
    "active_standby",
    "topology",
];

fn apply_one(tree: &mut Value, o: &Override) -> Result<Vec<String>, String> {
    match (o.path.as_str(), &o.value) {
        ("etcd.members", value) => resize_etcd(tree, value),
        ("zones", Value::Number(n)) => resize_zones(tree, n.as_u64()),
        _ => {
            let mut segments = parse_path(&o.path)?;
            if let Some(Segment::Key(first)) = segments.first()
                && CONTROL_PLANE_SHORTHANDS.contains(&first.as_str())
            {
                segments.insert(0, Segment::Key("control_plane".into()));
            }
            set(tree, &segments, o.value.clone()).map(|path| vec![path])
        }
    }
}

/// Sets the value at `segments`, creating missing mappings; returns the
/// canonical path (indices as numbers).
fn set(tree: &mut Value, segments: &[Segment], value: Value) -> Result<String, String> {
    let mut node = tree;
    let mut shown = String::new();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match segment {
            Segment::Key(key) => {
                if node.is_null() {
                    *node = Value::Object(Map::new());
                }
                let here = if shown.is_empty() {
                    "the scenario".to_string()
                } else {
                    format!("`{shown}`")
                };
                let Value::Object(map) = node else {
                    return Err(format!(
                        "{here} is {}, not a mapping, so it has no field `{key}`",
                        describe(node)
                    ));
                };
                if !shown.is_empty() {
                    shown.push('.');
                }
                shown.push_str(key);
                if last {
                    map.insert(key.clone(), value);
                    return Ok(shown);
                }
                node = map.entry(key.clone()).or_insert(Value::Null);
            }
            Segment::Index(_) | Segment::Name(_) => {
                let Value::Array(list) = node else {
                    return Err(format!(
                        "`{shown}` is {}, not a list, so it has no entry {}",
                        describe(node),
                        match segment {
                            Segment::Index(i) => i.to_string(),
                            _ => format!("named `{}`", segment_text(segment)),
                        }
                    ));
                };
                let names: Vec<String> = list
                    .iter()
                    .filter_map(|e| e.get("name").and_then(Value::as_str).map(String::from))
                    .collect();
                let index = match segment {
                    Segment::Index(i) if *i < list.len() => *i,
                    Segment::Index(i) => {
                        return Err(format!(
                            "`{shown}` has {} entries, so index {i} is out of range{}",
                            list.len(),
                            entry_hint(list.len(), &names)
                        ));
                    }
                    Segment::Name(name) => {
                        names.iter().position(|n| n == name).ok_or_else(|| {
                            format!(
                                "`{shown}` has no entry named `{name}`{}",
                                entry_hint(list.len(), &names)
                            )
                        })?
                    }
                    Segment::Key(_) => unreachable!("matched above"),
                };
                shown.push_str(&format!("[{index}]"));
                if last {
                    list[index] = value;
                    return Ok(shown);
                }
                node = &mut list[index];
            }
        }
    }
    Err("an empty path names no field".into())
}

fn segment_text(segment: &Segment) -> String {
    match segment {
        Segment::Key(k) | Segment::Name(k) => k.clone(),
        Segment::Index(i) => i.to_string(),
    }
}

fn entry_hint(len: usize, names: &[String]) -> String {
    let mut hint = String::new();
    if len > 0 {
        hint.push_str(&format!("; use an index from 0 to {}", len - 1));
        if !names.is_empty() {
            hint.push_str(&format!(" or a name: {}", names.join(", ")));
        }
    }
    hint
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "empty".into(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => format!("a value (`{s}`)"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

/// `etcd.members=N`: the member count and the machines that carry them.
fn resize_etcd(tree: &mut Value, value: &Value) -> Result<Vec<String>, String> {
    let members = value.as_u64().filter(|n| *n >= 1).ok_or_else(|| {
        format!(
            "`{}` is not a member count; use a whole number such as 1, 3 or 5",
            value_text(value)
        )
    })?;
    let topology = tree
        .pointer("/control_plane/topology")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let external = matches!(topology.as_str(), "external" | "active-standby");
    let role = if external { "etcd" } else { "control-plane" };
    let groups: Vec<(usize, String)> = tree
        .get("machines")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .enumerate()
                .filter(|(_, g)| g.get("role").and_then(Value::as_str) == Some(role))
                .map(|(i, g)| {
                    let name = g.get("name").and_then(Value::as_str).unwrap_or("?");
                    (i, name.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    let index = match groups.as_slice() {
        [(index, _)] => *index,
        [] => {
            return Err(format!(
                "no machine group has role {role}, which hosts etcd with topology `{topology}`"
            ));
        }
        several => {
            return Err(format!(
                "{} groups host etcd ({}); set each group's count (machines[NAME].count) and control_plane.etcd.members instead",
                several.len(),
                several
                    .iter()
                    .map(|(_, n)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    };
    let count = Value::from(members);
    let mut touched = vec![
        set(
            tree,
            &keys(&["control_plane", "etcd", "members"]),
            count.clone(),
        )?,
        set(
            tree,
            &[
                Segment::Key("machines".into()),
                Segment::Index(index),
                Segment::Key("count".into()),
            ],
            count,
        )?,
    ];
    if !external {
        let fitting = if members == 1 { "single" } else { "stacked" };
        touched.push(set(
            tree,
            &keys(&["control_plane", "topology"]),
            Value::from(fitting),
        )?);
    }
    Ok(touched)
}

fn keys(names: &[&str]) -> Vec<Segment> {
    names.iter().map(|k| Segment::Key(k.to_string())).collect()
}

/// The name of generated zone `j`: `zone-a` … `zone-z`, then `zone-27` ….
fn zone_name(j: usize) -> String {
    match u8::try_from(j).ok().filter(|j| *j < 26) {
        Some(j) => format!("zone-{}", (b'a' + j) as char),
        None => format!("zone-{}", j + 1),
    }
}

/// `zones=N`: the first N zones (generated past the declared ones), with
/// every group spread over them.
fn resize_zones(tree: &mut Value, count: Option<u64>) -> Result<Vec<String>, String> {
    let count = count
        .filter(|n| (1..=1_000).contains(n))
        .ok_or("a zone count is a whole number from 1 to 1000, e.g. 3")? as usize;
    let Value::Object(root) = tree else {
        return Err("the scenario is not a mapping".into());
    };
    let mut zones: Vec<String> = root
        .get("zones")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .map(|z| z.as_str().map_or_else(|| value_text(z), String::from))
                .collect()
        })
        .unwrap_or_default();
    zones.truncate(count);
    let mut j = 0;
    while zones.len() < count {
        let name = zone_name(j);
        if !zones.contains(&name) {
            zones.push(name);
        }
        j += 1;
    }
    let listed = Value::Array(zones.iter().cloned().map(Value::from).collect());
    root.insert("zones".into(), listed.clone());
    let mut touched = vec!["zones".to_string()];
    if let Some(Value::Array(groups)) = root.get_mut("machines") {
        for (g, group) in groups.iter_mut().enumerate() {
            if let Value::Object(group) = group {
                group.insert("zones".into(), listed.clone());
                touched.push(format!("machines[{g}].zones"));
            }
        }
    }
    if let Some(Value::String(clients)) = root.get("clients_zone")
        && !zones.contains(clients)
    {
        root.insert("clients_zone".into(), Value::from(zones[0].clone()));
        touched.push("clients_zone".into());
    }
    Ok(touched)
}

/// Writes a value as YAML flow text that [`Scenario::parse`] reads back to
/// the same file: text is left plain where YAML keeps it text, so each
/// field's own type decides (a plain `yes` is true for a flag and `yes` for
/// a name, as in the original file), and quoted otherwise.
fn emit(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => emit_text(s, out),
        Value::Array(list) => {
            out.push('[');
            for (i, item) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                emit(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                emit_text(key, out);
                out.push_str(": ");
                emit(item, out);
            }
            out.push('}');
        }
    }
}

fn emit_text(text: &str, out: &mut String) {
    let plain = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '+'))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "nan" | "inf"
        );
    if plain {
        out.push_str(text);
    } else {
        out.push_str(&serde_json::to_string(text).expect("a string always serializes"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "name: base
zones: [zone-a]
machines:
  - name: cp
    role: control-plane
    count: 3
    failures:
      - name: on
        time_to_failure: { exponential: { mean: 30d } }
        time_to_repair: { exponential: { mean: 1h } }
        loses_disk: yes
control_plane:
  topology: stacked
  etcd: { members: 3 }
";

    fn apply(sets: &[(&str, &str)]) -> Result<Scenario, ScenarioError> {
        let overrides: Vec<Override> = sets
            .iter()
            .map(|(p, v)| Override::flag(p, parse_value(v).unwrap()))
            .collect();
        apply_overrides(BASE, "base.yaml", "base", &overrides)
    }

    #[test]
    fn no_override_reads_back_the_same_scenario() {
        let s = apply(&[]).unwrap();
        assert_eq!(s.name, "base");
        assert_eq!(s.groups[0].failures[0].name, "on");
        assert!(s.groups[0].failures[0].loses_disk);
        assert_eq!(s.control_plane.etcd.members, 3);
    }

    #[test]
    fn any_field_can_be_set_by_path_index_or_name() {
        let s = apply(&[
            ("horizon", "30d"),
            ("machines[cp].failures[0].time_to_repair", "{fixed: 5m}"),
            ("etcd.election_timeout", "2s"),
        ])
        .unwrap();
        assert_eq!(s.horizon.as_secs_f64(), 30.0 * 86_400.0);
        assert_eq!(s.control_plane.etcd.election_timeout.as_secs_f64(), 2.0);
        assert_eq!(s.groups[0].failures[0].time_to_repair.mean_secs(), 300.0);
    }

    #[test]
    fn etcd_members_resizes_the_hosting_group_and_topology() {
        let one = apply(&[("etcd.members", "1")]).unwrap();
        assert_eq!(one.control_plane.etcd.members, 1);
        assert_eq!(one.groups[0].zones.len(), 1);
        assert_eq!(one.control_plane.topology, super::super::Topology::Single);
        let five = apply(&[("etcd.members", "5")]).unwrap();
        assert_eq!(five.groups[0].zones.len(), 5);
        assert_eq!(five.control_plane.topology, super::super::Topology::Stacked);
    }

    #[test]
    fn zones_generates_and_replaces_placement() {
        let s = apply(&[("zones", "3")]).unwrap();
        assert_eq!(s.zones, ["zone-a", "zone-b", "zone-c"]);
        assert_eq!(s.groups[0].zones, [0, 1, 2]);
    }

    #[test]
    fn an_unknown_field_names_the_valid_ones() {
        let err = apply(&[("etcd.membres", "3")]).unwrap_err().to_string();
        assert!(
            err.starts_with("--set etcd.membres=3: control_plane.etcd.membres: unknown field `membres`; valid: members, heartbeat_interval"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_value_gets_the_fields_own_message() {
        let err = apply(&[("etcd.members", "4")]).unwrap_err().to_string();
        assert!(
            err.contains("--set etcd.members=4: control_plane.etcd.members: 4 members tolerate"),
            "{err}"
        );
        let err = apply(&[("horizon", "30")]).unwrap_err().to_string();
        assert!(err.contains("--set horizon=30: horizon:"), "{err}");
    }

    #[test]
    fn structural_mistakes_are_explained() {
        let err = apply(&[("machines[3].count", "1")])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("index 3 is out of range; use an index from 0 to 0 or a name: cp"),
            "{err}"
        );
        let err = apply(&[("name.x", "1")]).unwrap_err().to_string();
        assert!(err.contains("not a mapping"), "{err}");
        let err = apply(&[("a..b", "1")]).unwrap_err().to_string();
        assert!(err.contains("not a field path"), "{err}");
    }

    #[test]
    fn emitted_text_keeps_text_as_text() {
        let mut out = String::new();
        emit(
            &serde_json::json!({"a": "null", "b": "x y", "c": "10s", "d": [1, 2.5]}),
            &mut out,
        );
        assert_eq!(out, r#"{a: "null", b: "x y", c: 10s, d: [1, 2.5]}"#);
    }
}
