//! An endpoint page's facts: the request table, headers, parameters, bodies, examples and errors.

use serde_json::Value;

use crate::fields::{PageField, PageType, field_tree};
use crate::markdown::{CodeBlock, Page, Section, Table};
use crate::report::Undecided;

/// A rate-limit window: `requests` calls per `per_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Calls allowed in the window.
    pub requests: u32,
    /// The window's length: 1 (a second), 60 (a minute) or 3600 (an hour).
    pub per_seconds: u32,
}

/// `接口频率限制`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateFacts {
    /// Every window the page gives; all of them hold at once.
    pub windows: Vec<Window>,
    /// `特殊频控`: a limit the page describes in prose, with no number to carry over.
    pub special: bool,
}

/// How the answer is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `{code, msg, data: {…}}`.
    Data,
    /// `{code, msg, field…}`: the fields beside `code` and `msg`.
    Flat,
    /// The file's bytes.
    Binary,
}

/// A row of `错误码`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRow {
    /// The row's line.
    pub line: usize,
    /// The HTTP status.
    pub http_status: u16,
    /// The platform's code.
    pub code: i64,
    /// The message the server sends.
    pub message: String,
    /// The page's advice (`排查建议`), read only to tell whether a retry can succeed.
    pub advice: String,
}

/// Everything the importer reads from an endpoint page.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointPage {
    /// The catalog name from the front matter, `im.v1.message.create`.
    pub catalog_name: String,
    /// The page's title.
    pub title: String,
    /// Where the page was published.
    pub docs_url: Option<String>,
    /// `POST`.
    pub method: String,
    /// `/open-apis/im/v1/messages`, path parameters as `:name`.
    pub path: String,
    /// `tenant`, `user`, `app`: the token kinds the `Authorization` row names.
    pub tokens: Vec<&'static str>,
    /// `custom`, `isv`.
    pub app_types: Vec<String>,
    /// Scopes, any one of which allows the call.
    pub scopes: Vec<String>,
    /// What the `权限要求` row says when it names no scope, only its title (`查看知识库`, on the oldest
    /// pages): the reviewer finds the scope; drift cannot compare it.
    pub scope_title: Option<String>,
    /// `接口频率限制`.
    pub rate_limit: RateFacts,
    /// `路径参数`.
    pub path_params: Vec<PageField>,
    /// `查询参数`.
    pub query: Vec<PageField>,
    /// `请求体`.
    pub body: Vec<PageField>,
    /// `请求体示例`'s first JSON block, when it is JSON.
    pub body_example: Option<Value>,
    /// The answer's shape.
    pub answer: Answer,
    /// The answer's payload fields (`data`'s children, or the flat fields).
    pub data: Vec<PageField>,
    /// `响应体示例`'s first JSON block.
    pub response_example: Option<Value>,
    /// `错误码`.
    pub errors: Vec<ErrorRow>,
    /// Why the request's and the answer's examples are missing, when the page has one that is not JSON.
    pub examples_left_out: ExamplesLeftOut,
    /// What the importer could not decide.
    pub undecided: Vec<Undecided>,
}

/// Why a page's example is not in the draft: it is not JSON (what the parser said, and the page line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExamplesLeftOut {
    /// The request body's example.
    pub body: Option<String>,
    /// The answer's example.
    pub response: Option<String>,
}

impl EndpointPage {
    /// Reads an endpoint page; `None` when the page has no `HTTP URL` (it is not an endpoint page).
    pub fn read(page: &Page) -> Option<EndpointPage> {
        let request = page.section("请求")?;
        let table = request.tables.iter().find(|table| {
            table
                .header
                .first()
                .is_some_and(|cell| ["项目", "名称", "基本"].contains(&cell.as_str()))
        })?;
        let mut undecided = Vec::new();
        let url = value_of(table, "HTTP URL")?;
        let path = match url.find("/open-apis/") {
            Some(start) => url[start..].trim().to_owned(),
            None => {
                undecided.push(Undecided::new(
                    row_line(table, "HTTP URL"),
                    format!("`HTTP URL` {url} has no /open-apis/ path"),
                ));
                url.clone()
            }
        };
        let path = own_version_path(page, path, row_line(table, "HTTP URL"), &mut undecided);
        let method = value_of(table, "HTTP Method").unwrap_or_default().trim().to_uppercase();
        let mut facts = EndpointPage {
            catalog_name: page.front.endpoint.clone().unwrap_or_default(),
            title: page.front.title.clone(),
            docs_url: page.front.source_url.clone(),
            method,
            path,
            tokens: Vec::new(),
            app_types: value_of(table, "支持的应用类型")
                .map(|types| app_types(&types))
                .unwrap_or_default(),
            scopes: table
                .rows
                .iter()
                .find(|row| row.cells[0].starts_with("权限要求"))
                .map(|row| scopes(row.cells.get(1).map(String::as_str).unwrap_or("")))
                .unwrap_or_default(),
            scope_title: None,
            rate_limit: RateFacts::default(),
            path_params: Vec::new(),
            query: Vec::new(),
            body: Vec::new(),
            body_example: None,
            answer: Answer::Data,
            data: Vec::new(),
            response_example: None,
            errors: Vec::new(),
            examples_left_out: ExamplesLeftOut::default(),
            undecided: Vec::new(),
        };
        let scope_row = table.rows.iter().find(|row| row.cells[0].starts_with("权限要求"));
        let title = scope_row.and_then(|row| Some((row.line, row.cells.get(1)?.trim().to_owned())));
        if let Some((line, title)) =
            title.filter(|(_, title)| facts.scopes.is_empty() && !title.is_empty() && title != "无")
        {
            undecided.push(Undecided::new(
                line,
                format!("the scope is given by its title only ({title}): find its id on the service's other pages"),
            ));
            facts.scope_title = Some(title);
        }
        if let Some(limit) = value_of(table, "接口频率限制") {
            facts.rate_limit = rate_facts(&limit, row_line(table, "接口频率限制"), &mut undecided);
        }
        // Both limits hold: of two for one period, the stricter is the one to keep.
        for window in prose_windows(page) {
            let windows = &mut facts.rate_limit.windows;
            match windows.iter_mut().find(|known| known.per_seconds == window.per_seconds) {
                Some(known) => known.requests = known.requests.min(window.requests),
                None => windows.push(window),
            }
        }
        facts.tokens = page.section("请求头").map(tokens).unwrap_or_default();
        // The oldest pages have no header table: their request table names the token (`凭证要求`).
        if facts.tokens.is_empty() {
            facts.tokens = value_of(table, "凭证要求")
                .map(|cell| token_kinds(&cell))
                .unwrap_or_default();
        }
        facts.path_params = fields(page.section("路径参数"), &mut undecided);
        facts.query = fields(page.section("查询参数"), &mut undecided);
        facts.body = fields(page.section("请求体"), &mut undecided);
        (facts.body_example, facts.examples_left_out.body) = json_example(page.section("请求体示例"), &mut undecided);
        facts.body = nested(
            std::mem::take(&mut facts.body),
            facts.body_example.as_ref(),
            &mut undecided,
        );
        (facts.answer, facts.data) = answer(page, &mut undecided);
        if facts.answer != Answer::Binary {
            (facts.response_example, facts.examples_left_out.response) =
                json_example(page.section("响应体示例"), &mut undecided);
        }
        let data_example = facts.response_example.as_ref().and_then(|example| example.get("data"));
        facts.data = nested(std::mem::take(&mut facts.data), data_example, &mut undecided);
        for (fields, example) in [
            (&mut facts.body, facts.body_example.as_ref()),
            (&mut facts.data, data_example),
        ] {
            if let Some(example) = example {
                crate::fields::widen_ints_by_example(fields, example, &mut undecided);
            }
        }
        facts.errors = page
            .section("错误码")
            .map(|section| errors(section, &mut undecided))
            .unwrap_or_default();
        facts.undecided = undecided;
        Some(facts)
    }
}

/// `fields` with the nesting their example shows, when the table lists them flat (the older layout marks
/// no nesting, and a few newer pages lose it).
fn nested(fields: Vec<PageField>, example: Option<&Value>, undecided: &mut Vec<Undecided>) -> Vec<PageField> {
    match example {
        Some(example) if crate::fields::lists_flat(&fields) => {
            crate::fields::nest_by_example(fields, example, undecided)
        }
        _ => fields,
    }
}

/// The table's path, unless the catalog's (the front matter's `http:`) differs and only it names the
/// endpoint's own version: `wiki.v1.node.search`'s table says `/wiki/v2/`, its catalog `/wiki/v1/`.
fn own_version_path(page: &Page, table_path: String, line: usize, undecided: &mut Vec<Undecided>) -> String {
    let catalog_path = page
        .front
        .http
        .as_deref()
        .and_then(|http| http.split_whitespace().nth(1));
    let Some(catalog_path) = catalog_path.filter(|path| *path != table_path) else {
        return table_path;
    };
    let mut name = page.front.endpoint.as_deref().unwrap_or("").split('.');
    let own = format!("/{}/{}/", name.next().unwrap_or(""), name.next().unwrap_or(""));
    let chosen = match (catalog_path.contains(&own), table_path.contains(&own)) {
        (true, false) => catalog_path.to_owned(),
        _ => table_path.clone(),
    };
    undecided.push(Undecided::new(
        line,
        format!("the table's path {table_path} and the catalog's {catalog_path} differ; drafted with {chosen} (the one naming the endpoint's version, if only one does)"),
    ));
    chosen
}

fn value_of(table: &Table, item: &str) -> Option<String> {
    table
        .rows
        .iter()
        .find(|row| row.cells[0] == item)
        .and_then(|row| row.cells.get(1))
        .cloned()
}

fn row_line(table: &Table, item: &str) -> usize {
    table
        .rows
        .iter()
        .find(|row| row.cells[0] == item)
        .map_or(0, |row| row.line)
}

/// `custom, isv`; the older pages say `自建应用` (self-built) and `商店应用` (store).
fn app_types(cell: &str) -> Vec<String> {
    cell.split([',', '、', '，'])
        .map(|kind| match kind.trim() {
            "自建应用" => "custom",
            "商店应用" => "isv",
            other => other,
        })
        .filter(|kind| !kind.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The scopes of `权限要求`: backticked (`\`im:message\` 获取与发送…`), or in the older pages after each
/// name in parentheses (`更新通讯录(contact:contact)`).
fn scopes(cell: &str) -> Vec<String> {
    let backticked = cell.split('`').skip(1).step_by(2);
    let parenthesized = cell
        .split('(')
        .skip(1)
        .filter_map(|piece| piece.split_once(')').map(|(scope, _)| scope));
    // Some pages write the scope bare: `app_engine:approval:read`, no backticks, no link.
    let candidates: Vec<&str> = match (cell.contains('`'), cell.contains('(')) {
        (true, _) => backticked.collect(),
        (false, true) => parenthesized.collect(),
        (false, false) => cell.split_whitespace().collect(),
    };
    let mut scopes: Vec<String> = Vec::new();
    for scope in candidates.into_iter().map(str::trim) {
        let looks_like_scope = scope.contains(':') && !scope.contains(' ') && !scope.contains("://");
        if looks_like_scope && !scopes.iter().any(|known| known == scope) {
            scopes.push(scope.to_owned());
        }
    }
    scopes
}

/// `[1000 次/分钟、50 次/秒](…)` → two windows; `[特殊频控](…)` → special.
fn rate_facts(cell: &str, line: usize, undecided: &mut Vec<Undecided>) -> RateFacts {
    let text = cell.split("](").next().unwrap_or(cell).trim_start_matches('[');
    let mut facts = RateFacts::default();
    for part in text.split(['、', ',', '，']) {
        let part = part.trim();
        if part.contains("特殊频控") {
            facts.special = true;
            continue;
        }
        let window = part.split_once("次/").and_then(|(count, unit)| {
            let requests = count.trim().parse().ok()?;
            let per_seconds = match unit.trim() {
                "秒" => 1,
                "分钟" => 60,
                "小时" => 3600,
                _ => return None,
            };
            Some(Window { requests, per_seconds })
        });
        match window {
            Some(window) => facts.windows.push(window),
            None => undecided.push(Undecided::new(line, format!("rate limit `{part}` could not be read"))),
        }
    }
    facts
}

/// A per-app limit the page states in prose (docx's tips): `单个应用调用频率上限为每秒 3 次` is 3 a
/// second. Limits per document or per user are not the client's to keep: they are left to the prose.
fn prose_windows(page: &Page) -> Vec<Window> {
    const PER_APP: &str = "单个应用调用频率上限为每秒";
    let mut windows = Vec::new();
    for section in &page.sections {
        for (_, rest) in section
            .text
            .match_indices(PER_APP)
            .map(|(at, _)| section.text.split_at(at + PER_APP.len()))
        {
            let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
            if let Ok(requests) = digits.parse() {
                windows.push(Window {
                    requests,
                    per_seconds: 1,
                });
            }
        }
    }
    windows
}

fn tokens(section: &Section) -> Vec<&'static str> {
    let Some(row) = section
        .tables
        .iter()
        .flat_map(|table| &table.rows)
        .find(|row| row.cells[0] == "Authorization")
    else {
        return Vec::new();
    };
    token_kinds(row.cells.last().map(String::as_str).unwrap_or(""))
}

/// The token kinds a cell names (`tenant_access_token` 或 `user_access_token`).
fn token_kinds(cell: &str) -> Vec<&'static str> {
    let kinds = [
        ("tenant_access_token", "tenant"),
        ("app_access_token", "app"),
        ("user_access_token", "user"),
    ];
    kinds
        .iter()
        .filter(|(word, _)| cell.contains(word))
        .map(|(_, kind)| *kind)
        .collect()
}

fn fields(section: Option<&Section>, undecided: &mut Vec<Undecided>) -> Vec<PageField> {
    let Some(table) = section.and_then(|section| section.tables.first()) else {
        return Vec::new();
    };
    let required = table.header.iter().position(|cell| cell == "必填");
    field_tree(&table.rows, required, undecided)
}

/// A section's first code block as JSON; or why it is left out, when it is there but not JSON.
fn json_example(section: Option<&Section>, undecided: &mut Vec<Undecided>) -> (Option<Value>, Option<String>) {
    let Some(block) = section.and_then(|section| section.code_blocks.first()) else {
        return (None, None);
    };
    let text = block.text.trim();
    if text.is_empty() || text == "{}" && block.language.is_empty() {
        return (None, None);
    }
    parse_example(block, undecided)
}

/// A code block as JSON; or, when it is not JSON, why (with the page line), also reported as undecided.
pub(crate) fn parse_example(block: &CodeBlock, undecided: &mut Vec<Undecided>) -> (Option<Value>, Option<String>) {
    match serde_json::from_str(block.text.trim()) {
        Ok(value) => (Some(value), None),
        Err(error) => {
            let line = block.line + error.line();
            let why = format!("the example is not JSON: {error}");
            undecided.push(Undecided::new(line, why.clone()));
            (None, Some(format!("{why} (page line {line})")))
        }
    }
}

/// The answer's shape and payload fields.
fn answer(page: &Page, undecided: &mut Vec<Undecided>) -> (Answer, Vec<PageField>) {
    // An answer streamed as Server-Sent Events (aily's `app_knowledge/ask`) is not one JSON document:
    // the client hands its bytes over as it does a download's.
    if page
        .sections
        .iter()
        .any(|section| section.text.to_ascii_lowercase().contains("server-sent events"))
    {
        return (Answer::Binary, Vec::new());
    }
    let Some(table) = page.section("响应体").and_then(|section| section.tables.first()) else {
        // The words can stand under `## 响应` or, on download pages, under its `### 响应头`.
        let prose = ["响应", "响应头"]
            .iter()
            .filter_map(|heading| page.section(heading))
            .any(|section| section.text.contains("二进制"));
        if !prose {
            let line = page.section("响应").map_or(0, |section| section.line);
            undecided.push(Undecided::new(
                line,
                "no answer table and no binary answer: the answer is taken as an empty `data`",
            ));
            return (Answer::Data, Vec::new());
        }
        return (Answer::Binary, Vec::new());
    };
    let top = field_tree(&table.rows, None, undecided);
    let others: Vec<PageField> = top
        .iter()
        .filter(|field| !matches!(field.name.as_str(), "code" | "msg" | "data"))
        .cloned()
        .collect();
    match top.into_iter().find(|field| field.name == "data") {
        Some(data) if others.is_empty() => (Answer::Data, data.children),
        None if !others.is_empty() => (Answer::Flat, others),
        None => (Answer::Data, Vec::new()),
        // The older layout marks no nesting: `data`'s fields follow it (the example nests them).
        Some(data) if data.children.is_empty() => (Answer::Data, others),
        Some(data) => {
            undecided.push(Undecided::new(
                data.line,
                "the answer has `data` and other fields beside `code` and `msg`; only `data` is kept",
            ));
            (Answer::Data, data.children)
        }
    }
}

/// The rows of every table of `错误码`: a page can continue its list in a second table.
fn errors(section: &Section, undecided: &mut Vec<Undecided>) -> Vec<ErrorRow> {
    let mut rows = Vec::new();
    for row in section.tables.iter().flat_map(|table| &table.rows) {
        let (Some(status), Some(code), Some(message)) = (row.cells.first(), row.cells.get(1), row.cells.get(2)) else {
            undecided.push(Undecided::new(row.line, "an error row with fewer than three cells"));
            continue;
        };
        match (status.trim().parse(), code.trim().parse()) {
            (Ok(http_status), Ok(code)) => rows.push(ErrorRow {
                line: row.line,
                http_status,
                code,
                message: crate::fields::clean(message),
                advice: row
                    .cells
                    .get(3)
                    .map(|advice| crate::fields::clean(advice))
                    .unwrap_or_default(),
            }),
            _ => undecided.push(Undecided::new(
                row.line,
                format!("error row `{status} | {code}`: the status or code is not a number"),
            )),
        }
    }
    rows
}

/// Whether a field tree holds a file anywhere at its top level.
pub fn has_file(fields: &[PageField]) -> bool {
    fields.iter().any(|field| field.ty == PageType::File)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_read_in_backticks_in_links_and_bare() {
        assert_eq!(
            scopes("`im:message` `im:message:send`"),
            ["im:message", "im:message:send"]
        );
        assert_eq!(
            scopes("[获取](https://x) (contact:user:readonly)"),
            ["contact:user:readonly"]
        );
        assert_eq!(scopes("app_engine:approval:read"), ["app_engine:approval:read"]);
        assert!(scopes("无").is_empty());
    }
}
