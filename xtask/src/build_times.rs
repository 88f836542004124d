//! `cargo xtask build-times`: what the generated code costs to build, measured the way the issue states
//! its targets: `cargo build -p lark-openapi` with its dependencies built, after `cargo clean -p
//! lark-openapi`, for one service and for every service, and the CLI likewise; the generated lines per
//! endpoint; and `cargo xtask codegen`'s own time. Medians of a few runs, on this machine as it is.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The builds measured: the client with one service and with the default (every service), and the
/// `lark` CLI on its own (the client it calls already built).
///
/// The client with every service and its server side is what the tests and the emulator build: its call
/// paths are compiled there for every endpoint (the endpoint registry), where a user's build compiles
/// only those it calls.
const BUILDS: [(&str, &str, &[&str]); 4] = [
    (
        "im only",
        "lark-openapi",
        &["--no-default-features", "--features", "im"],
    ),
    ("every service", "lark-openapi", &[]),
    (
        "every service and the server side",
        "lark-openapi",
        &["--features", "server"],
    ),
    ("the CLI", "lark-openapi-cli", &[]),
];

/// Runs every measurement `runs` times and prints the medians.
pub fn run(root: &Path, runs: usize) -> anyhow::Result<()> {
    let runs = runs.max(1);
    println!(
        "{} runs each; dependencies built first, then `cargo clean -p PACKAGE` before each build",
        runs
    );
    for (label, package, features) in BUILDS {
        cargo(root, &["build", "-q", "-p", package], features)?;
        let mut times = Vec::new();
        for _ in 0..runs {
            cargo(root, &["clean", "-q", "-p", package], &[])?;
            let started = Instant::now();
            cargo(root, &["build", "-q", "-p", package], features)?;
            times.push(started.elapsed());
        }
        println!("cargo build -p {package} ({label}): {}", summary(&mut times));
    }
    let codegen = std::env::current_exe().context("cannot find the xtask binary")?;
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let status = Command::new(&codegen)
            .args(["codegen", "--check"])
            .current_dir(root)
            .stdout(std::process::Stdio::null())
            .status()?;
        if !status.success() {
            bail!("cargo xtask codegen --check failed: regenerate first");
        }
        times.push(started.elapsed());
    }
    println!("cargo xtask codegen --check: {}", summary(&mut times));
    let lines = endpoint_lines(&root.join(crate::CLIENT_DIR))?;
    println!(
        "generated lines per endpoint file: median {} over {} endpoints ({} lines in all generated files)",
        median(&lines.per_endpoint),
        lines.per_endpoint.len(),
        lines.total
    );
    Ok(())
}

fn cargo(root: &Path, args: &[&str], features: &[&str]) -> anyhow::Result<()> {
    let status = crate::cargo()
        .args(args)
        .args(features)
        .current_dir(root)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo {} {} failed", args.join(" "), features.join(" "));
    }
    Ok(())
}

/// `median (min–max)` in seconds.
fn summary(times: &mut [Duration]) -> String {
    times.sort();
    let seconds = |d: &Duration| d.as_secs_f64();
    format!(
        "median {:.1} s ({:.1}–{:.1} s)",
        seconds(&times[times.len() / 2]),
        seconds(&times[0]),
        seconds(&times[times.len() - 1])
    )
}

struct Lines {
    per_endpoint: Vec<usize>,
    total: usize,
}

/// Lines of each endpoint's file, and of every generated file (module trees, shared types and errors,
/// events included).
fn endpoint_lines(dir: &Path) -> anyhow::Result<Lines> {
    let mut lines = Lines {
        per_endpoint: Vec::new(),
        total: 0,
    };
    visit(dir, &mut |path, count| {
        lines.total += count;
        let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
        let shared = ["mod.rs", "types.rs", "errors.rs"].contains(&name);
        let event = path.components().any(|part| part.as_os_str() == "events");
        if !shared && !event {
            lines.per_endpoint.push(count);
        }
    })?;
    Ok(lines)
}

fn visit(dir: &Path, each: &mut dyn FnMut(&Path, usize)) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            visit(&path, each)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let text = std::fs::read_to_string(&path)?;
            each(&path, text.lines().count());
        }
    }
    Ok(())
}

fn median(values: &[usize]) -> usize {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or(0)
}
