//! Field tables (`路径参数`, `查询参数`, `请求体`, `响应体`, an event's body): one row per field, children
//! marked by `&nbsp;` pairs or `&emsp;` before `└`/`∟`, and the facts a description carries.

use crate::markdown::Row;
use crate::report::Undecided;

/// A field's type as the page writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum PageType {
    /// `string`.
    String,
    /// `boolean`.
    Boolean,
    /// `int`: the platform's 32-bit integer (its 64-bit integers are written `string`).
    Int,
    /// `int64`.
    Int64,
    /// `float`, `number(float)`.
    Float,
    /// `enum`: named values; the values say whether they are strings or integers.
    Enum,
    /// `file`: a part of a multipart body, or a binary answer.
    File,
    /// `map<string, T>`.
    Map(Box<PageType>),
    /// `T[]`.
    Array(Box<PageType>),
    /// An object: a lower-case type name (`message`, `app.table.record`), or `-` for none.
    Object(Option<String>),
    /// `union`: any JSON value (a bitable cell).
    Json,
}

/// Bounds from `数据校验规则`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bounds {
    /// `长度范围` / `最小长度`.
    pub min_length: Option<u64>,
    /// `长度范围` / `最大长度`.
    pub max_length: Option<u64>,
    /// `取值范围` / `最小值`.
    pub minimum: Option<i64>,
    /// `取值范围` / `最大值`.
    pub maximum: Option<i64>,
    /// `正则校验`.
    pub pattern: Option<String>,
}

/// One field of a table, with its children.
#[derive(Debug, Clone, PartialEq)]
pub struct PageField {
    /// The wire name.
    pub name: String,
    /// The row's line.
    pub line: usize,
    /// The type.
    pub ty: PageType,
    /// `必填` says `是`.
    pub required: bool,
    /// `示例值`, as written.
    pub example: Option<String>,
    /// `默认值`, as written.
    pub default: Option<String>,
    /// `可选值有` / `可能值有`: the values only (their descriptions are the page's sentences).
    pub values: Vec<String>,
    /// `数据校验规则`.
    pub bounds: Bounds,
    /// Child rows.
    pub children: Vec<PageField>,
}

impl PageField {
    /// A string field with no name and no facts, for reading values of a type alone.
    pub fn bare() -> PageField {
        PageField {
            name: String::new(),
            line: 0,
            ty: PageType::String,
            required: false,
            example: None,
            default: None,
            values: Vec::new(),
            bounds: Bounds::default(),
            children: Vec::new(),
        }
    }
}

/// Reads a field table into a tree. `required_column` is the index of `必填`, if the table has one.
pub fn field_tree(rows: &[Row], required_column: Option<usize>, undecided: &mut Vec<Undecided>) -> Vec<PageField> {
    let mut roots: Vec<PageField> = Vec::new();
    // The children of a row that could not be read are not read either: they would join its sibling.
    let mut skipping_below: Option<usize> = None;
    for row in rows {
        let Some(name_cell) = row.cells.first() else { continue };
        let (depth, name) = split_name(name_cell);
        if name.is_empty() {
            continue;
        }
        match skipping_below {
            Some(skipped) if depth > skipped => {
                undecided.push(Undecided::new(
                    row.line,
                    format!("field `{name}` left out with its parent"),
                ));
                continue;
            }
            _ => skipping_below = None,
        }
        let ty_cell = row.cells.get(1).map(String::as_str).unwrap_or("");
        let description = row.cells.last().map(String::as_str).unwrap_or("");
        let Some(ty) = parse_type(ty_cell) else {
            undecided.push(Undecided::new(
                row.line,
                format!(
                    "field `{name}`: type `{}` is not one the importer knows",
                    clean(ty_cell)
                ),
            ));
            skipping_below = Some(depth);
            continue;
        };
        let required = required_column
            .and_then(|index| row.cells.get(index))
            .is_some_and(|cell| cell.trim() == "是");
        let mut field = PageField {
            name,
            line: row.line,
            ty,
            required,
            example: None,
            default: None,
            values: Vec::new(),
            bounds: Bounds::default(),
            children: Vec::new(),
        };
        read_description(description, &mut field, undecided);
        if !insert(&mut roots, field, depth) {
            undecided.push(Undecided::new(
                row.line,
                format!("a child row at depth {depth} without a parent"),
            ));
            skipping_below = Some(depth);
        }
    }
    objects_from_rows_with_children(&mut roots, undecided);
    roots
}

/// Whether a table lists nested fields flat (a few pages do, and the older layout always; their examples
/// show the nesting): the same name twice among siblings, or an object with no fields before other rows.
pub fn lists_flat(fields: &[PageField]) -> bool {
    let repeated = fields
        .iter()
        .enumerate()
        .any(|(index, field)| fields[..index].iter().any(|earlier| earlier.name == field.name));
    let is_object = |ty: &PageType| match ty {
        PageType::Object(_) => true,
        PageType::Array(item) => matches!(**item, PageType::Object(_)),
        _ => false,
    };
    let childless_object = fields
        .iter()
        .take(fields.len().saturating_sub(1))
        .any(|field| is_object(&field.ty) && field.children.is_empty());
    repeated || childless_object
}

/// Rebuilds the nesting of flat rows from the page's example: a row belongs to the innermost object of
/// the example, open so far, that has its name (an array by its first item), searching outward.
pub fn nest_by_example(
    rows: Vec<PageField>,
    example: &serde_json::Value,
    undecided: &mut Vec<Undecided>,
) -> Vec<PageField> {
    let first_line = rows.first().map_or(0, |field| field.line);
    let mut open: Vec<&serde_json::Map<String, serde_json::Value>> = example.as_object().into_iter().collect();
    let mut nested: Vec<PageField> = Vec::new();
    for row in rows {
        while open.len() > 1 && !open.last().is_some_and(|object| object.contains_key(&row.name)) {
            open.pop();
        }
        let depth = open.len().saturating_sub(1);
        let child = open.last().and_then(|object| object.get(&row.name));
        if child.is_none() {
            undecided.push(Undecided::new(
                row.line,
                format!(
                    "field `{}` is not in the example; nested beside the row before it",
                    row.name
                ),
            ));
        }
        if let Some(object) = child.and_then(first_object) {
            open.push(object);
        }
        let line = row.line;
        if !insert(&mut nested, row, depth) {
            undecided.push(Undecided::new(line, "a row the example nests under nothing; left out"));
        }
    }
    undecided.push(Undecided::new(
        first_line,
        "the table lists nested fields flat: nesting taken from the example",
    ));
    nested
}

/// An `int` field whose value in the page's whole example is past 32 bits is drafted as a 64-bit
/// integer: the table's `int` is the platform's 32-bit one, and the example shows that more arrives.
pub fn widen_ints_by_example(fields: &mut [PageField], example: &serde_json::Value, undecided: &mut Vec<Undecided>) {
    let objects = objects_in(example);
    for field in fields {
        let values: Vec<&serde_json::Value> = objects.iter().filter_map(|object| object.get(&field.name)).collect();
        let int =
            matches!(&field.ty, PageType::Int) || matches!(&field.ty, PageType::Array(item) if **item == PageType::Int);
        if int && values.iter().any(|value| past_32_bits(value)) {
            field.ty = match &field.ty {
                PageType::Array(_) => PageType::Array(Box::new(PageType::Int64)),
                _ => PageType::Int64,
            };
            undecided.push(Undecided::new(
                field.line,
                format!(
                    "field `{}`: `int` with a value past 32 bits in the example, drafted as int64",
                    field.name
                ),
            ));
        }
        for value in values {
            widen_ints_by_example(&mut field.children, value, undecided);
        }
    }
}

/// Every object a value holds: itself, or each item of an array, at any depth of arrays.
fn objects_in(value: &serde_json::Value) -> Vec<&serde_json::Map<String, serde_json::Value>> {
    match value {
        serde_json::Value::Object(object) => vec![object],
        serde_json::Value::Array(items) => items.iter().flat_map(objects_in).collect(),
        _ => Vec::new(),
    }
}

fn past_32_bits(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Number(number) => number.as_i64().is_none_or(|number| i32::try_from(number).is_err()),
        serde_json::Value::Array(items) => items.iter().any(past_32_bits),
        _ => false,
    }
}

/// The object a value holds: itself, or an array's first item.
fn first_object(value: &serde_json::Value) -> Option<&serde_json::Map<String, serde_json::Value>> {
    match value {
        serde_json::Value::Object(object) => Some(object),
        serde_json::Value::Array(items) => items.first().and_then(first_object),
        _ => None,
    }
}

/// A row with children is an object whatever its type column says: a `file` row is one whose type is
/// named `file` (an upload's answer), not a part; a scalar row (`enum`, `string`, ...) is an unnamed one,
/// its named values said to be the reviewer's to place.
fn objects_from_rows_with_children(fields: &mut [PageField], undecided: &mut Vec<Undecided>) {
    for field in fields {
        if !field.children.is_empty() {
            let item = match &mut field.ty {
                PageType::Array(item) => item.as_mut(),
                ty => ty,
            };
            let scalar = matches!(
                item,
                PageType::String
                    | PageType::Boolean
                    | PageType::Int
                    | PageType::Int64
                    | PageType::Float
                    | PageType::Enum
            );
            let enum_object = *item == PageType::Enum
                && field.values.is_empty()
                && field.children.iter().any(|child| child.name == "enum_name");
            match item {
                PageType::File => *item = PageType::Object(Some("file".to_owned())),
                // corehr's `enum` rows are an object ({enum_name, display}) on hundreds of pages: named
                // `enum`, they become one shared type rather than an object at every place.
                _ if enum_object => *item = PageType::Object(Some("enum".to_owned())),
                scalar_type if scalar => {
                    let named = std::mem::take(&mut field.values);
                    let note = match named.is_empty() {
                        true => String::new(),
                        false => format!("; its named values ({}) are left out", named.join(", ")),
                    };
                    undecided.push(Undecided::new(
                        field.line,
                        format!(
                            "field `{}` has a scalar type and lists fields: drafted as an object{note}",
                            field.name
                        ),
                    ));
                    *scalar_type = PageType::Object(None);
                }
                _ => {}
            }
        }
        objects_from_rows_with_children(&mut field.children, undecided);
    }
}

fn insert(siblings: &mut Vec<PageField>, field: PageField, depth: usize) -> bool {
    if depth == 0 {
        siblings.push(field);
        return true;
    }
    match siblings.last_mut() {
        Some(parent) => insert(&mut parent.children, field, depth - 1),
        None => false,
    }
}

/// `&nbsp;&nbsp;└ \`name\`` → (1, "name"); `&emsp;∟name` → (1, "name").
fn split_name(cell: &str) -> (usize, String) {
    let nbsp = cell.matches("&nbsp;").count();
    let emsp = cell.matches("&emsp;").count();
    let marked = cell.contains('└') || cell.contains('∟');
    // Two `&nbsp;` a level; the oldest pages give one, each followed by a space (`&nbsp; &nbsp; ∟`).
    let spaced = cell.matches("&nbsp; ").count();
    let mut depth = if spaced > 0 { nbsp } else { nbsp / 2 + emsp };
    if marked && depth == 0 {
        depth = 1;
    }
    let name = cell
        .replace("&nbsp;", "")
        .replace("&emsp;", "")
        .replace(['└', '∟', '`'], "");
    (depth, name.trim().to_owned())
}

/// Backticks, escapes and HTML entities removed.
pub fn clean(cell: &str) -> String {
    cell.replace(['`', '\\'], "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .trim()
        .to_owned()
}

/// The type cell, or `None` when it is not a type the importer knows.
pub fn parse_type(cell: &str) -> Option<PageType> {
    let text = clean(cell);
    if let Some(item) = text.strip_suffix("[]") {
        return parse_type(item).map(|item| PageType::Array(Box::new(item)));
    }
    if let Some(inner) = text.strip_prefix("map<").and_then(|rest| rest.strip_suffix('>')) {
        let (key, value) = inner.split_once(',')?;
        if key.trim() != "string" {
            return None;
        }
        return parse_type(value.trim()).map(|value| PageType::Map(Box::new(value)));
    }
    let ty = match text.as_str() {
        "string" | "String" => PageType::String,
        "boolean" | "bool" => PageType::Boolean,
        "int" | "int32" | "integer" => PageType::Int,
        "int64" | "long" => PageType::Int64,
        "float" | "number(float)" | "number" | "double" => PageType::Float,
        "enum" => PageType::Enum,
        "file" | "binary" => PageType::File,
        // `/-` is how a few event pages type the `event` row.
        "-" | "/-" | "" | "object" => PageType::Object(None),
        "list" | "List" | "array" | "Array" => PageType::Array(Box::new(PageType::Object(None))),
        "union" | "json" | "any" => PageType::Json,
        name if is_type_name(name) => PageType::Object(Some(name.to_owned())),
        _ => return None,
    };
    Some(ty)
}

fn is_type_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// A default the page gives as a value: in backticks, or a bare word (`false`, `all_members`). Prose
/// (`空，表示不更新`: "empty, meaning not updated") is none.
fn literal_default(text: &str) -> Option<String> {
    if let Some(quoted) = text.strip_prefix('`') {
        return quoted.split('`').next().map(str::to_owned);
    }
    (!text.is_empty() && text.is_ascii() && !text.contains(char::is_whitespace)).then(|| text.to_owned())
}

/// The facts of a description cell: `<br>`-separated parts with bold labels.
fn read_description(description: &str, field: &mut PageField, undecided: &mut Vec<Undecided>) {
    // A label can follow a stray backtick that a `<br>` inside inline code left behind.
    let parts: Vec<&str> = description
        .split("<br>")
        .map(|part| {
            part.trim()
                .strip_prefix("`**")
                .map_or(part.trim(), |_| part.trim()[1..].trim())
        })
        .collect();
    let mut index = 0;
    while index < parts.len() {
        let part = parts[index];
        if let Some(rest) = label(part, "示例值") {
            // `**示例值**：<br>"…"`: the value is the next part.
            let next = parts
                .get(index + 1)
                .filter(|next| rest.is_empty() && !next.starts_with("**"));
            if let Some(next) = next {
                index += 1;
                field.example = Some((*next).to_owned());
            } else {
                field.example = Some(rest.to_owned());
            }
        } else if let Some(rest) = label(part, "默认值") {
            match literal_default(rest.trim()) {
                Some(value) => field.default = Some(value),
                None => undecided.push(Undecided::new(
                    field.line,
                    format!(
                        "field `{}`: the default is prose, not a value; left out (say it in the description if it matters)",
                        field.name
                    ),
                )),
            }
        } else if let Some(rest) = label(part, "可选值有").or_else(|| label(part, "可能值有")) {
            let text = continuation(&parts, &mut index, rest);
            field.values = named_values(&text);
            if field.values.is_empty() {
                undecided.push(Undecided::new(
                    field.line,
                    format!("field `{}`: named values given, but none could be read", field.name),
                ));
            }
        } else if let Some(rest) = label(part, "数据校验规则") {
            let text = continuation(&parts, &mut index, rest);
            read_bounds(&text, field, undecided);
        }
        index += 1;
    }
}

/// The text after `**label**：` (or `:`, or the colon inside the bold: `**label：**`), when the part
/// starts with it.
fn label<'a>(part: &'a str, name: &str) -> Option<&'a str> {
    let rest = part.strip_prefix("**")?.strip_prefix(name)?;
    let colon = |text: &'a str| text.strip_prefix('：').or_else(|| text.strip_prefix(':'));
    let rest = match rest.strip_prefix("**") {
        Some(after_bold) => colon(after_bold)?,
        None => colon(rest)?.strip_prefix("**")?,
    };
    Some(rest.trim())
}

/// A label's text and the following parts up to the next label.
fn continuation(parts: &[&str], index: &mut usize, first: &str) -> String {
    let mut text = first.to_owned();
    while *index + 1 < parts.len() && !parts[*index + 1].starts_with("**") {
        *index += 1;
        text.push(' ');
        text.push_str(parts[*index]);
    }
    text
}

/// Values of `- \`v\`: …` or `- v：…` items.
fn named_values(text: &str) -> Vec<String> {
    let mut values = Vec::new();
    for item in format!(" {text}").split(" - ").skip(1) {
        let item = item.trim();
        let value = if let Some(rest) = item.strip_prefix('`') {
            rest.split('`').next().unwrap_or("")
        } else {
            item.split([':', '：']).next().unwrap_or("").trim()
        };
        let plain = !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c));
        if plain && !values.iter().any(|known| known == value) {
            values.push(value.to_owned());
        }
    }
    values
}

fn read_bounds(text: &str, field: &mut PageField, undecided: &mut Vec<Undecided>) {
    for rule in format!(" {text}").split(" - ").skip(1) {
        let rule = rule.trim();
        let Some((name, value)) = rule.split_once('：').or_else(|| rule.split_once(':')) else {
            continue;
        };
        let numbers = numbers(value);
        let bounds = &mut field.bounds;
        let read = match (name.trim(), numbers.as_slice()) {
            ("长度范围", [low, high]) => {
                bounds.min_length = u64::try_from(*low).ok();
                bounds.max_length = u64::try_from(*high).ok();
                true
            }
            ("最大长度", [high]) => {
                bounds.max_length = u64::try_from(*high).ok();
                true
            }
            ("最小长度", [low]) => {
                bounds.min_length = u64::try_from(*low).ok();
                true
            }
            ("取值范围", [low, high]) => {
                (bounds.minimum, bounds.maximum) = (Some(*low), Some(*high));
                true
            }
            ("最大值", [high]) => {
                bounds.maximum = Some(*high);
                true
            }
            ("最小值", [low]) => {
                bounds.minimum = Some(*low);
                true
            }
            ("正则校验", _) => {
                bounds.pattern = value
                    .trim()
                    .strip_prefix('`')
                    .and_then(|rest| rest.strip_suffix('`'))
                    .map(str::to_owned);
                bounds.pattern.is_some()
            }
            _ => false,
        };
        if !read {
            undecided.push(Undecided::new(
                field.line,
                format!("field `{}`: bound `{}` could not be read", field.name, rule),
            ));
        }
    }
}

/// The integers in a bound's text: `\`1\` ～ \`100\` 字符` → [1, 100]; `\`1\`~\`1,000\`` → [1, 1000].
fn numbers(text: &str) -> Vec<i64> {
    let text = text.replace(',', "");
    let mut numbers = Vec::new();
    let mut current = String::new();
    for c in text.chars().chain([' ']) {
        if c.is_ascii_digit() || (c == '-' && current.is_empty()) {
            current.push(c);
        } else if !current.is_empty() {
            if let Ok(number) = current.parse() {
                numbers.push(number);
            }
            current.clear();
        }
    }
    numbers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::cells;

    fn rows(lines: &[&str]) -> Vec<Row> {
        lines
            .iter()
            .enumerate()
            .map(|(index, line)| Row {
                line: index + 1,
                cells: cells(line),
            })
            .collect()
    }

    #[test]
    fn nesting_by_nbsp_pairs_and_emsp() {
        let rows = rows(&[
            "| `data` | `thing` | - |",
            "| &nbsp;&nbsp;└ `items` | `item\\[\\]` | - |",
            "| &nbsp;&nbsp;&nbsp;&nbsp;└ `id` | `string` | - |",
            "| &nbsp;&nbsp;└ `has_more` | `boolean` | - |",
            "|event|-|x|",
            "|&emsp;∟labels|map<string, string>|x|",
        ]);
        let mut undecided = Vec::new();
        let tree = field_tree(&rows, None, &mut undecided);
        assert!(undecided.is_empty(), "{undecided:?}");
        assert_eq!(tree.len(), 2);
        assert_eq!(tree[0].ty, PageType::Object(Some("thing".into())));
        let items = &tree[0].children[0];
        assert_eq!(
            items.ty,
            PageType::Array(Box::new(PageType::Object(Some("item".into()))))
        );
        assert_eq!(items.children[0].name, "id");
        assert_eq!(tree[0].children[1].name, "has_more");
        assert_eq!(tree[1].children[0].ty, PageType::Map(Box::new(PageType::String)));
    }

    #[test]
    fn file_rows_with_fields_are_objects_and_a_slash_dash_is_an_object() {
        let rows = rows(&[
            "| `files` | `file\\[\\]` | - |",
            "| &nbsp;&nbsp;└ `url` | `string` | - |",
            "| `event` | `/-` | /- |",
            "| &nbsp;&nbsp;└ `ids` | `List\\` | - |",
        ]);
        let mut undecided = Vec::new();
        let tree = field_tree(&rows, None, &mut undecided);
        assert!(undecided.is_empty(), "{undecided:?}");
        assert_eq!(
            tree[0].ty,
            PageType::Array(Box::new(PageType::Object(Some("file".into()))))
        );
        assert_eq!(tree[1].ty, PageType::Object(None));
        assert_eq!(
            tree[1].children[0].ty,
            PageType::Array(Box::new(PageType::Object(None)))
        );
    }

    #[test]
    fn scalar_rows_with_fields_are_objects_and_their_named_values_reported() {
        let rows = rows(&[
            "| `continents` | `enum` | 大洲<br>**可选值有**：<br>- `1`: 亚洲 - `2`: 欧洲 |",
            "| &nbsp;&nbsp;└ `value` | `string` | 值 |",
            "| `tags` | `string\\[\\]` | - |",
            "| &nbsp;&nbsp;└ `name` | `string` | - |",
        ]);
        let mut undecided = Vec::new();
        let tree = field_tree(&rows, None, &mut undecided);
        assert_eq!(tree[0].ty, PageType::Object(None));
        assert!(tree[0].values.is_empty());
        assert_eq!(tree[0].children[0].name, "value");
        assert_eq!(tree[1].ty, PageType::Array(Box::new(PageType::Object(None))));
        let notes: Vec<_> = undecided.iter().map(|note| (note.line, note.what.as_str())).collect();
        assert_eq!(
            notes,
            [
                (
                    1,
                    "field `continents` has a scalar type and lists fields: drafted as an object; its named values (1, 2) are left out"
                ),
                (
                    3,
                    "field `tags` has a scalar type and lists fields: drafted as an object"
                ),
            ]
        );
    }

    #[test]
    fn enum_rows_holding_an_enum_name_are_objects_of_the_type_enum() {
        let rows = rows(&[
            "| `gender` | `enum` | 性别 |",
            "| &nbsp;&nbsp;└ `enum_name` | `string` | 枚举值 |",
            "| `statuses` | `enum\\[\\]` | - |",
            "| &nbsp;&nbsp;└ `enum_name` | `string` | 枚举值 |",
        ]);
        let mut undecided = Vec::new();
        let tree = field_tree(&rows, None, &mut undecided);
        assert_eq!(tree[0].ty, PageType::Object(Some("enum".into())));
        assert_eq!(
            tree[1].ty,
            PageType::Array(Box::new(PageType::Object(Some("enum".into()))))
        );
        assert!(undecided.is_empty());
    }

    #[test]
    fn int_fields_whose_example_values_are_past_32_bits_are_int64() {
        let rows = rows(&[
            "| `job` | `job` | - |",
            "| &nbsp;&nbsp;└ `id` | `int` | - |",
            "| &nbsp;&nbsp;└ `level` | `int` | - |",
            "| `counts` | `int\\[\\]` | - |",
        ]);
        let mut undecided = Vec::new();
        let mut tree = field_tree(&rows, None, &mut undecided);
        let example = serde_json::json!([
            {"job": {"id": 7, "level": 3}, "counts": [1]},
            {"job": {"id": 1695838220091399_i64, "level": 4}, "counts": [1, 4294967296_i64]}
        ]);
        widen_ints_by_example(&mut tree, &example, &mut undecided);
        assert_eq!(tree[0].children[0].ty, PageType::Int64);
        assert_eq!(tree[0].children[1].ty, PageType::Int);
        assert_eq!(tree[1].ty, PageType::Array(Box::new(PageType::Int64)));
        let lines: Vec<usize> = undecided.iter().map(|note| note.line).collect();
        assert_eq!(lines, [2, 4]);
    }

    #[test]
    fn description_facts() {
        let rows = rows(&[
            "| `kind` | `string` | 是 | 说明<br>**示例值**：\"text\"<br>**默认值**：`text`<br>**可选值有**：<br>- `text`: 文本 - post：富文本 - 说明：不是值吗 |",
            "| `size` | `int` | 否 | x<br>**数据校验规则**：<br>- 取值范围：`1` ～ `1,000` |",
            "| `name` | `string` | 否 | x<br>**数据校验规则**：<br>- 长度范围：`1` ～ `64` 字符 - 正则校验：`^[a-z]+$` |",
            "| `change` | `string` | 否 | x<br>**可能值有：** - create：创建 - rsvp：回复 |",
            "| `flow` | `string` | 否 | x<br>**示例值**：<br>\"people_1\" |",
        ]);
        let mut undecided = Vec::new();
        let tree = field_tree(&rows, Some(2), &mut undecided);
        assert_eq!(tree[3].values, ["create", "rsvp"], "a colon inside the bold label");
        assert_eq!(
            tree[4].example.as_deref(),
            Some("\"people_1\""),
            "an example after a break"
        );
        assert!(undecided.is_empty(), "{undecided:?}");
        assert!(tree[0].required);
        assert_eq!(tree[0].example.as_deref(), Some("\"text\""));
        assert_eq!(tree[0].default.as_deref(), Some("text"));
        assert_eq!(literal_default("`open_id`"), Some("open_id".to_owned()));
        assert_eq!(literal_default("all_members"), Some("all_members".to_owned()));
        assert_eq!(literal_default("空，表示不更新"), None);
        assert_eq!(literal_default("空"), None);
        assert_eq!(tree[0].values, ["text", "post"]);
        assert_eq!((tree[1].bounds.minimum, tree[1].bounds.maximum), (Some(1), Some(1000)));
        assert!(!tree[1].required);
        assert_eq!(
            (tree[2].bounds.min_length, tree[2].bounds.max_length),
            (Some(1), Some(64))
        );
        assert_eq!(tree[2].bounds.pattern.as_deref(), Some("^[a-z]+$"));
    }

    #[test]
    fn what_cannot_be_read_is_reported_with_its_line() {
        let rows = rows(&[
            "| `a` | `set<int>` | x |",
            "| &nbsp;&nbsp;└ `b` | `string` | x |",
            "| `c` | `int` | x<br>**数据校验规则**：<br>- 取值规则：奇数 |",
        ]);
        let mut undecided = Vec::new();
        field_tree(&rows, None, &mut undecided);
        let lines: Vec<usize> = undecided.iter().map(|u| u.line).collect();
        assert_eq!(lines, [1, 2, 3], "{undecided:?}");
        assert!(undecided[1].what.contains("left out with its parent"), "{undecided:?}");
    }
}
