//! Reading input files: ids for bulk mode, JSON for object fields.

use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// Ids from `path` (or standard input for `-`), one per line; blank lines are skipped and surrounding
/// white space is trimmed.
pub fn read_ids(path: &Path) -> io::Result<Vec<String>> {
    let reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(std::fs::File::open(path)?)
    };
    let mut ids = Vec::new();
    for line in BufReader::new(reader).lines() {
        let line = line?;
        let id = line.trim();
        if !id.is_empty() {
            ids.push(id.to_owned());
        }
    }
    Ok(ids)
}

/// The whole text of `path` (or of standard input for `-`).
pub fn read_text(path: &Path) -> io::Result<String> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(path)?;
    }
    Ok(text)
}
