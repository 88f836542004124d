//! Drafts specs from the platform's reference pages (`cargo xtask import`), and reports drift between
//! a spec and its page (`cargo xtask import --check`).
//!
//! The importer copies facts, never sentences: names, types, required flags, bounds, defaults, named
//! values, examples, error codes and messages, rate limits, scopes and token kinds. Descriptions are left
//! for the reviewer to write; whatever it cannot decide it reports with the page line.

pub mod draft;
pub mod drift;
pub mod endpoint;
pub mod event;
pub mod fields;
pub mod markdown;
pub mod report;
pub mod service;
pub mod shared;
pub mod yaml;

pub use drift::{Drift, drift};
pub use endpoint::EndpointPage;
pub use event::EventPage;
pub use markdown::Page;
pub use report::Undecided;
pub use service::{Draft, ServiceImport, import_service};
