//! The reference pages' markdown, as far as the importer reads it: front matter, headings, tables and
//! fenced code blocks, each with the line it starts on (1-based) so every report can point at the page.

/// The `---` block at the top of a page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    /// The page's title (the platform's Chinese name of the endpoint or event).
    pub title: String,
    /// `im.v1.message.create`: the endpoint's catalog name, on endpoint pages.
    pub endpoint: Option<String>,
    /// `im.message.receive_v1`, on event pages.
    pub event_type: Option<String>,
    /// `POST /open-apis/im/v1/messages`, on endpoint pages.
    pub http: Option<String>,
    /// Where the page was published.
    pub source_url: Option<String>,
}

/// A part of the page under one heading (a `#` line or a line that is only `**bold**`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    /// The heading's text without its marks.
    pub heading: String,
    /// The heading's line.
    pub line: usize,
    /// Tables, in page order.
    pub tables: Vec<Table>,
    /// Fenced code blocks, in page order.
    pub code_blocks: Vec<CodeBlock>,
    /// The other lines (prose), joined with newlines.
    pub text: String,
}

/// A markdown table: its header cells and its rows (the `---` separator row left out).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The first row's cells.
    pub header: Vec<String>,
    /// Every other row.
    pub rows: Vec<Row>,
}

/// One table row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// The row's line.
    pub line: usize,
    /// Its cells, trimmed.
    pub cells: Vec<String>,
}

/// A fenced code block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CodeBlock {
    /// The fence's language (`json`), possibly empty.
    pub language: String,
    /// The line of the opening fence.
    pub line: usize,
    /// The text between the fences.
    pub text: String,
}

/// A page split into front matter and sections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// The front matter (empty when the page has none).
    pub front: FrontMatter,
    /// Sections in page order; text before the first heading is a section with an empty heading.
    pub sections: Vec<Section>,
}

impl Page {
    /// Splits a page's text.
    pub fn parse(text: &str) -> Page {
        let lines: Vec<&str> = text.lines().collect();
        let (front, body_start) = front_matter(&lines);
        let mut sections = vec![Section::default()];
        let mut index = body_start;
        while index < lines.len() {
            let line = lines[index];
            let number = index + 1;
            let current = sections.last_mut().expect("there is always a section");
            if let Some(language) = line.trim_start().strip_prefix("```") {
                let (block, next) = code_block(&lines, index, language.trim());
                current.code_blocks.push(block);
                index = next;
                continue;
            }
            if line.trim_start().starts_with('|') {
                let (table, next) = table(&lines, index);
                current.tables.push(table);
                index = next;
                continue;
            }
            if starts_bare_table(&lines, index) {
                let (table, next) = bare_table(&lines, index);
                current.tables.push(table);
                index = next;
                continue;
            }
            if let Some(heading) = heading(line) {
                sections.push(Section {
                    heading,
                    line: number,
                    ..Section::default()
                });
            } else {
                current.text.push_str(line);
                current.text.push('\n');
            }
            index += 1;
        }
        Page { front, sections }
    }

    /// The first section whose heading is `heading`, trimmed.
    pub fn section(&self, heading: &str) -> Option<&Section> {
        self.sections.iter().find(|section| section.heading == heading)
    }
}

fn front_matter(lines: &[&str]) -> (FrontMatter, usize) {
    let mut front = FrontMatter::default();
    if lines.first().map(|line| line.trim()) != Some("---") {
        return (front, 0);
    }
    for (index, line) in lines.iter().enumerate().skip(1) {
        if line.trim() == "---" {
            return (front, index + 1);
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = unquote(value.trim());
        match key.trim() {
            "title" => front.title = value,
            "endpoint" => front.endpoint = Some(value),
            "event_type" => front.event_type = Some(value),
            "http" => front.http = Some(value),
            "source_url" => front.source_url = Some(value),
            _ => {}
        }
    }
    (front, lines.len())
}

fn unquote(value: &str) -> String {
    serde_json::from_str::<String>(value).unwrap_or_else(|_| value.to_owned())
}

/// `## 请求` → `请求`; a line that is only `**事件体**` → `事件体`.
fn heading(line: &str) -> Option<String> {
    let trimmed = line.trim();
    if trimmed.starts_with('#') {
        return Some(trimmed.trim_start_matches('#').trim().to_owned());
    }
    let inner = trimmed.strip_prefix("**")?.strip_suffix("**")?;
    (!inner.is_empty() && !inner.contains("**")).then(|| inner.trim().to_owned())
}

fn code_block(lines: &[&str], start: usize, language: &str) -> (CodeBlock, usize) {
    let mut text = String::new();
    let mut index = start + 1;
    while index < lines.len() && !lines[index].trim_start().starts_with("```") {
        text.push_str(lines[index]);
        text.push('\n');
        index += 1;
    }
    let block = CodeBlock {
        language: language.to_owned(),
        line: start + 1,
        text,
    };
    (block, index + 1)
}

fn table(lines: &[&str], start: usize) -> (Table, usize) {
    let mut table = Table::default();
    let mut index = start;
    while index < lines.len() && lines[index].trim_start().starts_with('|') {
        let cells = match index == start {
            true => cells(lines[index]),
            false => row_cells(lines[index], table.header.len()),
        };
        let separator = is_separator(&cells);
        if index == start {
            table.header = cells;
        } else if !separator {
            table.rows.push(Row { line: index + 1, cells });
        }
        index += 1;
    }
    (table, index)
}

/// Whether a table without outer pipes (`名称 | 类型`, then `--- | ---`) starts at `index`: the older
/// pages' layout.
fn starts_bare_table(lines: &[&str], index: usize) -> bool {
    let Some(next) = lines.get(index + 1) else {
        return false;
    };
    let separator = cells(next);
    lines[index].contains('|') && separator.len() > 1 && is_separator(&separator)
}

/// A `--- | :---:` row.
fn is_separator(cells: &[String]) -> bool {
    cells
        .iter()
        .all(|cell| !cell.is_empty() && cell.chars().all(|c| matches!(c, '-' | ':' | ' ')))
}

/// A table without outer pipes, up to a blank line, heading or fence. Its cells may span lines (a
/// markdown line break, two trailing spaces): a line with fewer cells than the header continues the
/// row before, joined with `<br>` as the newer pages write it; one followed by an indented line that
/// has the cells is the start of that row.
fn bare_table(lines: &[&str], start: usize) -> (Table, usize) {
    let header = cells(lines[start]);
    let width = header.len();
    let mut table = Table {
        header,
        rows: Vec::new(),
    };
    let mut index = start + 2;
    let mut pending: Option<(usize, String)> = None;
    while index < lines.len() {
        let line = lines[index];
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("```") {
            break;
        }
        let row_cells = row_cells(line, width);
        if row_cells.len() >= width {
            let (line_number, cells) = match pending.take() {
                Some((first, text)) => {
                    let mut cells = row_cells;
                    cells[0] = format!("{text} {}", cells[0]).trim().to_owned();
                    (first, cells)
                }
                None => (index + 1, row_cells),
            };
            table.rows.push(Row {
                line: line_number,
                cells,
            });
        } else {
            let next_is_indented_row = lines
                .get(index + 1)
                .is_some_and(|next| next.starts_with(char::is_whitespace) && cells(next).len() >= width);
            match (next_is_indented_row, table.rows.last_mut()) {
                (true, _) | (false, None) => pending = Some((index + 1, trimmed.to_owned())),
                (false, Some(row)) => {
                    if let Some(last) = row.cells.last_mut() {
                        last.push_str("<br>");
                        last.push_str(trimmed);
                    }
                }
            }
        }
        index += 1;
    }
    (table, index)
}

/// A row's cells: split at every `|` that is not escaped as `\|`.
pub fn cells(line: &str) -> Vec<String> {
    split_cells(line, false)
}

/// A row of a table `width` cells wide. A row with too many cells may hold a `|` in inline code (a
/// pattern's alternatives, `^0|[^od]…`): split outside code spans, it is taken when that gives `width`.
fn row_cells(line: &str, width: usize) -> Vec<String> {
    let plain = split_cells(line, false);
    if plain.len() <= width {
        return plain;
    }
    let outside_code = split_cells(line, true);
    if outside_code.len() == width {
        outside_code
    } else {
        plain
    }
}

fn split_cells(line: &str, keep_code_spans: bool) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut cell = String::new();
    let (mut escaped, mut in_code) = (false, false);
    for c in inner.chars() {
        match c {
            '|' if !(escaped || keep_code_spans && in_code) => cells.push(std::mem::take(&mut cell).trim().to_owned()),
            _ => cell.push(c),
        }
        in_code ^= c == '`';
        escaped = c == '\\';
    }
    cells.push(cell.trim().to_owned());
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "---\ntitle: \"示例\"\nendpoint: demo.v1.thing.get\nhttp: GET /open-apis/demo/v1/things/:thing_id\n---\n\n# 示例\n\n## 请求\n\n| 项目 | 值 |\n| --- | --- |\n| HTTP Method | GET |\n\n**事件体**\n|名称|类型|\n|---|---|\n|a \\| b|string|\n```json\n{\"a\": 1}\n```\n";

    #[test]
    fn splits_front_matter_sections_tables_and_code() {
        let page = Page::parse(PAGE);
        assert_eq!(page.front.title, "示例");
        assert_eq!(page.front.endpoint.as_deref(), Some("demo.v1.thing.get"));
        let request = page.section("请求").expect("the request section");
        assert_eq!(request.line, 9);
        assert_eq!(request.tables[0].header, ["项目", "值"]);
        assert_eq!(request.tables[0].rows[0].cells, ["HTTP Method", "GET"]);
        assert_eq!(request.tables[0].rows[0].line, 13);
        let body = page.section("事件体").expect("a bold line is a heading");
        assert_eq!(body.tables[0].rows[0].cells, ["a \\| b", "string"]);
        let pattern = Page::parse("|名称|规则|\n|---|---|\n|id|正则校验：`^0|[^od]`|\n|x|a|b|\n");
        let rows = &pattern.sections[0].tables[0].rows;
        assert_eq!(rows[0].cells, ["id", "正则校验：`^0|[^od]`"], "a pipe in inline code");
        assert_eq!(
            rows[1].cells,
            ["x", "a", "b"],
            "a row that is too wide without code stays as it is"
        );
        assert_eq!(body.code_blocks[0].language, "json");
        assert_eq!(body.code_blocks[0].text, "{\"a\": 1}\n");
        assert_eq!(body.code_blocks[0].line, 19);
    }

    #[test]
    fn a_table_without_outer_pipes_joins_the_lines_of_its_cells() {
        let page = Page::parse(
            "## 请求\n名称 | 值\n---|---\nHTTP Method | POST\n权限要求  \n    **任一** | 更新(contact:contact)\n\
             字段 | a  \n    b(x:y)  \n\n名称 | 类型 | 必填 | 描述\n--- | --- | --- | ---\nname | string | 是 | 名字  \n\
             **示例值**：\"张三\"\nkind | int | 否 | 类型  \n- 1：甲\n",
        );
        let tables = &page.section("请求").expect("the section").tables;
        assert_eq!(tables.len(), 2);
        let rows: Vec<&Vec<String>> = tables[0].rows.iter().map(|row| &row.cells).collect();
        assert_eq!(
            rows,
            [
                &vec!["HTTP Method".to_owned(), "POST".to_owned()],
                &vec!["权限要求 **任一**".to_owned(), "更新(contact:contact)".to_owned()],
                &vec!["字段".to_owned(), "a<br>b(x:y)".to_owned()],
            ]
        );
        assert_eq!(tables[0].rows[1].line, 5);
        assert_eq!(tables[1].header, ["名称", "类型", "必填", "描述"]);
        assert_eq!(tables[1].rows[0].cells[3], "名字<br>**示例值**：\"张三\"");
        assert_eq!(tables[1].rows[1].cells[3], "类型<br>- 1：甲");
        assert_eq!(tables[1].rows[1].line, 14);
    }

    #[test]
    fn a_page_without_front_matter_is_one_section_then_headings() {
        let page = Page::parse("text\n## 响应\n");
        assert_eq!(page.front, FrontMatter::default());
        assert_eq!(page.sections.len(), 2);
        assert_eq!(page.sections[1].heading, "响应");
    }
}
