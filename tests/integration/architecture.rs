//! The layer rules stated in the crate docs (the layer table of
//! `src/lib.rs`): a module imports only from the layers below it; and
//! inside the model, the components never import the hub around them.

use std::collections::BTreeMap;
use std::path::Path;

/// Which top-level modules each module may import (`crate::X`).
fn allowed() -> BTreeMap<&'static str, &'static [&'static str]> {
    BTreeMap::from([
        ("engine", &[][..]),
        ("stats", &[][..]),
        ("analytic", &[][..]),
        ("dist", &["engine"][..]),
        ("load", &[][..]),
        ("outcome", &["engine"][..]),
        ("scenario", &["dist", "load", "engine"][..]),
        (
            "model",
            &["engine", "dist", "load", "scenario", "outcome"][..],
        ),
        (
            "experiment",
            &["model", "scenario", "outcome", "stats", "engine"][..],
        ),
        // `scenario` only for the vocabulary of `expect:` targets (report::check).
        ("report", &["experiment", "stats", "scenario"][..]),
        // Kubernetes objects in, scenario text out, checked by `scenario`.
        ("import", &["scenario"][..]),
    ])
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn modules_import_only_from_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rules = allowed();
    let mut violations = Vec::new();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        let Some(allowed) = rules.get(module.as_str()) else {
            continue; // lib.rs, main.rs, cli/: the public surface and the binary.
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(i) = rest.find("crate::") {
                let after = &rest[i + 7..];
                let target: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if target != module && !allowed.contains(&target.as_str()) {
                    violations.push(format!(
                        "{}:{}: {module} -> {target}",
                        relative.display(),
                        n + 1
                    ));
                }
                rest = after;
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layer violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_binary_uses_only_the_public_library() {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli");
    let mut files = Vec::new();
    rust_files(&cli, &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for forbidden in ["nines::engine", "nines::model", "rayon", "statrs"] {
            assert!(
                !text.contains(forbidden),
                "{} uses {forbidden}",
                file.display()
            );
        }
    }
}

/// The model's parts that never depend on the hub around them.
const COMPONENT_DIRS: [&str; 3] = ["control_plane", "dataplane", "scaling"];

/// What a component may import from `crate::model`: the shared ids and the
/// other components. Everything else there (`mod.rs`, `event`, `faults`,
/// `chaos`, `record`, `trace`) is the hub.
const COMPONENT_MAY_IMPORT: [&str; 4] = ["ids", "control_plane", "dataplane", "scaling"];

/// The hub's names a component must not use even in passing.
const HUB_NAMES: [&str; 2] = ["ClusterModel", "ClusterEvent"];

/// The first path segment of each name a `crate::model::` path imports
/// (`crate::model::ids::X` gives `ids`, `crate::model::{a, b::c}` gives
/// `a` and `b`).
fn model_imports(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::model::") {
        let after = &rest[i + "crate::model::".len()..];
        let segment = |s: &str| -> String {
            s.trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        };
        match after.strip_prefix('{') {
            Some(group) => {
                let group = group.split('}').next().unwrap_or(group);
                found.extend(group.split(',').map(segment).filter(|s| !s.is_empty()));
            }
            None => found.push(segment(after)),
        }
        rest = after;
    }
    found
}

/// Violations of "components never import the model hub" in one file.
/// `in_dir_root`: the file is a component directory's `mod.rs`, whose
/// `super` is the hub.
fn component_violations(text: &str, in_dir_root: bool) -> Vec<String> {
    let mut violations = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for name in HUB_NAMES {
            if code.contains(name) {
                violations.push(format!("{}: names {name}", n + 1));
            }
        }
        for module in model_imports(code) {
            if !COMPONENT_MAY_IMPORT.contains(&module.as_str()) {
                violations.push(format!("{}: imports crate::model::{module}", n + 1));
            }
        }
        let reaches_hub =
            code.contains("super::super::") || (in_dir_root && code.contains("super::"));
        if reaches_hub {
            violations.push(format!("{}: reaches the hub through super", n + 1));
        }
    }
    violations
}

#[test]
fn components_never_import_the_model_hub() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model");
    let mut violations = Vec::new();
    for dir in COMPONENT_DIRS {
        let mut files = Vec::new();
        rust_files(&model.join(dir), &mut files);
        assert!(!files.is_empty(), "src/model/{dir} has no files");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let in_dir_root = file.parent() == Some(&model.join(dir))
                && file.file_name().is_some_and(|f| f == "mod.rs");
            for v in component_violations(&text, in_dir_root) {
                violations.push(format!(
                    "{}:{v}",
                    file.strip_prefix(&model).unwrap().display()
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "components import the model hub:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_component_rule_catches_hub_imports() {
    let bad = "use crate::model::event::ClusterEvent;\nuse crate::model::{ids::PodId, record::Slis};\nuse super::super::faults::FaultEvent;\n";
    let found = component_violations(bad, false);
    assert_eq!(found.len(), 4, "{found:?}");
    let good = "use crate::model::ids::{MachineId, PodId};\nuse crate::model::dataplane::NodeView;\nuse super::tally::WorkloadState;\n";
    assert!(component_violations(good, false).is_empty());
    assert!(!component_violations("use super::ClusterModel;\n", true).is_empty());
}
