//! Keeping a directory of generated files equal to a fresh generation.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::Path;

use crate::layout::GeneratedFile;

/// How a directory differs from a fresh generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// A file that should exist does not.
    Missing(String),
    /// A file whose contents differ.
    Changed(String),
    /// A `.rs` file that generation no longer produces.
    Extra(String),
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing(path) => write!(f, "missing: {path}"),
            Self::Changed(path) => write!(f, "changed: {path}"),
            Self::Extra(path) => write!(f, "not generated any more: {path}"),
        }
    }
}

/// Every difference between `dir` and `files`, sorted by path.
pub fn differences(dir: &Path, files: &[GeneratedFile]) -> io::Result<Vec<Difference>> {
    let mut differences = Vec::new();
    for file in files {
        match fs::read_to_string(dir.join(&file.path)) {
            Ok(existing) if existing == file.contents => {}
            Ok(_) => differences.push(Difference::Changed(file.path.clone())),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                differences.push(Difference::Missing(file.path.clone()))
            }
            Err(error) => return Err(error),
        }
    }
    let expected: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for existing in existing_rs_files(dir)? {
        if !expected.contains(existing.as_str()) {
            differences.push(Difference::Extra(existing));
        }
    }
    Ok(differences)
}

/// Makes `dir` equal to `files`: writes what differs and removes `.rs` files no longer generated.
pub fn write_all(dir: &Path, files: &[GeneratedFile]) -> io::Result<Vec<Difference>> {
    let differences = differences(dir, files)?;
    for difference in &differences {
        match difference {
            Difference::Missing(path) | Difference::Changed(path) => {
                let target = dir.join(path);
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent)?;
                }
                let file = files
                    .iter()
                    .find(|f| &f.path == path)
                    .map(|f| f.contents.as_str())
                    .unwrap_or_default();
                fs::write(target, file)?;
            }
            Difference::Extra(path) => fs::remove_file(dir.join(path))?,
        }
    }
    Ok(differences)
}

fn existing_rs_files(dir: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    if dir.is_dir() {
        collect(dir, dir, &mut out)?;
    }
    out.sort();
    Ok(out)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let parts: Vec<_> = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect();
            out.push(parts.join("/"));
        }
    }
    Ok(())
}
