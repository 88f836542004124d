//! The shape of the generated command table (`generated::SERVICES`): what `lark` needs to know of each
//! endpoint beyond what the client's registry holds — its fields as flags, and how its answer is printed.

/// A service of the Open Platform, e.g. `im`.
#[derive(Debug)]
pub struct Service {
    /// The platform's name, e.g. `contact`.
    pub name: &'static str,
    /// One line saying what it is for.
    pub about: &'static str,
    /// Its resources, by name.
    pub resources: &'static [Resource],
}

impl Service {
    /// A service and its resources.
    pub const fn new(name: &'static str, about: &'static str, resources: &'static [Resource]) -> Self {
        Self { name, about, resources }
    }
}

/// A resource of a service, e.g. `message`.
#[derive(Debug)]
pub struct Resource {
    /// The platform's name, e.g. `user_flow`.
    pub name: &'static str,
    /// One line saying what it is for.
    pub about: &'static str,
    /// Its endpoints.
    pub endpoints: &'static [Endpoint],
}

impl Resource {
    /// A resource and its endpoints.
    pub const fn new(name: &'static str, about: &'static str, endpoints: &'static [Endpoint]) -> Self {
        Self { name, about, endpoints }
    }
}

/// One endpoint's row.
#[derive(Debug)]
pub struct Endpoint {
    /// The registry's id, e.g. `attendance.v1.user_flow.batch_del`.
    pub id: &'static str,
    /// One line saying what it does.
    pub summary: &'static str,
    /// How its answer is printed.
    pub output: Output,
    /// Its path, query and body fields, in the spec's order.
    pub fields: &'static [Field],
}

impl Endpoint {
    /// An endpoint with no fields.
    pub const fn new(id: &'static str, summary: &'static str, output: Output) -> Self {
        Self {
            id,
            summary,
            output,
            fields: &[],
        }
    }

    /// The same endpoint with these fields.
    pub const fn fields(self, fields: &'static [Field]) -> Self {
        Self { fields, ..self }
    }

    /// The method's name, the id's last part, e.g. `batch_del`.
    pub fn name(&self) -> &'static str {
        self.id.rsplit('.').next().unwrap_or(self.id)
    }
}

/// How an answer is printed.
#[derive(Debug, Clone, Copy)]
pub enum Output {
    /// The data and the log id.
    Data,
    /// A batch of ids: the data, every failed id with its reason from `msg`, and the ids left without
    /// an outcome.
    Partial {
        /// The answer's field of ids that succeeded, e.g. `success_record_ids`.
        succeeded: &'static str,
        /// The answer's field of ids that failed, e.g. `fail_record_ids`.
        failed: &'static str,
        /// The request's field of ids, when the endpoint has a bulk method (`--<field>-file`).
        bulk_ids: Option<&'static str>,
    },
    /// A batch of items whose `msg` lists the ones that failed (`[a-b, c-d]`).
    Listed,
}

/// One field of a request, given as a flag.
#[derive(Debug)]
pub struct Field {
    /// Where the request carries it.
    pub at: At,
    /// The wire name, e.g. `record_ids`.
    pub name: &'static str,
    /// The flag's name, whose kebab case is the flag (`--record-ids`): the wire name, unless another
    /// place of the request uses it too (`query_type` beside a body's `type`).
    pub flag: &'static str,
    /// What a value is.
    pub kind: Kind,
    /// Whether it takes several values (`--name a b c`).
    pub list: bool,
    /// Whether the request needs it.
    pub required: bool,
    /// The named values a text field accepts; empty for any.
    pub choices: &'static [&'static str],
    /// Its help: the spec's description, example and default.
    pub help: &'static str,
}

impl Field {
    /// An optional single-valued field, with no help yet.
    pub const fn new(at: At, name: &'static str, kind: Kind) -> Self {
        Self {
            at,
            name,
            flag: name,
            kind,
            list: false,
            required: false,
            choices: &[],
            help: "",
        }
    }

    /// The same field, taking several values.
    pub const fn list(self) -> Self {
        Self { list: true, ..self }
    }

    /// The same field, required.
    pub const fn required(self) -> Self {
        Self { required: true, ..self }
    }

    /// The same field, limited to these values.
    pub const fn choices(self, choices: &'static [&'static str]) -> Self {
        Self { choices, ..self }
    }

    /// The same field, under another flag than its wire name.
    pub const fn flag(self, flag: &'static str) -> Self {
        Self { flag, ..self }
    }

    /// The same field, with this help.
    pub const fn help(self, help: &'static str) -> Self {
        Self { help, ..self }
    }
}

/// Where a request carries a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// A path parameter.
    Path,
    /// A query parameter (a list repeats its key).
    Query,
    /// A field of the JSON body, or of a multipart body.
    Body,
}

/// What a flag's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// An integer, a JSON number on the wire.
    Integer,
    /// An integer the platform takes as a string of digits.
    IntegerText,
    /// `true` or `false`.
    Boolean,
    /// A number with a fraction.
    Number,
    /// A file to upload: the flag names its path.
    File,
    /// An object, a map or a list of them: `--<name>-json TEXT` or `--<name>-file PATH`.
    Json,
}
