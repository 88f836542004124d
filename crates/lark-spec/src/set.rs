//! Loading specs from disk: one endpoint with its named types, or a whole `specs/` tree.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::error::{SpecError, SpecErrors};
use crate::locate::locate;
use crate::model::{EndpointSpec, EventSpec, ServiceSpec, TypesSpec};
use crate::parse::{DocumentKind, declares_event, parse};
use crate::path::FieldPath;
use crate::validate::{self, Problem};

/// The file name of a service version's shared named types.
pub const TYPES_FILE: &str = "types.yaml";

/// The file name of a service's descriptions, directly below its folder.
pub const SERVICE_FILE: &str = "service.yaml";

/// A spec with the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecFile<T> {
    /// The file as the caller named it (the root joined with the relative path).
    pub file: PathBuf,
    /// The path below the spec root, with `/` separators, e.g. `attendance/v1/user_flow/batch_del.yaml`.
    pub relative: String,
    /// The file's text, kept to locate problems found after parsing.
    pub text: String,
    /// The parsed, validated spec.
    pub spec: T,
}

/// Validated specs: endpoints and the named types they use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpecSet {
    /// Endpoints, sorted by relative path.
    pub endpoints: Vec<SpecFile<EndpointSpec>>,
    /// Named types, one file per service version, sorted by relative path.
    pub types: Vec<SpecFile<TypesSpec>>,
    /// Events the platform pushes (specs with `kind: event`), sorted by relative path.
    pub events: Vec<SpecFile<EventSpec>>,
    /// What each service and its resources are for, one file per service, sorted by relative path.
    pub services: Vec<SpecFile<ServiceSpec>>,
}

impl SpecSet {
    /// Loads every spec below `root` (files ending in `.yaml`; `types.yaml` holds named types,
    /// `service.yaml` a service's descriptions).
    pub fn load_dir(root: &Path) -> Result<Self, SpecErrors> {
        let mut files = Vec::new();
        collect_yaml(root, root, &mut files).map_err(|error| SpecErrors(vec![io_error(root, &error)]))?;
        files.sort();
        let mut loader = Loader::default();
        for relative in files {
            loader.read(root, &relative);
        }
        loader.finish()
    }

    /// Loads the named files (relative to `root`) and validates them together.
    pub fn load_files(root: &Path, relatives: &[&str]) -> Result<Self, SpecErrors> {
        let mut loader = Loader::default();
        for relative in relatives {
            loader.read(root, relative);
        }
        loader.finish()
    }

    /// Loads specs held in memory, as `(relative path, text)` pairs, and validates them together: the
    /// same checks as files, without the disk (for tools, tests and fuzzing).
    pub fn load_texts(files: &[(&str, &str)]) -> Result<Self, SpecErrors> {
        let mut loader = Loader::default();
        for (relative, text) in files {
            loader.add(Path::new(relative).to_path_buf(), relative, (*text).to_owned());
        }
        loader.finish()
    }

    /// Loads one endpoint spec (`relative` to `root`) and, when present, the `types.yaml` of its service
    /// version.
    pub fn load_endpoint(root: &Path, relative: &str) -> Result<Self, SpecErrors> {
        let mut loader = Loader::default();
        loader.read(root, relative);
        let service_version = loader
            .first_endpoint()
            .map(|spec| (spec.service.clone(), spec.version.clone()));
        if let Some((service, version)) = service_version {
            let types = format!("{service}/{version}/{TYPES_FILE}");
            if root.join(&types).is_file() {
                loader.read(root, &types);
            }
        }
        loader.finish()
    }

    /// What a service and its resources are for, if its `service.yaml` says.
    pub fn service(&self, service: &str) -> Option<&ServiceSpec> {
        self.services
            .iter()
            .map(|file| &file.spec)
            .find(|spec| spec.service == service)
    }

    /// The named types of a service version.
    pub fn types_of(&self, service: &str, version: &str) -> Option<&SpecFile<TypesSpec>> {
        self.types
            .iter()
            .find(|t| t.spec.service == service && t.spec.version == version)
    }
}

/// Reads files, keeping every problem, then validates them against each other.
#[derive(Default)]
struct Loader {
    /// Each parsed file with the problems its parse found (unknown keys).
    endpoints: Vec<(SpecFile<EndpointSpec>, Vec<Problem>)>,
    types: Vec<(SpecFile<TypesSpec>, Vec<Problem>)>,
    events: Vec<(SpecFile<EventSpec>, Vec<Problem>)>,
    services: Vec<(SpecFile<ServiceSpec>, Vec<Problem>)>,
    errors: Vec<SpecError>,
}

impl Loader {
    fn read(&mut self, root: &Path, relative: &str) {
        let file = root.join(relative);
        let text = match fs::read_to_string(&file) {
            Ok(text) => text,
            Err(error) => return self.errors.push(io_error(&file, &error)),
        };
        self.add(file, relative, text);
    }

    fn add(&mut self, file: PathBuf, relative: &str, text: String) {
        let name = Path::new(relative).file_name();
        if name.is_some_and(|name| name == TYPES_FILE) {
            let parsed = self.parsed(file, relative, text, DocumentKind::Types);
            self.types.extend(parsed);
        } else if name.is_some_and(|name| name == SERVICE_FILE) {
            let parsed = self.parsed(file, relative, text, DocumentKind::Service);
            self.services.extend(parsed);
        } else if declares_event(&text) {
            let parsed = self.parsed(file, relative, text, DocumentKind::Event);
            self.events.extend(parsed);
        } else {
            let parsed = self.parsed(file, relative, text, DocumentKind::Endpoint);
            self.endpoints.extend(parsed);
        }
    }

    /// The file parsed as a `kind` document, with the problems its parse found; `None` (the error
    /// recorded) when it does not parse.
    fn parsed<T: DeserializeOwned>(
        &mut self,
        file: PathBuf,
        relative: &str,
        text: String,
        kind: DocumentKind,
    ) -> Option<(SpecFile<T>, Vec<Problem>)> {
        let (spec, problems) = self.parse(&file, &text, kind)?;
        let relative = relative.to_owned();
        Some((
            SpecFile {
                file,
                relative,
                text,
                spec,
            },
            problems,
        ))
    }

    /// The named types of a service version, if a file holds them.
    fn types_of(&self, service: &str, version: &str) -> Option<&TypesSpec> {
        self.types
            .iter()
            .map(|(types, _)| &types.spec)
            .find(|types| types.service == service && types.version == version)
    }

    /// A `service.yaml` sits in its service's folder, once, and describes only resources the service's
    /// endpoints have.
    fn service_problems(&self, file: &SpecFile<ServiceSpec>) -> Vec<Problem> {
        let spec = &file.spec;
        let root = FieldPath::root();
        let mut problems = Vec::new();
        let expected = format!("{}/{SERVICE_FILE}", spec.service);
        if file.relative != expected && Path::new(&file.relative) != Path::new(&expected) {
            let message = format!("the descriptions of `{}` belong in {expected}", spec.service);
            problems.push(Problem::new(root.key("service"), message));
        }
        let copies = self
            .services
            .iter()
            .filter(|(other, _)| other.spec.service == spec.service);
        if copies.count() > 1 {
            let message = format!("another service.yaml already describes `{}`", spec.service);
            problems.push(Problem::new(root.key("service"), message));
        }
        let endpoints = || self.endpoints.iter().map(|(file, _)| &file.spec);
        for name in spec.resources.keys() {
            if !endpoints().any(|e| e.service == spec.service && e.resource == *name) {
                let message = format!("no endpoint of `{}` has the resource `{name}`", spec.service);
                problems.push(Problem::new(root.key("resources").key(name), message));
            }
        }
        problems
    }

    fn first_endpoint(&self) -> Option<&EndpointSpec> {
        self.endpoints.first().map(|(file, _)| &file.spec)
    }

    fn parse<T: DeserializeOwned>(&mut self, file: &Path, text: &str, kind: DocumentKind) -> Option<(T, Vec<Problem>)> {
        match parse::<T>(text, kind) {
            Ok(parsed) => Some(parsed),
            Err(unreadable) => {
                self.errors.push(SpecError {
                    file: file.to_owned(),
                    line: unreadable.location.line,
                    column: unreadable.location.column,
                    field: unreadable.field,
                    message: unreadable.message,
                });
                None
            }
        }
    }

    fn finish(mut self) -> Result<SpecSet, SpecErrors> {
        let mut service_versions = BTreeMap::new();
        for (types, mut problems) in self.types.iter().cloned() {
            problems.extend(validate::types(&types.spec));
            let identity = (types.spec.service.clone(), types.spec.version.clone());
            if let Some(first) = service_versions.insert(identity, types.relative.clone()) {
                problems.push(Problem::new(
                    FieldPath::root().key("service"),
                    format!("{first} already holds the named types of this service version"),
                ));
            }
            self.errors.extend(located(&types.file, &types.text, problems));
        }
        let mut identities = BTreeMap::new();
        for (endpoint, mut problems) in self.endpoints.iter().cloned() {
            let spec = &endpoint.spec;
            problems.extend(validate::endpoint(spec, self.types_of(&spec.service, &spec.version)));
            let identity = format!("{}.{}.{}.{}", spec.service, spec.version, spec.resource, spec.name);
            if let Some(first) = identities.insert(identity.clone(), endpoint.relative.clone()) {
                problems.push(Problem::new(
                    FieldPath::root().key("name"),
                    format!("{first} already defines endpoint `{identity}`"),
                ));
            }
            self.errors.extend(located(&endpoint.file, &endpoint.text, problems));
        }
        let mut event_types = BTreeMap::new();
        for (event, mut problems) in self.events.iter().cloned() {
            let spec = &event.spec;
            problems.extend(validate::event(spec, self.types_of(&spec.service, &spec.version)));
            if let Some(first) = event_types.insert(spec.event_type.clone(), event.relative.clone()) {
                problems.push(Problem::new(
                    FieldPath::root().key("event_type"),
                    format!("{first} already defines event `{}`", spec.event_type),
                ));
            }
            self.errors.extend(located(&event.file, &event.text, problems));
        }
        for (service, mut problems) in self.services.iter().cloned() {
            problems.extend(self.service_problems(&service));
            self.errors.extend(located(&service.file, &service.text, problems));
        }
        if self.errors.is_empty() {
            Ok(SpecSet {
                endpoints: self.endpoints.into_iter().map(|(file, _)| file).collect(),
                types: self.types.into_iter().map(|(file, _)| file).collect(),
                events: self.events.into_iter().map(|(file, _)| file).collect(),
                services: self.services.into_iter().map(|(file, _)| file).collect(),
            })
        } else {
            self.errors
                .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
            Err(SpecErrors(self.errors))
        }
    }
}

fn located(file: &Path, text: &str, problems: Vec<Problem>) -> impl Iterator<Item = SpecError> {
    problems.into_iter().map(move |problem| {
        let location = locate(text, &problem.path);
        SpecError {
            file: file.to_owned(),
            line: location.line,
            column: location.column,
            field: problem.path.to_string(),
            message: problem.message,
        }
    })
}

fn io_error(file: &Path, error: &std::io::Error) -> SpecError {
    SpecError {
        file: file.to_owned(),
        line: 1,
        column: 1,
        field: String::new(),
        message: format!("cannot read: {error}"),
    }
}

fn collect_yaml(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(root, &path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "yaml" || ext == "yml") {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let parts: Vec<_> = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect();
            out.push(parts.join("/"));
        }
    }
    Ok(())
}
