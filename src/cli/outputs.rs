//! The output files of a command, checked together before it simulates
//! (see `nines::report::output`), and where its human-readable text goes.

use std::io::Write;
use std::path::{Path, PathBuf};

use nines::report::chart;
use nines::report::output::{Kind, Output};

/// Every output a command was asked for.
#[derive(Default)]
pub struct Targets {
    files: Vec<(&'static str, Output, Kind)>,
    dirs: Vec<(&'static str, Output, Vec<&'static str>)>,
}

impl Targets {
    /// Registers the file of `flag`, if given.
    pub fn file(
        &mut self,
        flag: &'static str,
        path: Option<&Path>,
        kind: Kind,
        force: bool,
    ) -> Option<Output> {
        let out = Output::new(path?, force);
        self.files.push((flag, out.clone(), kind));
        Some(out)
    }

    /// Registers an output of `flag` built by the caller (e.g. appending).
    pub fn output(
        &mut self,
        flag: &'static str,
        out: Option<Output>,
        kind: Kind,
    ) -> Option<Output> {
        let out = out?;
        self.files.push((flag, out.clone(), kind));
        Some(out)
    }

    /// Registers the chart directory of `flag`, if given, with the charts
    /// the command may draw there.
    pub fn charts(
        &mut self,
        flag: &'static str,
        path: Option<&Path>,
        names: Vec<&'static str>,
        force: bool,
    ) -> Option<Output> {
        let out = Output::new(path?, force);
        self.dirs.push((flag, out.clone(), names));
        Some(out)
    }

    /// Checks every output: at most one is standard output, and each can
    /// be written without losing a file nines did not write.
    pub fn check(&self) -> Result<(), String> {
        let stdout: Vec<&str> = self
            .files
            .iter()
            .filter(|(_, out, _)| out.is_stdout())
            .map(|(flag, _, _)| *flag)
            .collect();
        if stdout.len() > 1 {
            return Err(format!(
                "{} all write to standard output (`-`); give all but one a file name",
                stdout.join(" and ")
            ));
        }
        for (flag, out, kind) in &self.files {
            out.check(*kind).map_err(|e| format!("{flag}: {e}"))?;
        }
        for (flag, out, names) in &self.dirs {
            chart::check_dir(out, names).map_err(|e| format!("{flag}: {e}"))?;
        }
        Ok(())
    }

    /// Whether an output goes to standard output: the table and other
    /// text for people then go to standard error.
    pub fn to_stdout(&self) -> bool {
        self.files.iter().any(|(_, out, _)| out.is_stdout())
    }

    /// Where text for people goes: standard output, or standard error
    /// when an output file is written to standard output.
    pub fn human(&self) -> Box<dyn Write> {
        if self.to_stdout() {
            Box::new(std::io::stderr())
        } else {
            Box::new(std::io::stdout())
        }
    }
}

/// Prints the files written (charts), under a heading.
pub fn list_files(human: &mut dyn Write, heading: &str, files: &[PathBuf]) -> std::io::Result<()> {
    writeln!(human, "{heading}")?;
    for file in files {
        writeln!(human, "  {}", file.display())?;
    }
    Ok(())
}

/// clap's parser for an output path: an empty one (an unset variable) gets
/// a clear error.
pub fn parse_output(text: &str) -> Result<PathBuf, String> {
    if text.is_empty() {
        return Err(
            "an empty file name (an unset shell variable?); give a file name, or `-` for standard output"
                .into(),
        );
    }
    Ok(PathBuf::from(text))
}

/// clap's parser for `check --markdown`: an empty path is most often
/// `$GITHUB_STEP_SUMMARY` outside GitHub Actions.
pub fn parse_markdown(text: &str) -> Result<PathBuf, String> {
    if text.is_empty() {
        return Err(
            "an empty file name: `$GITHUB_STEP_SUMMARY` is set only inside a GitHub Actions job; \
             outside CI give a file name (e.g. --markdown summary.md) or leave --markdown out"
                .into(),
        );
    }
    Ok(PathBuf::from(text))
}

/// clap's parser for a chart directory.
pub fn parse_dir(text: &str) -> Result<PathBuf, String> {
    if text.is_empty() {
        return Err("an empty directory name (an unset shell variable?)".into());
    }
    Ok(PathBuf::from(text))
}
