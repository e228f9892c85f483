//! Where the scheduler keeps its state between runs: the state document
//! (what `kmesos state` shows) together with the core's bookkeeping (the
//! apply in progress, tasks, volumes), in one document written at once.
//!
//! [`StateStore`] is the interface the daemon writes through: a file for
//! one scheduler ([`FileStore`]), or ZooKeeper for several, of which the
//! elected leader writes ([`ZkStore`]). Every store keeps the state's
//! `lineage` (fixed when the state is first created) and numbers each write
//! with the state's `generation`, so a stale copy cannot overwrite a newer
//! one; `serial` (what saved plans check) is the core's to bump.
//! [`open`] opens a `file:PATH` location; a `zk://` one is opened by the
//! leader it elects (`crate::standby`).

mod document;
mod file;
mod lock;
mod migrate;
mod zookeeper;

pub use document::{parse, to_json};
pub use file::FileStore;
pub use migrate::{migrate, Migrated};
pub use zookeeper::ZkStore;

use engine::state::StateError;

use crate::core::CoreState;

/// Why the state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stored document is not a kmesos state we can read; it is left alone.
    #[error("{0}; refusing to use or overwrite it")]
    Unreadable(#[from] StateError),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
    /// A write would replace a state of another history.
    #[error("refusing to write a state of lineage {offered:?} over the stored lineage {stored:?}")]
    ForeignLineage { stored: String, offered: String },
    /// Another scheduler holds the state (one scheduler per state).
    #[error("the state {path} is in use by another scheduler ({holder}); stop it first, or give this one its own state")]
    Locked { path: String, holder: String },
    #[error(
        "unsupported state location {0:?}: expected file:PATH or zk://HOST:PORT[,HOST:PORT…]/PATH"
    )]
    Location(String),
    /// This scheduler no longer leads: its ZooKeeper session or election
    /// node is gone, and its successor owns the state.
    #[error("this scheduler no longer leads (its ZooKeeper session ended); the state at {location} belongs to the new leader")]
    Deposed { location: String },
    /// Someone else wrote the state since this scheduler last did.
    #[error("the state at {location} was written by another scheduler since this one last wrote it; refusing to overwrite it")]
    Superseded { location: String },
    /// A `zk://` location that does not parse (the message says why).
    #[error("{0}")]
    InvalidLocation(String),
    #[error("there is no state at {location}")]
    Missing { location: String },
    /// A migration's destination that already holds a state.
    #[error("{location} already holds a state; refusing to overwrite it")]
    Occupied { location: String },
    #[error("ZooKeeper at {location}: {detail}")]
    ZooKeeper { location: String, detail: String },
}

/// A place the scheduler's state lives. Implementations write atomically:
/// after a crash the stored document is the old one or the new one, whole.
pub trait StateStore: Send + Sync {
    /// Where the state lives, for messages (`file:/var/lib/kmesos/state.json`).
    fn location(&self) -> String;

    /// The stored state; a store opened on nothing holds a fresh, empty state
    /// with a new lineage.
    fn load(&self) -> Result<CoreState, StoreError>;

    /// Writes `doc` as the next version: its state's `generation` is set to
    /// one past the stored one. Refused if its lineage is not the stored lineage.
    fn save(&self, doc: &mut CoreState) -> Result<(), StoreError>;
}

/// Opens the file store a `--state` argument names (`file:PATH`, or a bare
/// path). ZooKeeper locations are refused here: only an elected leader
/// opens one.
pub fn open(location: &str) -> Result<Box<dyn StateStore>, StoreError> {
    Ok(Box::new(FileStore::open(file_path(location)?)?))
}

/// The path of a `file:PATH` location (or a bare path).
fn file_path(location: &str) -> Result<&str, StoreError> {
    let path = match location.split_once(':') {
        Some(("file", path)) => path,
        Some((scheme, _)) if scheme.len() > 1 && !scheme.contains('/') => {
            return Err(StoreError::Location(location.to_string()))
        }
        _ => location,
    };
    if path.is_empty() {
        return Err(StoreError::Location(location.to_string()));
    }
    Ok(path)
}
