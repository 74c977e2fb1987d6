//! Located problems and the error a scenario that cannot be used gives.

use std::fmt;

/// One problem in a scenario, located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file (or `<built-in>`).
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: u64,
    /// 1-based column, 0 when unknown.
    pub column: u64,
    /// Dotted field path, e.g. `control_plane.etcd.members`.
    pub field: String,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if self.field.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": {}: {}", self.field, self.message)
        }
    }
}

/// Why a scenario could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read {file}: {message}")]
    Io {
        /// The file.
        file: String,
        /// The operating system's reason.
        message: String,
    },
    /// The text is not a well-formed scenario (syntax, unknown key, type).
    #[error("{0}")]
    Parse(Problem),
    /// The scenario is well-formed but inconsistent; every problem is listed.
    #[error("{}", problems.iter().map(Problem::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// All problems found.
        problems: Vec<Problem>,
    },
}

impl ScenarioError {
    /// Every located problem (an I/O error has none).
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            ScenarioError::Io { .. } => Vec::new(),
            ScenarioError::Parse(problem) => vec![problem.clone()],
            ScenarioError::Invalid { problems } => problems.clone(),
        }
    }
}
