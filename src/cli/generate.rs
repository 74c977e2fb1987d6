//! `nines completions SHELL` and `nines man [SUBCOMMAND]`: shell
//! completion scripts and man pages generated from the command line itself
//! (clap_complete, clap_mangen), so they never drift from the flags.
//! Both print to standard output, so they overwrite nothing.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use super::args::Args;

/// Flags of `nines completions`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    nines completions bash > ~/.local/share/bash-completion/completions/nines\n  \
    nines completions zsh > ~/.zfunc/_nines      # with fpath+=(~/.zfunc) before compinit\n  \
    nines completions fish > ~/.config/fish/completions/nines.fish")]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Flags of `nines man`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    nines man > ~/.local/share/man/man1/nines.1\n  \
    for c in run validate check sweep plot merge import; do\n    \
    nines man $c > ~/.local/share/man/man1/nines-$c.1; done\n  \
    man nines")]
pub struct ManArgs {
    /// The subcommand whose page to print (`nines-check.1`); without one,
    /// the page of nines itself (`nines.1`).
    pub subcommand: Option<String>,
}

/// Prints the completion script.
pub fn completions_command(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut cmd = Args::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "nines", &mut out);
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&out)?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Prints a man page in roff.
pub fn man_command(args: ManArgs) -> anyhow::Result<ExitCode> {
    let mut root = Args::command().disable_help_subcommand(true);
    root.build();
    let cmd = match &args.subcommand {
        None => root,
        Some(name) => {
            let names: Vec<String> = root
                .get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(|s| s.get_name().to_string())
                .collect();
            match root.find_subcommand(name) {
                Some(sub) => {
                    let sub = sub.clone();
                    let display = format!("nines-{}", sub.get_name());
                    sub.display_name(display)
                }
                None => {
                    eprintln!(
                        "error: `{name}` is not a subcommand of nines; use one of {}",
                        names.join(", ")
                    );
                    return Ok(ExitCode::from(2));
                }
            }
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .source(format!("nines {}", env!("CARGO_PKG_VERSION")))
        .render(&mut out)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&out)?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
