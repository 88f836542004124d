//! The endpoint commands, built at start-up from the generated table and the client's registry:
//! `lark <service> <resource> <method>` with a flag per field. Only endpoints the client was compiled
//! with are offered.

use std::collections::HashMap;
use std::sync::LazyLock;

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};
use heck::{ToKebabCase, ToShoutySnakeCase};
use lark_openapi::ENDPOINTS;
use lark_openapi::runtime::{EndpointEntry, ResponseKind};

use crate::generated::SERVICES;
use crate::table::{Endpoint, Field, Kind, Output};

/// The id of the flag naming where a download is written.
pub const OUTPUT: &str = "output";
/// The id of the flag that follows every page.
pub const ALL_PAGES: &str = "all";

/// An endpoint chosen on the command line: its row, its registry entry and its arguments.
#[derive(Debug, Clone, Copy)]
pub struct Chosen<'a> {
    /// What the table says of it.
    pub row: &'static Endpoint,
    /// What the client's registry says of it.
    pub entry: &'static EndpointEntry,
    /// Its arguments.
    pub matches: &'a ArgMatches,
}

/// `cli` with a subcommand per service the client was compiled with.
pub fn with_endpoints(cli: Command) -> Command {
    let services = SERVICES.iter().filter_map(|service| {
        let resources: Vec<Command> = service
            .resources
            .iter()
            .filter_map(|resource| {
                let methods: Vec<Command> = resource
                    .endpoints
                    .iter()
                    .filter_map(|row| Some(endpoint_command(row, entry(row)?)))
                    .collect();
                nonempty(resource.name, resource.about, methods)
            })
            .collect();
        nonempty(service.name, service.about, resources)
    });
    // A service named like a built-in command (`auth`) lends its resources to it: `lark auth login`
    // beside `lark auth tenant-access-token internal`.
    services.fold(cli, |cli, service| {
        let name = service.get_name().to_owned();
        match cli.find_subcommand(&name) {
            Some(_) => cli.mut_subcommand(name, |builtin| builtin.subcommands(service.get_subcommands().cloned())),
            None => cli.subcommand(service),
        }
    })
}

/// The endpoint a parsed command line names, if it names one.
pub fn chosen(matches: &ArgMatches) -> Option<Chosen<'_>> {
    let (service_name, matches) = matches.subcommand()?;
    let service = SERVICES.iter().find(|s| s.name.to_kebab_case() == service_name)?;
    let (resource_name, matches) = matches.subcommand()?;
    let resource = service
        .resources
        .iter()
        .find(|r| r.name.to_kebab_case() == resource_name)?;
    let (method_name, matches) = matches.subcommand()?;
    let row = resource
        .endpoints
        .iter()
        .find(|e| e.name().to_kebab_case() == method_name)?;
    Some(Chosen {
        row,
        entry: entry(row)?,
        matches,
    })
}

/// The id of the flag giving a field's value from a file (JSON, or a bulk run's ids).
pub fn file_flag(field: &str) -> String {
    format!("{field}-file")
}

/// The registry's entry of a table row, by endpoint id: a map built once, since building the command
/// tree looks up every row (a scan per row would grow with the square of the endpoint count).
fn entry(row: &Endpoint) -> Option<&'static EndpointEntry> {
    static BY_ID: LazyLock<HashMap<&'static str, &'static EndpointEntry>> =
        LazyLock::new(|| ENDPOINTS.iter().map(|entry| (entry.metadata.id, entry)).collect());
    BY_ID.get(row.id).copied()
}

/// A command with these subcommands; none when there are none (a service not compiled in).
fn nonempty(name: &str, about: &'static str, subcommands: Vec<Command>) -> Option<Command> {
    (!subcommands.is_empty()).then(|| {
        Command::new(name.to_kebab_case())
            .about(about)
            .subcommand_required(true)
            .arg_required_else_help(true)
            .subcommands(subcommands)
    })
}

fn endpoint_command(row: &'static Endpoint, entry: &EndpointEntry) -> Command {
    let metadata = entry.metadata;
    let about = format!(
        "{}\n\n`{} {}`",
        row.summary,
        metadata.method.as_str(),
        metadata.path_template
    );
    let mut command = Command::new(row.name().to_kebab_case())
        .about(row.summary)
        .long_about(about);
    for field in row.fields {
        command = command.args(field_args(field));
    }
    if let Output::Partial {
        bulk_ids: Some(ids), ..
    } = row.output
        && entry.bulk.is_some()
    {
        command = command.arg(bulk_arg(ids));
    }
    if metadata.response_kind == ResponseKind::Binary {
        command = command.arg(
            Arg::new(OUTPUT)
                .long(OUTPUT)
                .value_name("PATH")
                .value_parser(value_parser!(std::path::PathBuf))
                .default_value("-")
                .help("Where to write the file (`-`, the default, for standard output)."),
        );
    }
    if entry.call_all_pages.is_some() {
        command = command.arg(
            Arg::new(ALL_PAGES)
                .long(ALL_PAGES)
                .action(ArgAction::SetTrue)
                .help("Follow the page tokens and print every item of every page."),
        );
    }
    command
}

/// The flags of one field: one, or for JSON a text flag and a file flag.
fn field_args(field: &'static Field) -> Vec<Arg> {
    let flag = field.flag.to_kebab_case();
    let (short_help, long_help) = helps(field.help);
    let arg = Arg::new(field.flag).help(short_help).long_help(long_help);
    if field.kind == Kind::Json {
        let file = file_flag(field.flag);
        let text = arg
            .long(format!("{flag}-json"))
            .value_name("JSON")
            .conflicts_with(file.clone());
        let from_file = Arg::new(file)
            .long(file_flag(&flag))
            .value_name("PATH")
            .value_parser(value_parser!(std::path::PathBuf))
            .help(format!(
                "`{}` as JSON read from a file (`-` for standard input).",
                field.name
            ));
        return vec![text, from_file];
    }
    let arg = arg.long(flag).value_name(field.flag.to_shouty_snake_case());
    let arg = match field.kind {
        Kind::Text if !field.choices.is_empty() => arg.value_parser(PossibleValuesParser::new(field.choices)),
        Kind::Integer | Kind::IntegerText => arg.value_parser(value_parser!(i64)),
        Kind::Boolean => arg.value_parser(value_parser!(bool)),
        Kind::Number => arg.value_parser(value_parser!(f64)),
        Kind::File => arg.value_parser(value_parser!(std::path::PathBuf)).value_name("PATH"),
        Kind::Text | Kind::Json => arg,
    };
    let arg = if field.list {
        arg.num_args(1..).action(ArgAction::Append)
    } else {
        arg
    };
    vec![arg]
}

/// `--<ids>-file PATH`: a bulk run over any number of ids.
fn bulk_arg(ids: &'static str) -> Arg {
    Arg::new(file_flag(ids))
        .long(file_flag(&ids.to_kebab_case()))
        .value_name("PATH")
        .value_parser(value_parser!(std::path::PathBuf))
        .conflicts_with(ids)
        .help(format!(
            "Read `{ids}` from a file, one per line (`-` for standard input), and send them all in chunks, \
             with a progress bar on a terminal."
        ))
}

/// The first paragraph for `-h`, the whole text for `--help`.
fn helps(help: &'static str) -> (&'static str, &'static str) {
    let first = help.split("\n\n").next().unwrap_or(help);
    (first, help)
}
