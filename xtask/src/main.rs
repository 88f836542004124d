//! `cargo xtask`: project tasks that need more than cargo (`codegen`, `demo`, `fuzz`, `msrv`, `package`).

mod build_times;
mod import;
mod msrv;
mod package;
mod services;

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
const CLI_DIR: &str = "crates/lark-openapi-cli/src/generated";
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
    Demo {
        /// Instead, a small bot on the long connection: events in, answers through the generated client
        /// out, and a card callback answered with a toast.
        #[arg(long)]
        bot: bool,
    },
    /// Run the fuzz targets (cargo-fuzz with libFuzzer) for a while each: spec loading, answer
    /// decoding for every endpoint, failure reasons, incoming requests, event deliveries, long-connection
    /// frames and fragments. Needs
    /// `cargo install cargo-fuzz`.
    Fuzz {
        /// One target; all of them when left out.
        target: Option<String>,
        /// How long each target runs.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Build without optimizations: quicker to build, slower to run (CI's smoke test).
        #[arg(long)]
        dev: bool,
    },
    /// Check that the `rust-version` every crate declares is the toolchain this run builds with (or one
    /// rustup has installed, which then checks the workspace).
    Msrv,
    /// What `cargo publish` would upload, checked: the packages made once, unpacked into one workspace
    /// and compiled together from their own contents (cheaper than `cargo package`'s one build each).
    Package,
    /// Measure what the generated client costs: `cargo build -p lark-openapi` after
    /// `cargo clean -p lark-openapi` (dependencies built) for one service and for all, the time of
    /// `cargo xtask codegen --check`, and the generated lines per endpoint. Medians of `--runs` runs.
    BuildTimes {
        /// How many times each build runs.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Draft specs from reference pages (every fact, no sentence), or with --check report drift between
    /// every spec and its page. Existing specs are never overwritten: their drift is reported.
    Import {
        /// Reference pages to draft (below the reference folder).
        pages: Vec<PathBuf>,
        /// Every page of one service version, e.g. `im/v1`.
        #[arg(long, value_name = "SERVICE/VERSION")]
        service: Option<String>,
        /// Write nothing; fail when a spec drifts from its page (pages without a spec are only counted).
        #[arg(long)]
        check: bool,
        /// The reference pages (default: ../shared/reference beside the workspace).
        #[arg(long, env = "LARK_REFERENCE", value_name = "DIR")]
        reference: Option<PathBuf>,
        /// The specs folder (default: the workspace's specs/).
        #[arg(long, value_name = "DIR")]
        specs: Option<PathBuf>,
    },
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
        Task::Demo { bot } => demo(&workspace_root(), if bot { "bot" } else { "demo" }),
        Task::Msrv => msrv::check(&workspace_root()),
        Task::Package => package::run(&workspace_root()),
        Task::BuildTimes { runs } => build_times::run(&workspace_root(), runs).map(|()| ExitCode::SUCCESS),
        Task::Import {
            pages,
            service,
            check,
            reference,
            specs,
        } => {
            let root = workspace_root();
            let reference = reference.unwrap_or_else(|| root.join("../shared/reference"));
            import::run(&import::ImportArgs {
                pages,
                service,
                check,
                reference,
                // A folder given is read from where the command runs; the default is the workspace's.
                specs: specs.unwrap_or_else(|| root.join(SPECS_DIR)),
            })
        }
        Task::Fuzz { target, seconds, dev } => fuzz(&workspace_root(), target.as_deref(), seconds, dev),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The cargo that runs this task (`CARGO`), so that its toolchain also builds what the task starts.
fn cargo() -> std::process::Command {
    std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Runs one of the emulator's demo examples. A separate build, so that xtask itself never depends on the
/// generated client it regenerates.
fn demo(root: &Path, example: &str) -> anyhow::Result<ExitCode> {
    let status = cargo()
        .current_dir(root)
        .args(["run", "--quiet", "--package", "lark-emulator", "--example", example])
        .status()
        .context("cannot run cargo")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The target directory cargo uses for the workspace (`CARGO_TARGET_DIR`, relative to the root, or
/// `target`).
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// The fuzz targets of `crates/lark-fuzz`.
const FUZZ_TARGETS: [&str; 6] = [
    "spec_load",
    "answer_decoding",
    "failure_reasons",
    "incoming_request",
    "event_delivery",
    "long_connection_frames",
];
/// Where the fuzz targets live, below the workspace root.
const FUZZ_DIR: &str = "crates/lark-fuzz";

/// Runs each fuzz target for `seconds`. libFuzzer's instrumentation needs unstable flags: the stable
/// toolchain allows them with RUSTC_BOOTSTRAP. Safe Rust needs no sanitizer, so none is built in.
fn fuzz(root: &Path, target: Option<&str>, seconds: u64, dev: bool) -> anyhow::Result<ExitCode> {
    let has_cargo_fuzz = cargo()
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !has_cargo_fuzz {
        anyhow::bail!("cargo-fuzz is not installed: run `cargo install cargo-fuzz --locked`");
    }
    let targets: Vec<&str> = match target {
        Some(name) if FUZZ_TARGETS.contains(&name) => vec![name],
        Some(name) => anyhow::bail!("no fuzz target `{name}`; the targets are {}", FUZZ_TARGETS.join(", ")),
        None => FUZZ_TARGETS.to_vec(),
    };
    for target in targets {
        println!("fuzzing {target} for {seconds} s");
        let mut command = cargo();
        command.current_dir(root).env("RUSTC_BOOTSTRAP", "1").args([
            "fuzz",
            "run",
            "--fuzz-dir",
            FUZZ_DIR,
            "--sanitizer",
            "none",
        ]);
        if dev {
            command.arg("--dev");
        }
        let status = command
            .args([target, "--"])
            .arg(format!("-max_total_time={seconds}"))
            .status()
            .context("cannot run cargo fuzz")?;
        if !status.success() {
            eprintln!("{target} found a crash: its input is under {FUZZ_DIR}/artifacts/{target}/");
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The manifest of the client crate and the README, with their services written from the specs.
const SERVICE_FILES: [(&str, services::Writer); 2] = [
    ("crates/lark-openapi/Cargo.toml", services::manifest),
    ("README.md", services::readme),
];

/// Writes (or with `check`, compares) the services in the manifest and the README; the files that
/// differ, or why one cannot be written.
fn service_files(root: &Path, set: &lark_spec::SpecSet, check: bool) -> anyhow::Result<Vec<String>> {
    let mut stale = Vec::new();
    for (file, write) in SERVICE_FILES {
        let path = root.join(file);
        let current = std::fs::read_to_string(&path).with_context(|| format!("cannot read {file}"))?;
        let wanted = write(set, &current).map_err(anyhow::Error::msg)?;
        if wanted == current {
            continue;
        }
        stale.push(format!("{file}: its services differ from the specs"));
        if !check {
            std::fs::write(&path, wanted).with_context(|| format!("cannot write {file}"))?;
        }
    }
    Ok(stale)
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
    let services_stale = service_files(root, &set, check)?;
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
    let specs = set.endpoints.len() + set.types.len() + set.events.len();
    if check {
        let mut stale = services_stale;
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
    for file in &services_stale {
        println!("  {file}: written");
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
