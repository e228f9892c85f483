//! The file backend of the state store (`--state file:PATH`): one JSON
//! document, replaced atomically on every write — written to a temporary file
//! in the same directory, flushed to disk, renamed over the old one, then the
//! directory flushed so the rename itself survives a crash.
//!
//! A file that is not a kmesos state (corrupt, foreign, of a newer format) is
//! refused when the store opens and is never written over. The store holds
//! the state's lock ([`StateLock`]) from before it reads the file until it is
//! dropped, so two schedulers never share a state, nor create two lineages.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use engine::diagnostics::utf8_text;
use engine::state::StateError;
use engine::State;

use super::lock::StateLock;
use super::{document, StateStore, StoreError};
use crate::core::CoreState;

/// The state in one local file.
#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    /// Lineage and generation of what is on disk: the next write must follow them.
    stored: Mutex<(String, u64)>,
    /// Held while the store is open: no other scheduler uses this state.
    _lock: StateLock,
}

impl FileStore {
    /// Opens the state at `path`, taking its lock (refused, naming the
    /// holder, while another scheduler has it). A missing file is created at
    /// once with a fresh lineage and generation 0, so the lineage is fixed
    /// from the start.
    pub fn open(path: impl AsRef<Path>) -> Result<FileStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let lock = StateLock::acquire(&path)?;
        match fs::read(&path) {
            Ok(bytes) => {
                let origin = path.display().to_string();
                let text = utf8_text(&origin, bytes).map_err(StateError::from)?;
                let doc = document::parse(&text, &origin)?;
                Ok(FileStore {
                    stored: Mutex::new((doc.state.lineage.clone(), doc.state.generation)),
                    path,
                    _lock: lock,
                })
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let state = State::new(uuid::Uuid::new_v4().to_string());
                write_atomically(
                    &path,
                    &document::to_json(&CoreState::from_state(state.clone())),
                )?;
                Ok(FileStore {
                    stored: Mutex::new((state.lineage.clone(), state.generation)),
                    path,
                    _lock: lock,
                })
            }
            Err(source) => Err(io("reading", &path, source)),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl StateStore for FileStore {
    fn location(&self) -> String {
        format!("file:{}", self.path.display())
    }

    fn load(&self) -> Result<CoreState, StoreError> {
        let bytes = fs::read(&self.path).map_err(|e| io("reading", &self.path, e))?;
        let origin = self.path.display().to_string();
        let text = utf8_text(&origin, bytes).map_err(StateError::from)?;
        Ok(document::parse(&text, &origin)?)
    }

    fn save(&self, doc: &mut CoreState) -> Result<(), StoreError> {
        let mut stored = self.stored.lock().unwrap_or_else(|p| p.into_inner());
        if doc.state.lineage != stored.0 {
            return Err(StoreError::ForeignLineage {
                stored: stored.0.clone(),
                offered: doc.state.lineage.clone(),
            });
        }
        doc.state.generation = stored.1 + 1;
        write_atomically(&self.path, &document::to_json(doc))?;
        stored.1 = doc.state.generation;
        Ok(())
    }
}

/// The state at `path`, read under its lock (so no scheduler runs on it);
/// a missing file is an error, not a fresh state.
pub(super) fn read_existing(path: &Path) -> Result<CoreState, StoreError> {
    let _lock = StateLock::acquire(path)?;
    let bytes = match fs::read(path) {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(StoreError::Missing {
                location: format!("file:{}", path.display()),
            })
        }
        read => read.map_err(|e| io("reading", path, e))?,
    };
    let origin = path.display().to_string();
    let text = utf8_text(&origin, bytes).map_err(StateError::from)?;
    Ok(document::parse(&text, &origin)?)
}

/// Writes `text` as a new state at `path`, under its lock; refused if a
/// state is there already.
pub(super) fn create_with(path: &Path, text: &str) -> Result<(), StoreError> {
    let _lock = StateLock::acquire(path)?;
    if path.exists() {
        return Err(StoreError::Occupied {
            location: format!("file:{}", path.display()),
        });
    }
    write_atomically(path, text)
}

/// Replaces `path` with `text` so that readers and crashes see either the old
/// or the new content. The file is created 0600: the state holds secrets.
fn write_atomically(path: &Path, text: &str) -> Result<(), StoreError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(|e| io("creating directory", &dir, e))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".kmesos-state-")
        .tempfile_in(&dir)
        .map_err(|e| io("creating a temporary file in", &dir, e))?;
    temp.write_all(text.as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| io("writing", temp.path(), e))?;
    temp.persist(path)
        .map_err(|e| io("renaming the new state onto", path, e.error))?;
    fs::File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("syncing directory", &dir, e))
}

pub(super) fn io(what: &'static str, path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io {
        what,
        path: path.display().to_string(),
        source,
    }
}
