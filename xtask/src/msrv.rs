//! `cargo xtask msrv`: the minimum Rust version every crate declares is one this run actually builds with.
//!
//! Only one toolchain can be installed on the project's machines, so the declared version is verified by
//! building with exactly that toolchain: either it is the one running, or rustup has it installed and the
//! workspace is checked with it. Anything else fails, saying which version to declare or install.

use std::path::Path;
use std::process::{Command, ExitCode};

use anyhow::Context;

/// A `major.minor[.patch]` version, as `rust-version` and `rustc --version` give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Version {
    major: u64,
    minor: u64,
    patch: Option<u64>,
}

impl Version {
    /// Reads `1.88` or `1.88.0`.
    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('.').map(str::parse::<u64>);
        let major = parts.next()?.ok()?;
        let minor = parts.next()?.ok()?;
        let patch = parts.next().transpose().ok()?;
        parts.next().is_none().then_some(Self { major, minor, patch })
    }

    /// Whether a toolchain of version `toolchain` is the release `self` names (any patch, unless named).
    fn is_met_exactly_by(self, toolchain: Version) -> bool {
        (self.major, self.minor) == (toolchain.major, toolchain.minor)
            && self.patch.is_none_or(|patch| Some(patch) == toolchain.patch)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        match self.patch {
            Some(patch) => write!(f, ".{patch}"),
            None => Ok(()),
        }
    }
}

/// Checks that every workspace crate declares one `rust-version` and that this run verifies it.
pub fn check(root: &Path) -> anyhow::Result<ExitCode> {
    let declared = declared_version(root)?;
    let running = rustc_version(Command::new(rustc()))?;
    if declared.is_met_exactly_by(running) {
        println!("rust-version {declared} verified: this run builds with rustc {running}");
        return Ok(ExitCode::SUCCESS);
    }
    let toolchain = declared.to_string();
    let installed = rustc_version(rustup(&["run", &toolchain, "rustc"]));
    if installed.is_ok_and(|version| declared.is_met_exactly_by(version)) {
        println!("rust-version {declared}: checking the workspace with that toolchain (this run has {running})");
        let status = rustup(&[
            "run",
            &toolchain,
            "cargo",
            "check",
            "--workspace",
            "--all-targets",
            "--locked",
        ])
        .current_dir(root)
        .status()
        .context("cannot run cargo through rustup")?;
        return Ok(if status.success() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    anyhow::bail!(
        "the crates declare rust-version {declared}, but this run builds with rustc {running} and no {declared} \
         toolchain is installed: install it (`rustup toolchain install {declared}`) or, once the workspace is \
         verified with {running}, declare that"
    )
}

/// The one `rust-version` of the workspace's members, from `cargo metadata`.
fn declared_version(root: &Path) -> anyhow::Result<Version> {
    let output = crate::cargo()
        .current_dir(root)
        .args(["metadata", "--no-deps", "--format-version", "1", "--locked"])
        .output()
        .context("cannot run cargo metadata")?;
    anyhow::ensure!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).context("cargo metadata's output")?;
    let mut versions = Vec::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let name = package["name"].as_str().unwrap_or("?");
        let declared = package["rust_version"]
            .as_str()
            .with_context(|| format!("crate {name} declares no rust-version"))?;
        let version = Version::parse(declared).with_context(|| format!("crate {name}: rust-version `{declared}`"))?;
        versions.push((name.to_owned(), version));
    }
    let (first_name, first) = versions.first().cloned().context("cargo metadata lists no crate")?;
    if let Some((name, other)) = versions.iter().find(|(_, version)| *version != first) {
        anyhow::bail!("crate {first_name} declares rust-version {first}, crate {name} {other}: declare one for all");
    }
    Ok(first)
}

/// The version a `rustc` command reports with `--version` (`rustc 1.95.0 (59807616e 2026-04-14)`).
fn rustc_version(mut rustc: Command) -> anyhow::Result<Version> {
    let output = rustc.arg("--version").output().context("cannot run rustc")?;
    anyhow::ensure!(output.status.success(), "rustc --version failed");
    let text = String::from_utf8_lossy(&output.stdout);
    parse_rustc_version(&text).with_context(|| format!("cannot read rustc's version from `{}`", text.trim()))
}

fn parse_rustc_version(text: &str) -> Option<Version> {
    let number = text.split_whitespace().nth(1)?;
    // A nightly or beta reports `1.96.0-nightly`: its release number is what counts.
    Version::parse(number.split('-').next()?)
}

fn rustc() -> std::ffi::OsString {
    std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into())
}

fn rustup(args: &[&str]) -> Command {
    let mut command = Command::new("rustup");
    command.args(args);
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_declared_and_reported_versions() {
        let declared = Version::parse("1.95").unwrap();
        assert_eq!(
            declared,
            Version {
                major: 1,
                minor: 95,
                patch: None
            }
        );
        assert_eq!(Version::parse("1.88.1").unwrap().patch, Some(1));
        assert_eq!(Version::parse("1.x"), None);
        assert_eq!(Version::parse("1.2.3.4"), None);
        let running = parse_rustc_version("rustc 1.95.0 (59807616e 2026-04-14)\n").unwrap();
        assert_eq!(
            running,
            Version {
                major: 1,
                minor: 95,
                patch: Some(0)
            }
        );
        let nightly = parse_rustc_version("rustc 1.96.0-nightly (abc 2026-05-01)").unwrap();
        assert_eq!((nightly.major, nightly.minor), (1, 96));
    }

    #[test]
    fn only_the_declared_release_verifies_it() {
        let running = Version::parse("1.95.0").unwrap();
        assert!(Version::parse("1.95").unwrap().is_met_exactly_by(running));
        assert!(Version::parse("1.95.0").unwrap().is_met_exactly_by(running));
        // A newer toolchain proves nothing about an older declaration, nor an older one about a newer.
        assert!(!Version::parse("1.88").unwrap().is_met_exactly_by(running));
        assert!(!Version::parse("1.96").unwrap().is_met_exactly_by(running));
        assert!(!Version::parse("1.95.1").unwrap().is_met_exactly_by(running));
    }
}
