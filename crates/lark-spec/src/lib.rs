//! The endpoint spec format of lark-openapi.
//!
//! A spec is a YAML file under `specs/` that describes one Open Platform endpoint: its URL, method,
//! access tokens, scopes, rate limit, parameters with their constraints, response data and documented
//! error codes. This crate reads specs into [`model`] types and validates them; every problem comes back
//! at once as a [`SpecError`] with file, line, column and field. The YAML parser stays behind this crate
//! so that it can be swapped.
//!
//! ```no_run
//! let specs = lark_spec::SpecSet::load_dir(std::path::Path::new("specs"))?;
//! for endpoint in &specs.endpoints {
//!     println!("{} {}", endpoint.spec.http.method.as_str(), endpoint.spec.http.path);
//! }
//! # Ok::<(), lark_spec::SpecErrors>(())
//! ```

mod error;
mod locate;
pub mod model;
mod parse;
mod path;
mod set;
mod validate;

pub use error::{SpecError, SpecErrors};
pub use locate::Location;
pub use path::{FieldPath, Segment};
pub use set::{SERVICE_FILE, SpecFile, SpecSet, TYPES_FILE};
pub use validate::RESERVED_TYPE_NAMES;
