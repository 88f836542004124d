//! Reading ids for bulk mode.

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
