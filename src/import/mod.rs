//! `nines import`: Kubernetes objects in, a commented, valid scenario out.
//!
//! May import: `scenario` (its quantity parsers, defaults and validation,
//! so the output is checked exactly as `nines validate` would check it).
//!
//! Reads kubeadm `ClusterConfiguration`/`InitConfiguration` (and the
//! `KubeletConfiguration` beside them), `kubectl get nodes -o yaml` lists,
//! Deployments, StatefulSets, HorizontalPodAutoscalers and
//! PodDisruptionBudgets from files, directories and multi-document YAML
//! (`kind: List` and `---` streams alike), and maps them onto the fields
//! the scenario format has (docs/import.md gives the table). Three rules:
//!
//! 1. Nothing is dropped silently: every field the mapping did not read,
//!    and every object kind it does not model, becomes a [`Note`], written
//!    as a comment at the end of the scenario (and printed by the CLI).
//! 2. What Kubernetes objects do not say (failure and repair
//!    distributions, pod start-up time, per-pod capacity and load) comes
//!    from the project's documented defaults and assumptions, each marked
//!    `REVIEW` in the output.
//! 3. The output is validated with [`Scenario::parse`] before it is
//!    returned; an import that would not validate is an error.
//!
//! Malformed input is an [`ImportError`] naming the file, the document,
//! the line, the object, the field and what would be valid.

mod emit;
mod map;
mod tree;
mod units;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::scenario::Scenario;

pub use tree::{Node, Value};

/// An input: a name for messages (a path or `<stdin>`) and its text.
#[derive(Clone, Debug)]
pub struct Source {
    /// The file name used in messages.
    pub name: String,
    /// The YAML (or JSON) text.
    pub text: String,
}

/// Something the import could not map, or assumed: written as a comment in
/// the scenario and shown to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// `file, document N` (and `items[i]` inside a list); empty for notes
    /// about the whole import.
    pub origin: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// `Kind name` of the object, empty for notes about the whole import.
    pub object: String,
    /// The object's field path, e.g. `spec.template.spec.containers[0].image`.
    pub field: String,
    /// What happened to it.
    pub message: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.origin.is_empty() {
            write!(f, "{}", self.origin)?;
            if self.line > 0 {
                write!(f, ", line {}", self.line)?;
            }
            write!(f, ": ")?;
        }
        if !self.object.is_empty() {
            write!(f, "{}: ", self.object)?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        write!(f, "{}", self.message)
    }
}

/// The result of an import.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The scenario text, commented; it validates.
    pub yaml: String,
    /// What was not imported, or assumed (also in `yaml` as comments).
    pub notes: Vec<Note>,
    /// The validated scenario.
    pub scenario: Scenario,
}

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The path.
        path: String,
        /// The operating system's reason.
        message: String,
    },
    /// The text is not YAML.
    #[error("{file}:{line}:{column}: not valid YAML: {message}")]
    Yaml {
        /// The file.
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// An object is malformed.
    #[error("{0}")]
    Object(Box<ObjectProblem>),
    /// Nothing to import.
    #[error("{0}")]
    Empty(String),
    /// The generated scenario does not validate: a combination the import
    /// cannot express (or a bug in it).
    #[error(
        "the imported scenario does not validate:\n{problems}\n--- generated scenario ---\n{yaml}"
    )]
    Invalid {
        /// The validation problems.
        problems: String,
        /// The generated text.
        yaml: String,
    },
}

/// A malformed object, located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectProblem {
    /// The file.
    pub file: String,
    /// 1-based document number in the file (empty documents not counted).
    pub document: usize,
    /// `items[i]` inside a `kind: List`, else empty.
    pub item: String,
    /// 1-based line of the field, 0 when unknown.
    pub line: usize,
    /// `Kind name` of the object.
    pub object: String,
    /// The field path.
    pub field: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl fmt::Display for ObjectProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, document {}", self.file, self.document)?;
        if !self.item.is_empty() {
            write!(f, ", {}", self.item)?;
        }
        if self.line > 0 {
            write!(f, ", line {}", self.line)?;
        }
        write!(f, ": {}: ", self.object)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        write!(f, "{}", self.message)
    }
}

/// Options of an import.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The scenario's `name` (default `imported`).
    pub name: Option<String>,
}

/// Reads files and directories (recursively, `*.yaml`, `*.yml` and
/// `*.json` in name order) and imports everything in them.
pub fn import_paths(paths: &[PathBuf], options: &Options) -> Result<Imported, ImportError> {
    import_sources(&read_paths(paths)?, options)
}

/// Reads files and directories as [`import_paths`] does, without importing.
pub fn read_paths(paths: &[PathBuf]) -> Result<Vec<Source>, ImportError> {
    let mut sources = Vec::new();
    for path in paths {
        collect(path, true, &mut sources)?;
    }
    Ok(sources)
}

fn collect(path: &Path, explicit: bool, out: &mut Vec<Source>) -> Result<(), ImportError> {
    let io = |e: std::io::Error| ImportError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(io)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort();
        for entry in entries {
            let hidden = entry
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if !hidden {
                collect(&entry, false, out)?;
            }
        }
        return Ok(());
    }
    let wanted = path
        .extension()
        .is_some_and(|e| e == "yaml" || e == "yml" || e == "json");
    if explicit || wanted {
        let text = std::fs::read_to_string(path).map_err(io)?;
        out.push(Source {
            name: path.display().to_string(),
            text,
        });
    }
    Ok(())
}

/// Imports already-read texts.
pub fn import_sources(sources: &[Source], options: &Options) -> Result<Imported, ImportError> {
    let mut objects = Vec::new();
    for source in sources {
        read_objects(source, &mut objects)?;
    }
    if objects.is_empty() {
        return Err(ImportError::Empty(format!(
            "no Kubernetes objects found in {}; give kubeadm configurations, `kubectl get nodes -o yaml` output or workload manifests (files or directories of *.yaml, *.yml, *.json)",
            if sources.is_empty() {
                "the given paths".to_string()
            } else {
                sources
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )));
    }
    let (entries, notes) = map::map(&objects, options)?;
    let yaml = map::render(&entries, &notes, sources);
    match Scenario::parse(&yaml, "<imported>", "imported") {
        Ok(scenario) => Ok(Imported {
            yaml,
            notes,
            scenario,
        }),
        Err(err) => Err(ImportError::Invalid {
            problems: err.to_string(),
            yaml,
        }),
    }
}

/// Splits a text into its documents and the objects in them (`kind: List`
/// and `*List` kinds are unpacked).
fn read_objects(source: &Source, out: &mut Vec<tree::Object>) -> Result<(), ImportError> {
    let documents: Vec<Node> = serde_saphyr::from_multiple(&source.text).map_err(|err| {
        let (line, column) = err
            .location()
            .map(|l| (l.line() as usize, l.column() as usize))
            .unwrap_or((0, 0));
        let message = err.without_snippet().to_string();
        let message = message.lines().next().unwrap_or("").trim().to_string();
        ImportError::Yaml {
            file: source.name.clone(),
            line,
            column,
            message,
        }
    })?;
    for (index, document) in documents.into_iter().enumerate() {
        let object = tree::Object::new(&source.name, index + 1, String::new(), document)?;
        if object.kind == "List" || object.kind.ends_with("List") {
            let items = match object.cursor().field("items") {
                Some(items) => items.items()?,
                None => Vec::new(),
            };
            for item in items {
                let node = item.node_clone();
                let path = item.path_text().to_string();
                out.push(tree::Object::new(&source.name, index + 1, path, node)?);
            }
        } else {
            out.push(object);
        }
    }
    Ok(())
}
