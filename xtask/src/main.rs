//! `cargo xtask`: project tasks that need more than cargo.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use lark_codegen::sync::{differences, write_all};

/// Where the specs live, below the workspace root.
const SPECS_DIR: &str = "specs";
/// Where the client crate's generated modules live, below the workspace root.
const GENERATED_DIR: &str = "crates/lark-openapi/src/generated";

#[derive(Parser)]
#[command(about = "Project tasks for lark-openapi")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate the client crate's bindings from every spec under specs/.
    Codegen {
        /// Change nothing; exit non-zero when the checked-in bindings differ from a fresh generation.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Codegen { check } => codegen(&workspace_root(), check),
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

fn codegen(root: &Path, check: bool) -> anyhow::Result<ExitCode> {
    // Relative paths keep spec errors short: `specs/attendance/...:12:7`.
    std::env::set_current_dir(root).with_context(|| format!("cannot enter {}", root.display()))?;
    let set = match lark_spec::SpecSet::load_dir(Path::new(SPECS_DIR)) {
        Ok(set) => set,
        Err(errors) => {
            eprint!("{errors}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let files = lark_codegen::client_files(&set).context("generated code did not parse")?;
    let generated = Path::new(GENERATED_DIR);
    if check {
        let stale = differences(generated, &files).context("cannot read the generated bindings")?;
        if stale.is_empty() {
            println!(
                "{} generated files are up to date with {} specs.",
                files.len(),
                set.endpoints.len() + set.types.len()
            );
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("The generated bindings in {GENERATED_DIR} are stale:");
        for difference in &stale {
            eprintln!("  {difference}");
        }
        eprintln!("Run `cargo xtask codegen` and commit the result.");
        return Ok(ExitCode::FAILURE);
    }
    let written = write_all(generated, &files).context("cannot write the generated bindings")?;
    for difference in &written {
        println!("  {difference}");
    }
    println!(
        "{} specs -> {} files in {GENERATED_DIR} ({} updated).",
        set.endpoints.len() + set.types.len(),
        files.len(),
        written.len()
    );
    Ok(ExitCode::SUCCESS)
}
