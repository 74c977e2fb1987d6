//! Files a scenario names (load traces): where they may be, what kind of
//! file they may be, and how large.
//!
//! A scenario is untrusted input when `nines check` runs on a pull
//! request, so the files it names are held to three rules:
//! - a relative path is taken from the scenario file's directory, and may
//!   not leave it: an absolute path, a `..` that climbs above it or a
//!   symbolic link that resolves outside it is refused unless the run
//!   allows it ([`FileAccess::Anywhere`], the CLI's
//!   `--allow-files-outside-scenario`);
//! - only regular files are read: directories, FIFOs, sockets and devices
//!   (`/dev/zero`, `/dev/stdin`) are refused from their metadata before
//!   anything is opened, and the file is opened without blocking, so a FIFO
//!   swapped in meanwhile cannot hang the run;
//! - at most [`MAX_NAMED_FILE_BYTES`] are read.
//!
//! A refused file is never opened, and so never quoted.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The largest file a scenario may name: 16 MiB. A trace row such as
/// `31535940,1234.5` takes about 16 bytes, so this holds a year of
/// one-minute samples (525,600 rows, about 9 MB) with room to spare; it
/// parses in well under a second and takes 24 bytes a row in memory
/// (shared by every replication), about 25 MB at the limit.
pub const MAX_NAMED_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The largest scenario file read: 16 MiB. serde-saphyr's own budgets
/// (250,000 nodes, a nesting depth of 64) refuse far smaller hostile
/// documents; this bound only keeps `nines validate /dev/zero` from
/// reading without end.
pub const MAX_SCENARIO_BYTES: u64 = 16 * 1024 * 1024;

/// Which files a scenario may name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FileAccess {
    /// Only files under the scenario file's directory (the default).
    #[default]
    ScenarioDirectory,
    /// Any regular file the process can read (absolute paths, `..`,
    /// symbolic links leading out): for scenarios the user trusts.
    Anywhere,
}

/// What to tell the user when a path is refused by [`FileAccess`].
const ALLOW_HINT: &str = "pass --allow-files-outside-scenario to allow it";

/// Reads a file named in the scenario `scenario_file` (its directory is the
/// base of a relative path), following `access`. Returns the path shown in
/// messages and the bytes, or why the file cannot be used; the reason never
/// quotes the file's contents.
pub(crate) fn read_named_file(
    scenario_file: &str,
    written: &str,
    access: FileAccess,
) -> Result<(String, Vec<u8>), String> {
    let base = match Path::new(scenario_file).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let written_path = Path::new(written);
    let resolved = base.join(written_path);
    let shown = resolved.display().to_string();
    if access == FileAccess::ScenarioDirectory {
        if written_path.has_root() || written_path.is_absolute() {
            return Err(format!(
                "`{written}` is an absolute path; a scenario may only read files under its own directory ({}): write a path relative to it, or {ALLOW_HINT}",
                base.display()
            ));
        }
        // Checked on the text first, so a refused path is never touched.
        let mut depth: i64 = 0;
        for component in written_path.components() {
            match component {
                Component::ParentDir => depth -= 1,
                Component::Normal(_) => depth += 1,
                _ => {}
            }
            if depth < 0 {
                return Err(format!(
                    "`{written}` leaves the scenario's directory ({}) through `..`; a scenario may only read files under it: move the file there, or {ALLOW_HINT}",
                    base.display()
                ));
            }
        }
        let inside = std::fs::canonicalize(&base)
            .and_then(|dir| std::fs::canonicalize(&resolved).map(|file| file.starts_with(dir)));
        match inside {
            Ok(true) => {}
            Ok(false) => {
                return Err(format!(
                    "`{shown}` is a symbolic link (or under one) that leads outside the scenario's directory; a scenario may only read files under it: copy the file there, or {ALLOW_HINT}"
                ));
            }
            Err(err) => return Err(cannot_read(&shown, &err, written_path)),
        }
    }
    let metadata =
        std::fs::metadata(&resolved).map_err(|err| cannot_read(&shown, &err, written_path))?;
    if !metadata.is_file() {
        return Err(format!(
            "`{shown}` is {}, not a regular file; name a CSV file",
            kind_of(&metadata)
        ));
    }
    if metadata.len() > MAX_NAMED_FILE_BYTES {
        return Err(too_large(&shown, metadata.len()));
    }
    let file =
        open_without_blocking(&resolved).map_err(|err| cannot_read(&shown, &err, written_path))?;
    // The file may have been replaced since the metadata was read.
    let opened = file
        .metadata()
        .map_err(|err| cannot_read(&shown, &err, written_path))?;
    if !opened.is_file() {
        return Err(format!(
            "`{shown}` is {}, not a regular file; name a CSV file",
            kind_of(&opened)
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_NAMED_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| cannot_read(&shown, &err, written_path))?;
    if bytes.len() as u64 > MAX_NAMED_FILE_BYTES {
        return Err(too_large(&shown, bytes.len() as u64));
    }
    Ok((shown, bytes))
}

fn cannot_read(shown: &str, err: &std::io::Error, written: &Path) -> String {
    let relative = if written.is_relative() {
        " (a relative path is taken from the scenario file's directory)"
    } else {
        ""
    };
    format!("cannot read `{shown}`: {err}{relative}")
}

fn too_large(shown: &str, bytes: u64) -> String {
    format!(
        "`{shown}` holds more than {} MiB ({bytes} bytes or more); a file a scenario names may hold at most {MAX_NAMED_FILE_BYTES} bytes: resample it (one row a minute covers a year in about 9 MB)",
        MAX_NAMED_FILE_BYTES / (1024 * 1024)
    )
}

/// What a file that is not a regular file is, in words.
fn kind_of(metadata: &std::fs::Metadata) -> &'static str {
    let kind = metadata.file_type();
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Opens for reading; on Unix with `O_NONBLOCK`, so opening a FIFO that
/// has no writer returns at once instead of waiting for one.
fn open_without_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Reads a scenario file the user named on the command line: any kind of
/// file (a FIFO from `<(...)` is fine), at most [`MAX_SCENARIO_BYTES`].
pub(crate) fn read_scenario_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(std::io::Error::other(format!(
            "the file holds more than {} MiB; a scenario may hold at most {MAX_SCENARIO_BYTES} bytes",
            MAX_SCENARIO_BYTES / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// Where UTF-8 decoding of `bytes` fails: (1-based line, 1-based column
/// in characters, 0-based byte offset), or `None` when it is valid.
pub(crate) fn invalid_utf8(bytes: &[u8]) -> Option<(u64, u64, usize)> {
    let err = std::str::from_utf8(bytes).err()?;
    let offset = err.valid_up_to();
    let before = &bytes[..offset];
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    // The bytes before the offset are valid UTF-8.
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count() as u64
        + 1;
    Some((line, column, offset))
}

/// A short, escaped excerpt of a line of a file, safe to print on a
/// terminal or in a CI log: at most 40 characters, control characters and
/// non-ASCII escaped.
pub(crate) fn excerpt(line: &str) -> String {
    const SHOWN: usize = 40;
    let mut out: String = line
        .chars()
        .take(SHOWN)
        .flat_map(char::escape_default)
        .collect();
    if line.chars().count() > SHOWN {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_located() {
        assert_eq!(invalid_utf8(b"ok\n"), None);
        assert_eq!(invalid_utf8(b"a: 1\nbb: \xff\n"), Some((2, 5, 9)));
        assert_eq!(invalid_utf8(b"\xc3\xa9\xc3"), Some((1, 2, 2)));
    }

    #[test]
    fn excerpts_are_short_and_escaped() {
        assert_eq!(excerpt("10,abc"), "10,abc");
        assert_eq!(excerpt("a\u{1b}[31m"), "a\\u{1b}[31m");
        let long = "x".repeat(100);
        assert_eq!(excerpt(&long), format!("{}…", "x".repeat(40)));
    }
}
