//! kmesos engine: the plain-data core of kmesos, in Terraform's split.
//!
//! - [`config`]: what the operator wrote (HCL → typed model, errors with positions);
//! - [`state`]: what the scheduler has recorded (applied specs and what runs);
//! - [`plan`]: the difference between the two, as a list of changes;
//! - [`render`]: how a plan is shown (text, JSON), kept apart from computing it;
//! - [`format`]: canonical formatting of HCL files for `kmesos fmt`;
//! - [`address`]: how every part names resources (`cluster.events.broker.3`).
//!
//! The engine does no I/O: callers hand it file contents and get values back.

pub mod address;
pub mod config;
pub mod diagnostics;
pub mod format;

pub mod plan;
pub mod render;
pub mod sensitive;
pub mod state;

pub use address::Address;
pub use config::{load, Config, SourceFile, Vars};
pub use diagnostics::{Diagnostic, Diagnostics};
pub use plan::{diff, Plan};
pub use state::State;
