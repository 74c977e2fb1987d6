//! Where an output file goes: checked before a run, written atomically.
//!
//! Rules, the same for every file nines writes (`--json`, `--csv`,
//! `--replications-csv`, `--trace`, `--timeseries`, `--markdown`,
//! `--junit`, the charts of `--plot DIR`, shard parts, `import -o`):
//!
//! 1. `-` is standard output.
//! 2. A character device, a pipe or a socket (`/dev/null`, `/dev/stdout`,
//!    a FIFO) is written directly and never read; a write error (e.g.
//!    `ENOSPC` on `/dev/full`) is an error naming the path. A block device
//!    or a directory is refused.
//! 3. A regular file that exists is replaced only if it is nines' own
//!    output of the same kind, recognised from its first
//!    [`HEADER_BYTES`] bytes (never the whole file), or empty, or the user
//!    passed `--force`.
//! 4. A regular file is written to a temporary file in the same directory
//!    (`.NAME.XXXXXX.tmp`) and renamed over the final name once complete,
//!    so an interrupted run never leaves a partial file under the final
//!    name; the temporary file is removed on error. A replaced file keeps
//!    its permissions; a symbolic link is followed, its target replaced.
//! 5. [`Output::check`] applies rules 1-3 (and that the directory is
//!    writable) without writing; commands call it for every output before
//!    they simulate, so a bad target costs no run. Writing checks again.
//! 6. An appending output ([`Output::appending`], the GitHub Actions job
//!    summary) is appended to, created if missing, never replaced.

use std::fs::{self, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::ReportError;

/// How many bytes of an existing file are read to recognise it as nines'
/// own output.
pub const HEADER_BYTES: u64 = 4096;

/// What nines' own output of a kind starts with, to recognise it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A JSON report, sweep report or shard part: an object whose
    /// `schema_version` and `nines_version` come first.
    Json,
    /// A CSV file whose first line is this header; also without its last
    /// column `schema_version` (files written before it), and with sweep
    /// parameter columns after `point`.
    Csv(&'static str),
    /// JSON lines whose first object has `time_seconds` and `kind` (a
    /// `--trace` timeline).
    Trace,
    /// A text or binary file carrying this marker in its header (check
    /// summaries, charts).
    Marked(&'static str),
    /// A file nines never recognises as its own (a scenario written by
    /// `import`, which its user may have edited): replaced only when empty
    /// or with `--force`.
    Foreign,
}

impl Kind {
    /// Whether `head`, the first bytes of an existing file, is nines' own
    /// output of this kind (an empty file holds nothing to lose).
    pub fn recognises(self, head: &[u8]) -> bool {
        if head.iter().all(u8::is_ascii_whitespace) {
            return true;
        }
        let text = String::from_utf8_lossy(head);
        let first_line = || text.lines().next().unwrap_or("").trim_end_matches('\r');
        match self {
            Kind::Json => {
                let trimmed = text.trim_start();
                trimmed.starts_with('{')
                    && trimmed.contains("\"schema_version\"")
                    && trimmed.contains("\"nines_version\"")
            }
            Kind::Csv(header) => csv_header_matches(first_line(), header),
            Kind::Trace => {
                // A complete first line, within the header read.
                text.contains('\n')
                    && serde_json::from_str::<serde_json::Value>(first_line())
                        .ok()
                        .is_some_and(|v| v.get("time_seconds").is_some() && v.get("kind").is_some())
            }
            Kind::Marked(marker) => text.contains(marker),
            Kind::Foreign => false,
        }
    }
}

/// Whether `line` is `header` as some nines version wrote it: exactly, or
/// without the trailing `schema_version` column, and with any columns (a
/// sweep's parameters) inserted after a `point` column.
fn csv_header_matches(line: &str, header: &str) -> bool {
    let unversioned = header.strip_suffix(",schema_version");
    let same = |line: &str| line == header || Some(line) == unversioned;
    if same(line) {
        return true;
    }
    let Some((before, after)) = header.split_once(",point,") else {
        return false;
    };
    let Some(rest) = line.strip_prefix(&format!("{before},point,")) else {
        return false;
    };
    // Parameter columns, then the header's own columns after `point`.
    [
        Some(after),
        unversioned.and_then(|u| u.split_once(",point,").map(|(_, a)| a)),
    ]
    .into_iter()
    .flatten()
    .any(|tail| rest.ends_with(&format!(",{tail}")))
}

/// An output path as the user gave it, with whether it may replace a file
/// that is not nines' own (`--force`) and whether it is appended to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    path: PathBuf,
    force: bool,
    append: bool,
}

impl From<&Path> for Output {
    fn from(path: &Path) -> Output {
        Output::new(path, false)
    }
}

impl From<&PathBuf> for Output {
    fn from(path: &PathBuf) -> Output {
        Output::new(path, false)
    }
}

impl From<&Output> for Output {
    fn from(output: &Output) -> Output {
        output.clone()
    }
}

/// Where the bytes of an output go, once checked.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Dest {
    Stdout,
    /// A character device, pipe or socket: opened for writing only.
    Stream,
    /// A regular file, written to a temporary name and renamed to `target`.
    File {
        target: PathBuf,
    },
    /// Appended to (created if missing).
    Append,
}

impl Output {
    /// `path` (`-` for standard output); `force` lets it replace a regular
    /// file that is not nines' own.
    pub fn new(path: impl Into<PathBuf>, force: bool) -> Output {
        Output {
            path: path.into(),
            force,
            append: false,
        }
    }

    /// An output appended to, never replaced (GitHub's
    /// `$GITHUB_STEP_SUMMARY`).
    pub fn appending(path: impl Into<PathBuf>) -> Output {
        Output {
            path: path.into(),
            force: false,
            append: true,
        }
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether it is standard output (`-`).
    pub fn is_stdout(&self) -> bool {
        self.path.as_os_str() == "-"
    }

    /// Whether it is appended to.
    pub fn is_appending(&self) -> bool {
        self.append
    }

    /// The file `name` inside this output, a directory, with the same
    /// `--force`.
    pub fn child(&self, name: &str) -> Output {
        Output::new(self.path.join(name), self.force)
    }

    fn error(&self, message: impl Into<String>) -> ReportError {
        ReportError::Io {
            path: self.path.display().to_string(),
            message: message.into(),
        }
    }

    /// Checks, without writing, that output of `kind` can go here: see the
    /// module docs. Commands call it before simulating.
    pub fn check(&self, kind: Kind) -> Result<(), ReportError> {
        self.dest(kind).map(|_| ())
    }

    fn dest(&self, kind: Kind) -> Result<Dest, ReportError> {
        if self.path.as_os_str().is_empty() {
            return Err(self.error(
                "an empty file name (an unset shell variable?); give a file name, or `-` for standard output",
            ));
        }
        if self.is_stdout() {
            return Ok(Dest::Stdout);
        }
        match fs::metadata(&self.path) {
            Ok(meta) => {
                let file_type = meta.file_type();
                if file_type.is_dir() {
                    return Err(self.error("is a directory; give a file name inside it"));
                }
                if file_type.is_file() {
                    let target =
                        fs::canonicalize(&self.path).map_err(|e| self.error(e.to_string()))?;
                    writable_dir(&parent(&target)).map_err(|m| self.error(m))?;
                    if self.append {
                        return Ok(Dest::Append);
                    }
                    if !self.force
                        && !kind
                            .recognises(&read_head(&target).map_err(|e| self.error(e.to_string()))?)
                    {
                        return Err(ReportError::WouldOverwrite {
                            path: self.path.display().to_string(),
                        });
                    }
                    return Ok(Dest::File { target });
                }
                if is_stream(&file_type) {
                    return Ok(Dest::Stream);
                }
                Err(self.error(
                    "is a block device or another special file; nines writes regular files, character devices (e.g. /dev/null) and pipes",
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if fs::symlink_metadata(&self.path).is_ok() {
                    return Err(
                        self.error("is a symbolic link to nothing; remove it or give another name")
                    );
                }
                let dir = parent(&self.path);
                match fs::metadata(&dir) {
                    Ok(meta) if meta.is_dir() => {}
                    Ok(_) => {
                        return Err(self.error(format!("{} is not a directory", dir.display())));
                    }
                    Err(_) => {
                        return Err(self.error(format!(
                            "the directory {} does not exist; create it first",
                            dir.display()
                        )));
                    }
                }
                writable_dir(&dir).map_err(|m| self.error(m))?;
                if self.append {
                    return Ok(Dest::Append);
                }
                Ok(Dest::File {
                    target: self.path.clone(),
                })
            }
            Err(e) => Err(self.error(e.to_string())),
        }
    }

    /// Writes `bytes` as output of `kind`.
    pub fn write_bytes(&self, kind: Kind, bytes: &[u8]) -> Result<(), ReportError> {
        self.write_with(kind, |w| w.write_all(bytes))
    }

    /// Checks the target again (see [`Output::check`]) and writes what
    /// `write` produces: to standard output, straight to a device or pipe,
    /// appended, or to a temporary file renamed over the target when
    /// complete.
    pub fn write_with(
        &self,
        kind: Kind,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), ReportError> {
        let io = |e: io::Error| self.error(e.to_string());
        match self.dest(kind)? {
            Dest::Stdout => {
                let mut out = io::stdout().lock();
                match write(&mut out).and_then(|()| out.flush()) {
                    // A reader that closed the pipe (`| head`) wanted no more.
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                    done => done.map_err(io),
                }
            }
            Dest::Stream => {
                let file = OpenOptions::new()
                    .write(true)
                    .open(&self.path)
                    .map_err(io)?;
                let mut out = BufWriter::new(file);
                write(&mut out).and_then(|()| out.flush()).map_err(io)
            }
            Dest::Append => {
                let file = OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(&self.path)
                    .map_err(io)?;
                let mut out = BufWriter::new(file);
                write(&mut out).and_then(|()| out.flush()).map_err(io)
            }
            Dest::File { target } => write_atomically(&target, write).map_err(io),
        }
    }
}

/// Writes `target` through a temporary file in its directory, renamed
/// over it when complete; the temporary file is removed on error (its
/// guard deletes it when dropped).
fn write_atomically(
    target: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = parent(target);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Subject to the umask, like any new file.
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(&dir)?;
    let _live = LiveTemporary::register(temp.path());
    {
        let mut out = BufWriter::new(temp.as_file_mut());
        write(&mut out)?;
        out.flush()?;
    }
    hold_for_tests();
    temp.as_file().sync_all()?;
    if let Ok(meta) = fs::metadata(target) {
        fs::set_permissions(temp.path(), meta.permissions())?;
    }
    temp.persist(target).map_err(|e| e.error)?;
    Ok(())
}

/// The temporary files being written now. An interrupted process exits
/// without running destructors, so the guards of `tempfile` cannot remove
/// them: its interrupt handler calls [`remove_live_temporaries`].
static LIVE_TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Registers a temporary file while it is written (until dropped).
struct LiveTemporary(PathBuf);

impl LiveTemporary {
    fn register(path: &Path) -> LiveTemporary {
        let path = path.to_path_buf();
        live_temporaries().push(path.clone());
        LiveTemporary(path)
    }
}

impl Drop for LiveTemporary {
    fn drop(&mut self) {
        live_temporaries().retain(|p| p != &self.0);
    }
}

fn live_temporaries() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // A panic while the list was held leaves it usable.
    LIVE_TEMPORARIES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Removes every temporary file being written, for a process about to exit
/// on an interrupt: nothing partial is left beside the final names, and
/// the final names were never touched. Returns the list locked, so that
/// no write registers or renames one until the process exits.
pub fn remove_live_temporaries() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    let mut live = live_temporaries();
    for path in live.drain(..) {
        let _ = fs::remove_file(&path);
    }
    live
}

/// Tests of the interrupt handling hold a temporary file for this many
/// seconds before it is renamed (never set outside tests): an interrupt
/// then finds it, deterministically.
pub const HOLD_TEMPORARY_ENV: &str = "NINES_TEST_HOLD_TEMPORARY_SECS";

fn hold_for_tests() {
    if let Some(secs) = std::env::var(HOLD_TEMPORARY_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_secs(secs.min(600)));
    }
}

/// The directory a path is in (`.` for a bare name).
fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Whether a file can be created in `dir`: tried with a temporary file,
/// removed at once.
fn writable_dir(dir: &Path) -> Result<(), String> {
    tempfile::Builder::new()
        .prefix(".nines-check.")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| format!("cannot create files in {}: {e}", dir.display()))
}

/// The first [`HEADER_BYTES`] of a regular file.
fn read_head(path: &Path) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    fs::File::open(path)?
        .take(HEADER_BYTES)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// The largest report or shard part read back (`plot`, `merge`,
/// `check --baseline`): reports are bounded (at most 2,000 figures per
/// SLI), parts hold at most 10,000 replications' figures.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// Reads a report or part written by nines: a regular file (a pipe or
/// device is refused rather than read, so nothing blocks or fills memory),
/// at most [`MAX_INPUT_BYTES`]. The error is a message to show after the
/// path.
pub fn read_input(path: &Path) -> Result<String, String> {
    let meta = fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.is_dir() {
        return Err("is a directory, not a report file".into());
    }
    if !meta.is_file() {
        return Err(
            "is not a regular file (a pipe or device?); save the report to a file first".into(),
        );
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(format!(
            "is {} bytes, more than any report nines writes ({MAX_INPUT_BYTES} bytes at most)",
            meta.len()
        ));
    }
    let mut bytes = Vec::new();
    fs::File::open(path)
        .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not a JSON file (invalid UTF-8 at byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

#[cfg(unix)]
fn is_stream(file_type: &fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    file_type.is_char_device() || file_type.is_fifo() || file_type.is_socket()
}

#[cfg(not(unix))]
fn is_stream(_: &fs::FileType) -> bool {
    false
}

/// Checks a chart directory before a run: it is a directory or can be
/// created, and none of the files `names` (each as `.svg` and `.png`)
/// exists unless nines drew it (or `--force`).
pub fn check_dir(dir: &Output, names: &[&str], marker: &'static str) -> Result<(), ReportError> {
    let error = |message: String| ReportError::Io {
        path: dir.path().display().to_string(),
        message,
    };
    if dir.path().as_os_str().is_empty() {
        return Err(error(
            "an empty directory name (an unset shell variable?)".into(),
        ));
    }
    match fs::metadata(dir.path()) {
        Ok(meta) if meta.is_dir() => {
            writable_dir(dir.path()).map_err(error)?;
            for name in names {
                for ext in ["svg", "png"] {
                    dir.child(&format!("{name}.{ext}"))
                        .check(Kind::Marked(marker))?;
                }
            }
            Ok(())
        }
        Ok(_) => Err(error("exists and is not a directory".into())),
        Err(_) => {
            // Created when drawing: its nearest existing ancestor must be a
            // writable directory.
            let mut ancestor = parent(dir.path());
            loop {
                match fs::metadata(&ancestor) {
                    Ok(meta) if meta.is_dir() => return writable_dir(&ancestor).map_err(error),
                    Ok(_) => {
                        return Err(error(format!("{} is not a directory", ancestor.display())));
                    }
                    Err(_) => match ancestor.parent() {
                        Some(up) if !up.as_os_str().is_empty() => ancestor = up.to_path_buf(),
                        _ => ancestor = PathBuf::from("."),
                    },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_own_headers_only() {
        assert!(
            Kind::Json.recognises(b"{\n  \"schema_version\": 2,\n  \"nines_version\": \"0.1.0\"")
        );
        assert!(!Kind::Json.recognises(b"{\"name\": \"mine\"}"));
        assert!(Kind::Json.recognises(b""));
        assert!(Kind::Json.recognises(b"\n  "));
        assert!(Kind::Csv("a,b").recognises(b"a,b\r\n1,2\n"));
        assert!(!Kind::Csv("a,b").recognises(b"a,b,c\n"));
        assert!(Kind::Trace.recognises(b"{\"time_seconds\":0,\"kind\":\"x\"}\n"));
        assert!(!Kind::Trace.recognises(b"{\"time_seconds\":0,\"kind\":\"x\""));
        assert!(Kind::Marked("<!-- m -->").recognises(b"# t\n<!-- m -->\n"));
        assert!(!Kind::Foreign.recognises(b"name: mine\n"));
        assert!(Kind::Foreign.recognises(b""));
    }

    #[test]
    fn refuses_a_foreign_file_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.json");
        fs::write(&path, "{\"mine\": true}\n").unwrap();
        let err = Output::new(&path, false).check(Kind::Json).unwrap_err();
        assert!(matches!(err, ReportError::WouldOverwrite { .. }), "{err}");
        Output::new(&path, true)
            .write_bytes(Kind::Json, b"{}\n")
            .unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "{}\n");
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        let old = "{\"schema_version\": 2, \"nines_version\": \"0\"}\n";
        fs::write(&path, old).unwrap();
        let err = Output::new(&path, false)
            .write_with(Kind::Json, |w| {
                w.write_all(b"{\"schema_version\": 2, \"nines")?;
                Err(io::Error::other("interrupted"))
            })
            .unwrap_err();
        assert!(err.to_string().contains("interrupted"), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), old);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.json")]);
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        fs::write(&path, "a,b\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        Output::new(&path, false)
            .write_bytes(Kind::Csv("a,b"), b"a,b\n1,2\n")
            .unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn refuses_directories_and_missing_directories() {
        let dir = tempfile::tempdir().unwrap();
        let err = Output::new(dir.path(), false)
            .check(Kind::Json)
            .unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
        let err = Output::new(dir.path().join("no/such/file.json"), false)
            .check(Kind::Json)
            .unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        let err = Output::new("", false).check(Kind::Json).unwrap_err();
        assert!(err.to_string().contains("empty file name"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_written_directly_and_errors_are_clean() {
        Output::new("/dev/null", false)
            .write_bytes(Kind::Json, b"{}\n")
            .unwrap();
        if Path::new("/dev/full").exists() {
            let err = Output::new("/dev/full", false)
                .write_bytes(Kind::Trace, &[b'x'; 100_000])
                .unwrap_err();
            assert!(err.to_string().starts_with("/dev/full: "), "{err}");
        }
    }

    #[test]
    fn appending_keeps_what_was_there() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        fs::write(&path, "# earlier step\n").unwrap();
        Output::appending(&path)
            .write_bytes(Kind::Foreign, b"# nines\n")
            .unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "# earlier step\n# nines\n"
        );
    }
}
