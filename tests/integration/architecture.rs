//! The layer rules of `design.md` §3 / `style.md` §8.3: a module imports
//! only from the layers below it.

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
