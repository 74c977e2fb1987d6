//! The `nines` binary: parse arguments, call the library, print, and map
//! errors to exit codes (0 success, 1 error, 2 usage; `nines check` has its
//! own: 0 pass, 1 fail, 2 usage or input error, 3 inconclusive).

mod cli;

use std::process::ExitCode;

/// The exit status of a process ended by an interrupt (128 + SIGINT).
const INTERRUPTED: i32 = 130;

fn main() -> ExitCode {
    // An interrupted write leaves no temporary file beside its final name
    // (and never a partial file under it: that is only ever renamed whole).
    // Without a handler the process would simply die, as it does now after
    // the clean-up; failing to install one changes nothing else.
    let _ = ctrlc::set_handler(|| {
        let _held = nines::report::output::remove_live_temporaries();
        std::process::exit(INTERRUPTED);
    });
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`nines run | head`) is not a failure.
            if err
                .chain()
                .filter_map(|e| e.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}
