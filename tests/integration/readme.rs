//! The README's commands run as shown, from a fresh clone.
//!
//! Convention (for README.md):
//!
//! - A ```` ```console ```` block is a terminal transcript: a line starting
//!   with `$ ` is a command (continued on the next line after a trailing
//!   `\`); every other line is its output, shown for the reader and not
//!   compared (figures are trimmed with `...`).
//! - A ```` ```sh ```` block is a script: every line that is neither blank
//!   nor a `#` comment is a command (continued after a trailing `\`).
//! - A command exits 0 unless it ends with the comment `# exit code N`.
//! - A block that cannot run here (it needs docker, the network, or builds
//!   from source) is preceded by the line
//!   `<!-- readme-test: skip (REASON) -->`, and the reason is required.
//! - A shell transcript in a plain ```` ``` ```` block is refused, so no
//!   command escapes the test by its fence.
//!
//! The commands run in order, through `sh -c`, in one temporary directory
//! holding a copy of `scenarios/` (as a clone has it), with the `nines`
//! built for these tests first on the `PATH`; later commands see the
//! files earlier ones wrote (`report.json`, `main.json`).

use std::path::Path;

/// One command of the README.
#[derive(Debug)]
struct ReadmeCommand {
    /// 1-based line of the README where it starts.
    line: usize,
    /// The command as `sh -c` gets it.
    text: String,
    /// Its exit code, from a trailing `# exit code N`.
    exit_code: i32,
}

/// A block skipped by its marker.
#[derive(Debug)]
struct Skipped {
    reason: String,
}

const SKIP: &str = "<!-- readme-test: skip";

/// The commands of `markdown` in order, the skipped blocks, and the
/// convention's violations.
fn extract(markdown: &str) -> (Vec<ReadmeCommand>, Vec<Skipped>, Vec<String>) {
    let lines: Vec<&str> = markdown.lines().collect();
    let (mut commands, mut skipped, mut problems) = (Vec::new(), Vec::new(), Vec::new());
    let mut i = 0;
    while i < lines.len() {
        let Some(lang) = lines[i].trim_start().strip_prefix("```") else {
            i += 1;
            continue;
        };
        let lang = lang.trim().to_string();
        let start = i;
        let mut end = i + 1;
        while end < lines.len() && !lines[end].trim_start().starts_with("```") {
            end += 1;
        }
        let body = &lines[start + 1..end.min(lines.len())];
        i = end + 1;
        let marker = start
            .checked_sub(1)
            .map(|p| lines[p].trim())
            .filter(|l| l.starts_with(SKIP));
        if let Some(marker) = marker {
            let reason = marker
                .trim_start_matches(SKIP)
                .trim_end_matches("-->")
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim()
                .to_string();
            if reason.is_empty() {
                problems.push(format!("line {}: a skip marker needs a reason", start));
            }
            skipped.push(Skipped { reason });
            continue;
        }
        match lang.as_str() {
            "console" | "sh" => {
                let console = lang == "console";
                let mut current: Option<(usize, String)> = None;
                for (k, raw) in body.iter().enumerate() {
                    let line_no = start + 2 + k;
                    let text = if let Some((_, partial)) = current.as_mut() {
                        partial.push('\n');
                        partial.push_str(raw);
                        None
                    } else if console {
                        raw.strip_prefix("$ ").map(str::to_string)
                    } else {
                        let t = raw.trim();
                        (!t.is_empty() && !t.starts_with('#')).then(|| raw.to_string())
                    };
                    if let Some(text) = text {
                        current = Some((line_no, text));
                    }
                    if let Some((line, text)) = current.take() {
                        if text.ends_with('\\') {
                            current = Some((line, text));
                        } else {
                            commands.push(command(line, text));
                        }
                    }
                }
                if let Some((line, _)) = current {
                    problems.push(format!("line {line}: a command ends with `\\` and no next line"));
                }
            }
            "" if body.iter().any(|l| l.starts_with("$ ")) => problems.push(format!(
                "line {}: a shell transcript in a plain ``` block; tag it ```console (or mark it {SKIP} (REASON) -->)",
                start + 1
            )),
            _ => {}
        }
    }
    (commands, skipped, problems)
}

/// A command with its expected exit code.
fn command(line: usize, text: String) -> ReadmeCommand {
    let exit_code = text
        .rsplit_once("# exit code ")
        .and_then(|(_, n)| n.trim().parse().ok())
        .unwrap_or(0);
    ReadmeCommand {
        line,
        text,
        exit_code,
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn the_extraction_follows_the_convention() {
    let markdown = "intro
```console
$ nines validate a.yaml   # exit code 1
a.yaml:1:1: bad
$ nines run a.yaml \\
      --json r.json
table
```
<!-- readme-test: skip (needs docker) -->
```sh
docker build .
```
```sh
# a comment
nines man > nines.1
```
```
$ nines run
```
<!-- readme-test: skip -->
```sh
x
```
";
    let (commands, skipped, problems) = extract(markdown);
    let texts: Vec<(&str, i32)> = commands
        .iter()
        .map(|c| (c.text.as_str(), c.exit_code))
        .collect();
    assert_eq!(
        texts,
        [
            ("nines validate a.yaml   # exit code 1", 1),
            ("nines run a.yaml \\\n      --json r.json", 0),
            ("nines man > nines.1", 0),
        ]
    );
    assert_eq!(commands[0].line, 3);
    assert_eq!(skipped.len(), 2);
    assert_eq!(skipped[0].reason, "needs docker");
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("plain ``` block"));
    assert!(problems[1].contains("needs a reason"));
}

#[test]
fn every_readme_command_runs_as_shown() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let (commands, skipped, problems) = extract(&readme);
    assert!(problems.is_empty(), "README.md:\n{}", problems.join("\n"));
    assert!(
        commands.len() >= 10,
        "only {} commands found",
        commands.len()
    );
    assert!(skipped.iter().all(|s| !s.reason.is_empty()), "{skipped:?}");

    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    copy_dir(&root.join("scenarios"), &dir.join("scenarios"));
    let bin = Path::new(env!("CARGO_BIN_EXE_nines")).parent().unwrap();
    let path = match std::env::var_os("PATH") {
        Some(p) => {
            let mut paths = vec![bin.to_path_buf()];
            paths.extend(std::env::split_paths(&p));
            std::env::join_paths(paths).unwrap()
        }
        None => bin.as_os_str().to_owned(),
    };
    for c in &commands {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&c.text)
            .current_dir(dir)
            .env("PATH", &path)
            .output()
            .expect("sh runs");
        assert_eq!(
            out.status.code(),
            Some(c.exit_code),
            "README.md:{}: `{}` exited with {:?}, the README says {}\nstdout:\n{}\nstderr:\n{}",
            c.line,
            c.text,
            out.status.code(),
            c.exit_code,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // What the tour's commands promise is there.
    for file in [
        "report.json",
        "main.json",
        "check.json",
        "check.xml",
        "summary.md",
        "sweep.csv",
        "charts/availability.svg",
        "nines.1",
        "nines.bash",
    ] {
        assert!(dir.join(file).exists(), "{file} was not written");
    }
}
