//! A small YAML writer for drafts: block mappings for the spec's structure, JSON (which YAML reads as
//! flow style) for scalars and examples, so every string is quoted and escaped the same way.

use serde_json::Value;

/// Lines of YAML being written.
#[derive(Debug, Default)]
pub struct Yaml {
    text: String,
}

impl Yaml {
    /// `key:` opening a nested block at `depth`.
    pub fn open(&mut self, depth: usize, key: &str) {
        self.line(depth, &format!("{}:", key_text(key)));
    }

    /// `key: value` with the value as JSON.
    pub fn value(&mut self, depth: usize, key: &str, value: &Value) {
        self.line(depth, &format!("{}: {}", key_text(key), flow(value)));
    }

    /// `key: word`, a bare word of the format (`string`, `POST`).
    pub fn word(&mut self, depth: usize, key: &str, word: &str) {
        self.line(depth, &format!("{}: {word}", key_text(key)));
    }

    /// `- value` as JSON, an item of a list at `depth`.
    pub fn item(&mut self, depth: usize, value: &Value) {
        self.line(depth, &format!("- {}", flow(value)));
    }

    /// `- text` opening an item of a list of mappings at `depth` (its other keys go at `depth + 1`).
    pub fn line_item(&mut self, depth: usize, text: &str) {
        self.line(depth, &format!("- {text}"));
    }

    /// A `# comment` line.
    pub fn comment(&mut self, depth: usize, comment: &str) {
        for line in comment.lines() {
            self.line(depth, &format!("# {line}"));
        }
    }

    /// An empty line.
    pub fn blank(&mut self) {
        self.text.push('\n');
    }

    /// The text written.
    pub fn finish(self) -> String {
        self.text
    }

    fn line(&mut self, depth: usize, line: &str) {
        self.text.push_str(&"  ".repeat(depth));
        self.text.push_str(line);
        self.text.push('\n');
    }
}

/// A key bare when it is a plain word, quoted otherwise.
fn key_text(key: &str) -> String {
    let plain = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        key.to_owned()
    } else {
        Value::String(key.to_owned()).to_string()
    }
}

/// JSON text of a value, which YAML reads back as the same value.
fn flow(value: &Value) -> String {
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_nested_blocks_and_json_scalars() {
        let mut yaml = Yaml::default();
        yaml.word(0, "service", "im");
        yaml.open(0, "fields");
        yaml.value(1, "a-b", &json!("x: \"y\""));
        yaml.item(1, &json!({"requests": 5}));
        assert_eq!(
            yaml.finish(),
            "service: im\nfields:\n  \"a-b\": \"x: \\\"y\\\"\"\n  - {\"requests\":5}\n"
        );
    }
}
