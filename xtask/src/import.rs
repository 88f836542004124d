//! `cargo xtask import`: draft specs from the reference pages, and `--check` for drift between every
//! spec and its page.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use lark_import::drift::event_drift;
use lark_import::{EndpointPage, EventPage, Page, drift, import_service};
use lark_spec::SpecSet;
use lark_spec::model::EndpointSpec;

/// What `cargo xtask import` was asked.
pub struct ImportArgs {
    /// Pages named on the command line.
    pub pages: Vec<PathBuf>,
    /// `im/v1`: every page of that service version.
    pub service: Option<String>,
    /// Report drift and pages not covered; write nothing.
    pub check: bool,
    /// The reference pages' folder.
    pub reference: PathBuf,
    /// The specs' folder.
    pub specs: PathBuf,
}

/// The pages the catalog lists: (`METHOD path`) → page, and event type → page.
struct Catalog {
    endpoints: BTreeMap<String, String>,
    events: BTreeMap<String, String>,
}

impl Catalog {
    fn load(reference: &Path) -> anyhow::Result<Catalog> {
        let read = |name: &str| {
            fs::read_to_string(reference.join(name))
                .with_context(|| format!("reading {}", reference.join(name).display()))
        };
        let mut endpoints = BTreeMap::new();
        for line in read("catalog.tsv")?.lines().skip(1) {
            let cells: Vec<&str> = line.split('\t').collect();
            if let [_, _, _, _, method, path, _, page, ..] = cells.as_slice() {
                endpoints.insert(format!("{method} {path}"), (*page).to_owned());
            }
        }
        let mut events = BTreeMap::new();
        for line in read("events.tsv")?.lines().skip(1) {
            if let Some((event_type, page)) = line.split_once('\t') {
                events.insert(event_type.to_owned(), page.to_owned());
            }
        }
        Ok(Catalog { endpoints, events })
    }

    /// Every page of `service/version` the catalogs list.
    fn pages_of(&self, service_version: &str) -> Vec<String> {
        let prefix = format!("{service_version}/");
        self.endpoints
            .values()
            .chain(self.events.values())
            .filter(|page| page.starts_with(&prefix))
            .cloned()
            .collect()
    }
}

/// Runs the import.
pub fn run(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    if !args.reference.join("catalog.tsv").is_file() {
        bail!(
            "no reference pages at {} (set --reference or LARK_REFERENCE)",
            args.reference.display()
        );
    }
    let catalog = Catalog::load(&args.reference)?;
    if args.check {
        return check(args, &catalog);
    }
    let mut pages: Vec<String> = args
        .pages
        .iter()
        .map(|page| relative_page(&args.reference, page))
        .collect::<anyhow::Result<_>>()?;
    if let Some(service) = &args.service {
        pages.extend(catalog.pages_of(service.trim_matches('/')));
    }
    if pages.is_empty() {
        bail!("name pages to import, or a service version with --service (e.g. --service im/v1)");
    }
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for page in pages {
        let group = page.splitn(3, '/').take(2).collect::<Vec<_>>().join("/");
        groups.entry(group).or_default().push(page);
    }
    let existing =
        SpecSet::load_dir(&args.specs).map_err(|errors| anyhow::anyhow!("the specs do not load:\n{errors}"))?;
    let mut failed = false;
    let mut written = Vec::new();
    for (group, pages) in groups {
        failed |= import_group(args, &existing, &group, &pages, &mut written)?;
    }
    leave_out_contradicting_examples(&args.specs, &written)?;
    if let Err(errors) = SpecSet::load_dir(&args.specs) {
        eprintln!("the drafts do not validate yet; fix them by hand or in the importer:\n{errors}");
        failed = true;
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Where a page's example contradicts its own table (a value of another type, a name not among the
/// named values), the draft follows the table: each such example line becomes a comment that says what
/// did not fit, so the contradiction stays visible to the reviewer and in the spec.
fn leave_out_contradicting_examples(specs: &Path, drafts: &[PathBuf]) -> anyhow::Result<()> {
    let Err(errors) = SpecSet::load_dir(specs) else {
        return Ok(());
    };
    let mut by_file: BTreeMap<&Path, BTreeMap<usize, BTreeSet<String>>> = BTreeMap::new();
    for error in errors.iter() {
        let Some(reason) = error.message.strip_prefix("example does not fit: ") else {
            continue;
        };
        if let Some(draft) = drafts.iter().find(|draft| **draft == error.file) {
            let lines = by_file.entry(draft).or_default();
            lines
                .entry(error.line)
                .or_default()
                .insert(format!("{}: {reason}", error.field));
        }
    }
    for (file, lines) in by_file {
        let text = fs::read_to_string(file)?;
        let mut out: Vec<String> = text.lines().map(str::to_owned).collect();
        for (line, reasons) in &lines {
            let Some(original) = out.get_mut(line - 1) else {
                continue;
            };
            let indent = &original[..original.len() - original.trim_start().len()];
            let reasons = reasons.iter().cloned().collect::<Vec<_>>().join("; ");
            println!(
                "{}:{line}: the page's example contradicts its table ({reasons}); left out",
                file.display()
            );
            *original = format!("{indent}# The page's example does not fit its own table ({reasons}): left out.");
        }
        fs::write(file, out.join("\n") + "\n")?;
    }
    Ok(())
}

fn relative_page(reference: &Path, page: &Path) -> anyhow::Result<String> {
    let absolute = fs::canonicalize(page).with_context(|| format!("reading {}", page.display()))?;
    let root = fs::canonicalize(reference)?;
    let relative = absolute
        .strip_prefix(&root)
        .with_context(|| format!("{} is not below {}", page.display(), reference.display()))?;
    Ok(relative.to_string_lossy().replace('\\', "/"))
}

/// Drafts the pages of one service version: new specs are written, existing ones get a drift report.
fn import_group(
    args: &ImportArgs,
    existing: &SpecSet,
    group: &str,
    pages: &[String],
    written_files: &mut Vec<PathBuf>,
) -> anyhow::Result<bool> {
    let (service, version) = group.split_once('/').unwrap_or((group, ""));
    let texts: Vec<(String, String)> = pages
        .iter()
        .map(|page| {
            Ok((
                page.clone(),
                fs::read_to_string(args.reference.join(page)).with_context(|| format!("reading {page}"))?,
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    let types = existing.types_of(service, version);
    let import = import_service(&texts, service, version, types.map(|types| &types.spec));
    let mut drifted = false;
    let (mut written, mut unchanged) = (0, 0);
    for (draft, (_, text)) in import.drafts.iter().zip(&texts) {
        let page = Page::parse(text);
        if let Some(spec) =
            EndpointPage::read(&page).and_then(|facts| existing_endpoint(existing, &facts).map(|spec| (facts, spec)))
        {
            let (facts, spec) = spec;
            let drift = drift(&facts, &spec.spec, types.map(|types| &types.spec));
            report_drift(&draft.page, &spec.relative, &drift);
            drifted |= !drift.is_empty();
            unchanged += 1;
            continue;
        }
        if let Some(event) = EventPage::read(&page)
            && let Some(spec) = existing
                .events
                .iter()
                .find(|spec| spec.spec.event_type == event.event_type)
        {
            let drift = event_drift(&event, &spec.spec, types.map(|types| &types.spec));
            report_drift(&draft.page, &spec.relative, &drift);
            drifted |= !drift.is_empty();
            unchanged += 1;
            continue;
        }
        let target = args.specs.join(&draft.spec);
        if target.exists() {
            println!(
                "{}: {} exists for another endpoint; not overwritten",
                draft.page, draft.spec
            );
            continue;
        }
        fs::create_dir_all(target.parent().expect("a spec path has a folder"))?;
        fs::write(&target, &draft.yaml)?;
        written_files.push(target);
        written += 1;
        for item in &draft.undecided {
            println!("{}:{}: undecided: {}", draft.page, item.line, item.what);
        }
    }
    for page in &import.skipped {
        println!("{page}: undecided: not read: no request table the importer knows (an older page layout?)");
    }
    if let Some(types_yaml) = &import.types_yaml {
        write_types(args, service, version, types_yaml, types.is_some())?;
        // A shared type's example can contradict its own table too.
        written_files.push(args.specs.join(service).join(version).join(lark_spec::TYPES_FILE));
    }
    println!(
        "{group}: {written} drafted, {unchanged} already specified, {} skipped (not endpoint or event pages)",
        import.skipped.len()
    );
    Ok(drifted)
}

fn existing_endpoint<'s>(existing: &'s SpecSet, facts: &EndpointPage) -> Option<&'s lark_spec::SpecFile<EndpointSpec>> {
    existing
        .endpoints
        .iter()
        .find(|spec| spec.spec.http.method.as_str() == facts.method && spec.spec.http.path == facts.path)
}

/// A new `types.yaml`, or the new types appended to the existing one (its `types:` block is last).
fn write_types(args: &ImportArgs, service: &str, version: &str, types_yaml: &str, exists: bool) -> anyhow::Result<()> {
    let path = args.specs.join(service).join(version).join(lark_spec::TYPES_FILE);
    if !exists {
        fs::create_dir_all(path.parent().expect("a types file has a folder"))?;
        return Ok(fs::write(&path, types_yaml)?);
    }
    let added: String = types_yaml
        .lines()
        .skip_while(|line| *line != "types:")
        .skip(1)
        .map(|line| format!("{line}\n"))
        .collect();
    let mut text = fs::read_to_string(&path)?;
    text.push_str("  # Added by `cargo xtask import`.\n");
    text.push_str(&added);
    Ok(fs::write(&path, text)?)
}

fn report_drift(page: &str, spec: &str, drift: &[lark_import::Drift]) {
    for item in drift {
        println!("{spec}: drift from {page}: {item}");
    }
}

/// Every spec against its page: drift fails; pages without a spec are counted as not covered.
fn check(args: &ImportArgs, catalog: &Catalog) -> anyhow::Result<ExitCode> {
    let specs = SpecSet::load_dir(&args.specs).map_err(|errors| anyhow::anyhow!("the specs do not load:\n{errors}"))?;
    let mut drifted = 0;
    let mut covered = std::collections::BTreeSet::new();
    for spec in &specs.endpoints {
        let key = format!("{} {}", spec.spec.http.method.as_str(), spec.spec.http.path);
        // A page the catalog has no row for (the OAuth token pages) is found where the spec is.
        let beside = spec.relative.strip_suffix(".yaml").map(|name| format!("{name}.md"));
        let beside = beside.filter(|page| args.reference.join(page).is_file());
        let Some(page) = catalog.endpoints.get(&key).or(beside.as_ref()) else {
            println!("{}: no page of the catalog documents {key}", spec.relative);
            drifted += 1;
            continue;
        };
        covered.insert(page.clone());
        let text = fs::read_to_string(args.reference.join(page))?;
        let Some(facts) = EndpointPage::read(&Page::parse(&text)) else {
            println!(
                "{}: {page} is not an endpoint page the importer can read",
                spec.relative
            );
            drifted += 1;
            continue;
        };
        let types = specs
            .types_of(&spec.spec.service, &spec.spec.version)
            .map(|types| &types.spec);
        let drift = drift(&facts, &spec.spec, types);
        report_drift(page, &spec.relative, &drift);
        drifted += usize::from(!drift.is_empty());
    }
    for spec in &specs.events {
        let Some(page) = catalog.events.get(&spec.spec.event_type) else {
            println!(
                "{}: not checked: no event page lists `{}`",
                spec.relative, spec.spec.event_type
            );
            continue;
        };
        covered.insert(page.clone());
        let text = fs::read_to_string(args.reference.join(page))?;
        let Some(facts) = EventPage::read(&Page::parse(&text)) else {
            continue;
        };
        let types = specs
            .types_of(&spec.spec.service, &spec.spec.version)
            .map(|types| &types.spec);
        let drift = event_drift(&facts, &spec.spec, types);
        report_drift(page, &spec.relative, &drift);
        drifted += usize::from(!drift.is_empty());
    }
    let mut not_covered: BTreeMap<String, usize> = BTreeMap::new();
    for page in catalog
        .endpoints
        .values()
        .chain(catalog.events.values())
        .filter(|page| !covered.contains(*page))
    {
        *not_covered
            .entry(page.splitn(3, '/').take(2).collect::<Vec<_>>().join("/"))
            .or_default() += 1;
    }
    let total: usize = not_covered.values().sum();
    println!(
        "{} pages covered by a spec; {total} not covered yet in {} service versions",
        covered.len(),
        not_covered.len()
    );
    if drifted > 0 {
        println!("{drifted} specs drift from their pages");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
