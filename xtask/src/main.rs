//! `cargo xtask`: project tasks that need more than cargo (`codegen`, `demo`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use lark_codegen::sync::{differences, write_all};

/// Where the specs live, below the workspace root.
const SPECS_DIR: &str = "specs";
/// Where the client crate's generated modules live, below the workspace root.
const CLIENT_DIR: &str = "crates/lark-openapi/src/generated";
/// Where the CLI's generated command tree lives, below the workspace root.
const CLI_DIR: &str = "crates/lark-cli/src/generated";
/// Where the endpoints the runtime calls itself (the token endpoints) live, below the workspace root.
const RUNTIME_DIR: &str = "crates/lark-runtime/src/generated";

#[derive(Parser)]
#[command(about = "Project tasks for lark-openapi")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// The main job with no credentials and no network: start the local emulator, import a day of
    /// punches, delete some records through the generated client and show the recomputed task results.
    Demo,
    /// Regenerate the client crate's bindings from every spec under specs/.
    Codegen {
        /// Change nothing; exit non-zero when the checked-in bindings differ from a fresh generation.
        #[arg(long)]
        check: bool,
        /// Read the specs from another folder (e.g. to try a draft set) instead of specs/.
        #[arg(long, value_name = "DIR", default_value = SPECS_DIR)]
        specs: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Codegen { check, specs } => codegen(&workspace_root(), &specs, check),
        Task::Demo => demo(&workspace_root()),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Runs the emulator's demo example. A separate build, so that xtask itself never depends on the
/// generated client it regenerates.
fn demo(root: &Path) -> anyhow::Result<ExitCode> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(root)
        .args(["run", "--quiet", "--package", "lark-emulator", "--example", "demo"])
        .status()
        .context("cannot run cargo")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn codegen(root: &Path, specs_dir: &Path, check: bool) -> anyhow::Result<ExitCode> {
    // Relative paths keep spec errors short: `specs/attendance/...:12:7`.
    std::env::set_current_dir(root).with_context(|| format!("cannot enter {}", root.display()))?;
    let set = match lark_spec::SpecSet::load_dir(specs_dir) {
        Ok(set) => set,
        Err(errors) => {
            eprint!("{errors}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let outputs = [
        (
            CLIENT_DIR,
            lark_codegen::client_files(&set).context("generated client code did not parse")?,
        ),
        (
            CLI_DIR,
            lark_codegen::cli_files(&set).context("generated CLI code did not parse")?,
        ),
        (
            RUNTIME_DIR,
            lark_codegen::runtime_files(&set).context("generated runtime code did not parse")?,
        ),
    ];
    let specs = set.endpoints.len() + set.types.len();
    if check {
        let mut stale = Vec::new();
        for (dir, files) in &outputs {
            let found = differences(Path::new(dir), files).with_context(|| format!("cannot read {dir}"))?;
            stale.extend(found.into_iter().map(|difference| format!("{dir}: {difference}")));
        }
        if stale.is_empty() {
            let count: usize = outputs.iter().map(|(_, files)| files.len()).sum();
            println!("{count} generated files are up to date with {specs} specs.");
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("The generated bindings are stale:");
        for line in &stale {
            eprintln!("  {line}");
        }
        eprintln!("Run `cargo xtask codegen` and commit the result.");
        return Ok(ExitCode::FAILURE);
    }
    for (dir, files) in &outputs {
        let written = write_all(Path::new(dir), files).with_context(|| format!("cannot write {dir}"))?;
        for difference in &written {
            println!("  {dir}: {difference}");
        }
        println!(
            "{specs} specs -> {} files in {dir} ({} updated).",
            files.len(),
            written.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}
