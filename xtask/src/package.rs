//! `cargo xtask package`: what `cargo publish` would upload, each package compiled from its own contents.
//!
//! `cargo package` verifies by building every package from its `.crate` file, one after another and each
//! with its own features: the generated client was built three times over (itself, under the emulator,
//! under the CLI), the largest step of CI. Here the packages are made once (`cargo package --no-verify`,
//! then `cargo publish --dry-run --no-verify` for the registry's checks), unpacked side by side into one
//! workspace that patches each name to its unpacked copy, and checked together (`cargo check`): a file
//! left out of a package still fails, and the client compiles once.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

/// The packages the project publishes, dependencies first.
pub const PUBLISHED: [&str; 8] = [
    "lark-spec",
    "lark-codegen",
    "lark-macros",
    "lark-derive",
    "lark-runtime",
    "lark-openapi",
    "lark-emulator",
    "lark-openapi-cli",
];

/// Where the unpacked packages' workspace goes, below the target directory.
const CHECK_DIR: &str = "package-check";

/// Makes the packages, runs the registry's checks, unpacks them into one workspace and checks it.
pub fn run(root: &Path) -> anyhow::Result<ExitCode> {
    // `cargo package` leaves the .crate files in target/package; `publish --dry-run` adds the checks
    // the registry makes (and leaves no files behind).
    for command in [
        &["package", "--no-verify", "--locked"][..],
        &["publish", "--dry-run", "--no-verify", "--locked"][..],
    ] {
        let mut cargo = crate::cargo();
        cargo.current_dir(root).args(command);
        for name in PUBLISHED {
            cargo.args(["-p", name]);
        }
        if !cargo.status().context("cannot run cargo")?.success() {
            return Ok(ExitCode::FAILURE);
        }
    }
    let target = crate::target_dir(root);
    let workspace = target.join(CHECK_DIR);
    if workspace.exists() {
        std::fs::remove_dir_all(&workspace).with_context(|| format!("cannot clear {}", workspace.display()))?;
    }
    std::fs::create_dir_all(&workspace).with_context(|| format!("cannot create {}", workspace.display()))?;
    let version = workspace_version(root)?;
    let mut members = Vec::new();
    for name in PUBLISHED {
        let file = target.join("package").join(format!("{name}-{version}.crate"));
        unpack(&file, &workspace)?;
        members.push(format!("{name}-{version}"));
    }
    std::fs::write(workspace.join("Cargo.toml"), manifest(&members, &version))
        .context("cannot write the packages' workspace manifest")?;
    // The workspace's lock file pins every dependency to the version the other steps tested.
    std::fs::copy(root.join("Cargo.lock"), workspace.join("Cargo.lock")).context("cannot copy Cargo.lock")?;
    let status = crate::cargo()
        .current_dir(&workspace)
        .env("CARGO_TARGET_DIR", &target)
        .args(["check", "--workspace"])
        .status()
        .context("cannot run cargo check")?;
    Ok(if status.success() {
        println!("{} packages compile from their own contents", PUBLISHED.len());
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The workspace manifest of the unpacked packages: each published name resolves to its unpacked copy.
fn manifest(members: &[String], version: &str) -> String {
    let list: Vec<String> = members.iter().map(|member| format!("{member:?}")).collect();
    let mut text = format!(
        "# Written by `cargo xtask package`: the packages as `cargo publish` would upload them.\n\
         [workspace]\nresolver = \"3\"\nmembers = [{}]\n\n[patch.crates-io]\n",
        list.join(", ")
    );
    for name in PUBLISHED {
        text.push_str(&format!("{name} = {{ path = \"{name}-{version}\" }}\n"));
    }
    text
}

/// Unpacks a `.crate` file (a gzipped tar holding `<name>-<version>/`) into `into`.
fn unpack(file: &Path, into: &Path) -> anyhow::Result<()> {
    let status = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(file)
        .arg("-C")
        .arg(into)
        .status()
        .context("cannot run tar")?;
    anyhow::ensure!(status.success(), "cannot unpack {}", file.display());
    Ok(())
}

/// The version every published package shares (`[workspace.package] version`).
fn workspace_version(root: &Path) -> anyhow::Result<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).context("cannot read Cargo.toml")?;
    let in_package = manifest
        .split("[workspace.package]")
        .nth(1)
        .context("Cargo.toml has no [workspace.package]")?;
    in_package
        .lines()
        .take_while(|line| !line.starts_with('['))
        .find_map(|line| {
            let value = line.trim().strip_prefix("version")?.trim().strip_prefix('=')?;
            Some(value.trim().trim_matches('"').to_owned())
        })
        .context("[workspace.package] gives no version")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_patches_every_published_name_to_its_unpacked_copy() {
        let members: Vec<String> = PUBLISHED.iter().map(|name| format!("{name}-0.1.0")).collect();
        let text = manifest(&members, "0.1.0");
        assert!(text.contains("members = [\"lark-spec-0.1.0\", \"lark-codegen-0.1.0\""));
        for name in PUBLISHED {
            assert!(
                text.contains(&format!("{name} = {{ path = \"{name}-0.1.0\" }}")),
                "{text}"
            );
        }
    }

    #[test]
    fn the_version_is_read_from_the_workspace_package_table() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let version = workspace_version(root).unwrap();
        assert!(version.split('.').all(|part| part.parse::<u64>().is_ok()), "{version}");
    }
}
