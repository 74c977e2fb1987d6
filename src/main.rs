//! The `nines` binary: parse arguments, call the library, print, and map
//! errors to exit codes (0 success, 1 error, 2 usage; `nines check` has its
//! own: 0 pass, 1 fail, 2 usage or input error, 3 inconclusive).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
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
