//! What `cargo xtask codegen` writes besides code: the client crate's feature per service (in its
//! `Cargo.toml`) and the README's table of services, both between marker lines, from the specs.

use std::collections::BTreeMap;

use lark_spec::SpecSet;

/// Where the features block starts and ends in `crates/lark-openapi/Cargo.toml`.
const FEATURES_BEGIN: &str =
    "# Services: written by `cargo xtask codegen` from specs/ (one feature each); do not edit.";
const FEATURES_END: &str = "# End of the services.";
/// Where the services table starts and ends in the README.
const TABLE_BEGIN: &str = "<!-- services: written by `cargo xtask codegen` from specs/; do not edit -->";
const TABLE_END: &str = "<!-- end of services -->";

/// Writes a file's services from the specs into its current text.
pub type Writer = fn(&SpecSet, &str) -> Result<String, String>;

/// One service as the specs have it.
#[derive(Default)]
struct Service {
    versions: Vec<String>,
    description: String,
    endpoints: usize,
    events: usize,
}

fn services(set: &SpecSet) -> BTreeMap<&str, Service> {
    let mut services: BTreeMap<&str, Service> = BTreeMap::new();
    let versions = set
        .endpoints
        .iter()
        .map(|e| (e.spec.service.as_str(), e.spec.version.as_str(), true))
        .chain(
            set.events
                .iter()
                .map(|e| (e.spec.service.as_str(), e.spec.version.as_str(), false)),
        );
    for (name, version, is_endpoint) in versions {
        let service = services.entry(name).or_default();
        if !service.versions.iter().any(|known| known == version) {
            service.versions.push(version.to_owned());
        }
        match is_endpoint {
            true => service.endpoints += 1,
            false => service.events += 1,
        }
    }
    for (name, service) in &mut services {
        service.versions.sort();
        service.description = set
            .service(name)
            .map(|spec| spec.description.clone())
            .unwrap_or_default();
    }
    services
}

/// The client crate's manifest with one feature per service that is not the runtime's, all in `full`.
pub fn manifest(set: &SpecSet, current: &str) -> Result<String, String> {
    let names: Vec<&str> = services(set)
        .into_keys()
        .filter(|name| !lark_codegen::RUNTIME_SERVICES.contains(name))
        .collect();
    let quoted: Vec<String> = names.iter().map(|name| format!("\"{name}\"")).collect();
    let mut block = vec![FEATURES_BEGIN.to_owned(), format!("full = [{}]", quoted.join(", "))];
    block.extend(names.iter().map(|name| format!("{name} = []")));
    block.push(FEATURES_END.to_owned());
    replace_between(current, FEATURES_BEGIN, FEATURES_END, &block.join("\n")).ok_or_else(|| {
        format!("crates/lark-openapi/Cargo.toml has no line `{FEATURES_BEGIN}` followed by `{FEATURES_END}`")
    })
}

/// The README with its services table written from the specs.
pub fn readme(set: &SpecSet, current: &str) -> Result<String, String> {
    let mut lines = vec![
        TABLE_BEGIN.to_owned(),
        "| service | versions | what it is for | feature | endpoints | events |".to_owned(),
        "| --- | --- | --- | --- | --- | --- |".to_owned(),
    ];
    let (mut endpoints, mut events) = (0, 0);
    for (name, service) in services(set) {
        let feature = match lark_codegen::RUNTIME_SERVICES.contains(&name) {
            true => "always (the runtime uses it)".to_owned(),
            false => format!("`{name}`"),
        };
        lines.push(format!(
            "| {name} | {} | {} | {feature} | {} | {} |",
            service.versions.join(", "),
            service.description,
            service.endpoints,
            service.events
        ));
        endpoints += service.endpoints;
        events += service.events;
    }
    lines.push(format!("| **all** | | | `full` | **{endpoints}** | **{events}** |"));
    lines.push(TABLE_END.to_owned());
    replace_between(current, TABLE_BEGIN, TABLE_END, &lines.join("\n"))
        .ok_or_else(|| format!("README.md has no line `{TABLE_BEGIN}` followed by `{TABLE_END}`"))
}

/// `text` with the lines from `begin` to `end` (both included) replaced by `block`.
fn replace_between(text: &str, begin: &str, end: &str, block: &str) -> Option<String> {
    let start = text.find(begin)?;
    let stop = start + text[start..].find(end)? + end.len();
    Some(format!("{}{block}{}", &text[..start], &text[stop..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_marked_block_is_replaced() {
        let text = format!("a\n{TABLE_BEGIN}\nold\n{TABLE_END}\nb\n");
        let replaced = replace_between(&text, TABLE_BEGIN, TABLE_END, "new").unwrap();
        assert_eq!(replaced, "a\nnew\nb\n");
        assert_eq!(replace_between("no markers", TABLE_BEGIN, TABLE_END, "new"), None);
    }
}
