//! `nines import`: Kubernetes objects to a commented scenario file.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use nines::import::{self, Options, Source};
use nines::report::output::{Kind, Output};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    nines import kubeadm-config.yaml nodes.yaml manifests/ -o my-cluster.yaml\n  \
    kubectl get nodes,deploy,sts,hpa,pdb -A -o yaml | nines import - -o my-cluster.yaml\n  \
    nines validate my-cluster.yaml && nines run my-cluster.yaml")]
pub struct ImportArgs {
    /// Files and directories of Kubernetes objects (YAML or JSON; `---`
    /// streams and `kind: List` alike; directories are read recursively);
    /// `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub inputs: Vec<PathBuf>,
    /// Write the scenario to this file (`-` or no flag: standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    pub force: bool,
    /// The scenario's `name` (default: imported).
    #[arg(long)]
    pub name: Option<String>,
}

pub fn import_command(args: ImportArgs) -> anyhow::Result<ExitCode> {
    // The target is checked before reading anything: a scenario file a
    // user may have edited is never replaced without --force.
    let output = args
        .output
        .as_ref()
        .filter(|p| p.as_os_str() != "-")
        .map(|p| Output::new(p, args.force));
    if let Some(out) = &output
        && let Err(err) = out.check(Kind::Foreign)
    {
        eprintln!("error: -o: {err}");
        return Ok(ExitCode::from(1));
    }
    let options = Options { name: args.name };
    let stdin_wanted = args.inputs.iter().any(|p| p.as_os_str() == "-");
    let result = if stdin_wanted {
        let mut sources = Vec::new();
        for path in &args.inputs {
            if path.as_os_str() == "-" {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .context("reading standard input")?;
                sources.push(Source {
                    name: "<stdin>".into(),
                    text,
                });
            } else {
                match import::read_paths(std::slice::from_ref(path)) {
                    Ok(mut more) => sources.append(&mut more),
                    Err(err) => {
                        eprintln!("error: {err}");
                        return Ok(ExitCode::from(1));
                    }
                }
            }
        }
        import::import_sources(&sources, &options)
    } else {
        import::import_paths(&args.inputs, &options)
    };
    let imported = match result {
        Ok(imported) => imported,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(1));
        }
    };
    match &output {
        Some(out) => out
            .write_bytes(Kind::Foreign, imported.yaml.as_bytes())
            .context("writing the scenario")?,
        None => std::io::stdout()
            .lock()
            .write_all(imported.yaml.as_bytes())?,
    }
    let mut stderr = std::io::stderr().lock();
    for note in &imported.notes {
        writeln!(stderr, "note: {note}")?;
    }
    let scenario = &imported.scenario;
    writeln!(
        stderr,
        "imported {} machines in {} zone{}, {} workload{}; {} note{} (also in the file as comments); review the REVIEW comments{}",
        scenario.groups.iter().map(|g| g.zones.len()).sum::<usize>(),
        scenario.zones.len(),
        if scenario.zones.len() == 1 { "" } else { "s" },
        scenario.workloads.len(),
        if scenario.workloads.len() == 1 {
            ""
        } else {
            "s"
        },
        imported.notes.len(),
        if imported.notes.len() == 1 { "" } else { "s" },
        match &output {
            Some(out) => format!(", then `nines run {}`", out.path().display()),
            None => String::new(),
        }
    )?;
    Ok(ExitCode::SUCCESS)
}
