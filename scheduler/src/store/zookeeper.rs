//! The ZooKeeper backend of the state store (`--state zk://…/PATH`): the
//! document in the node `PATH/state`, written only by the elected leader.
//! Every write is one multi-operation that checks the leader's election
//! node still exists and sets the state at the version last read or
//! written (compare-and-set), so a deposed leader — paused, partitioned,
//! its session expired — can never overwrite its successor's state.
//!
//! Also the reading and creating of a state while no scheduler leads, for
//! moving one in and out (`migrate`).
//!
//! The trait is synchronous (the file store blocks on `fsync` alike); the
//! ZooKeeper calls block the calling worker thread, so the daemon runs on a
//! multi-threaded runtime.

use std::sync::Mutex;
use std::time::Duration;

use engine::diagnostics::utf8_text;
use engine::state::StateError;
use engine::State;
use zookeeper_client::{Acls, CheckWriteError, Client, CreateMode, Error, MultiWriteResult};

use super::{document, StateStore, StoreError};
use crate::core::CoreState;
use crate::zookeeper::election::{self, Leadership};
use crate::zookeeper::{ZkLocation, DEFAULT_SESSION_TIMEOUT};

/// The state in ZooKeeper, held by the leader.
#[derive(Debug)]
pub struct ZkStore {
    location: ZkLocation,
    leadership: Leadership,
    /// Lineage, generation and node version of what is stored: the next
    /// write must follow them.
    stored: Mutex<Stored>,
}

#[derive(Debug)]
struct Stored {
    lineage: String,
    generation: u64,
    version: i32,
}

impl ZkStore {
    /// Opens the state as the elected leader: reads it, or creates a fresh
    /// one (with a new lineage) when the node is missing.
    pub async fn open(location: ZkLocation, leadership: Leadership) -> Result<ZkStore, StoreError> {
        let node = location.state_node();
        let client = leadership.client();
        let stored = match client.get_data(&node).await {
            Ok((bytes, stat)) => {
                let doc = parse(&location, bytes)?;
                Stored {
                    lineage: doc.state.lineage,
                    generation: doc.state.generation,
                    version: stat.version,
                }
            }
            Err(Error::NoNode) => {
                let state = State::new(uuid::Uuid::new_v4().to_string());
                let text = document::to_json(&CoreState::from_state(state.clone()));
                let mut create = leadership.fenced_writer();
                let options = CreateMode::Persistent.with_acls(Acls::anyone_all());
                create
                    .add_create(&node, text.as_bytes(), &options)
                    .map_err(|e| zk_error(&location, e))?;
                create
                    .commit()
                    .await
                    .map_err(|e| write_error(&location, e))?;
                Stored {
                    lineage: state.lineage,
                    generation: state.generation,
                    version: 0,
                }
            }
            Err(e) => return Err(zk_error(&location, e)),
        };
        Ok(ZkStore {
            location,
            leadership,
            stored: Mutex::new(stored),
        })
    }

    /// Sets the node to `bytes` at the stored version; the new version.
    async fn write(&self, bytes: &[u8], version: i32) -> Result<i32, StoreError> {
        let node = self.location.state_node();
        let mut connection_lost = false;
        loop {
            let mut write = self.leadership.fenced_writer();
            write
                .add_set_data(&node, bytes, Some(version))
                .map_err(|e| zk_error(&self.location, e))?;
            match write.commit().await {
                Ok(results) => {
                    return match results.first() {
                        Some(MultiWriteResult::SetData { stat }) => Ok(stat.version),
                        other => Err(zk_error(
                            &self.location,
                            Error::UnexpectedError(format!("set data answered {other:?}")),
                        )),
                    }
                }
                // The connection dropped: ZooKeeper may or may not have taken
                // the write. Retry until the session is back or lost.
                Err(CheckWriteError::RequestFailed {
                    source: Error::ConnectionLoss,
                }) => {
                    connection_lost = true;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                // Our own write, taken before the connection dropped?
                Err(CheckWriteError::OperationFailed {
                    source: Error::BadVersion,
                    ..
                }) if connection_lost => {
                    let (stored, stat) = self
                        .leadership
                        .client()
                        .get_data(&node)
                        .await
                        .map_err(|e| zk_error(&self.location, e))?;
                    if stored == bytes && stat.version == version + 1 {
                        return Ok(stat.version);
                    }
                    return Err(superseded(&self.location));
                }
                Err(e) => return Err(write_error(&self.location, e)),
            }
        }
    }
}

impl StateStore for ZkStore {
    fn location(&self) -> String {
        self.location.display()
    }

    fn load(&self) -> Result<CoreState, StoreError> {
        let node = self.location.state_node();
        let read = block_on(self.leadership.client().get_data(&node));
        let (bytes, _) = read.map_err(|e| zk_error(&self.location, e))?;
        parse(&self.location, bytes)
    }

    fn save(&self, doc: &mut CoreState) -> Result<(), StoreError> {
        let mut stored = self.stored.lock().unwrap_or_else(|p| p.into_inner());
        if doc.state.lineage != stored.lineage {
            return Err(StoreError::ForeignLineage {
                stored: stored.lineage.clone(),
                offered: doc.state.lineage.clone(),
            });
        }
        doc.state.generation = stored.generation + 1;
        let text = document::to_json(doc);
        stored.version = block_on(self.write(text.as_bytes(), stored.version))?;
        stored.generation = doc.state.generation;
        Ok(())
    }
}

/// A session on `location` for moving its state, refused while a
/// scheduler runs there.
pub(super) async fn unled(location: &ZkLocation) -> Result<Client, StoreError> {
    let client = crate::zookeeper::connect(location, DEFAULT_SESSION_TIMEOUT)
        .await
        .map_err(|e| zk_error(location, e))?;
    if let Some(url) = election::leader(&client, location)
        .await
        .map_err(|e| zk_error(location, e))?
    {
        return Err(StoreError::Locked {
            path: location.display(),
            holder: format!("the scheduler at {url}"),
        });
    }
    Ok(client)
}

/// The state stored at `location`.
pub(super) async fn read(client: &Client, location: &ZkLocation) -> Result<CoreState, StoreError> {
    match client.get_data(&location.state_node()).await {
        Ok((bytes, _)) => parse(location, bytes),
        Err(Error::NoNode) => Err(StoreError::Missing {
            location: location.display(),
        }),
        Err(e) => Err(zk_error(location, e)),
    }
}

/// Stores `text` as a new state at `location`; refused if one is there.
pub(super) async fn create(
    client: &Client,
    location: &ZkLocation,
    text: &str,
) -> Result<(), StoreError> {
    let acls = Acls::anyone_all();
    match client
        .mkdir(&location.root, &CreateMode::Persistent.with_acls(acls))
        .await
    {
        Ok(()) | Err(Error::NodeExists) => {}
        Err(e) => return Err(zk_error(location, e)),
    }
    let options = CreateMode::Persistent.with_acls(Acls::anyone_all());
    match client
        .create(&location.state_node(), text.as_bytes(), &options)
        .await
    {
        Ok(_) => Ok(()),
        Err(Error::NodeExists) => Err(StoreError::Occupied {
            location: location.display(),
        }),
        Err(e) => Err(zk_error(location, e)),
    }
}

/// Runs a ZooKeeper call to its end from synchronous code on the runtime.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(future))
}

fn parse(location: &ZkLocation, bytes: Vec<u8>) -> Result<CoreState, StoreError> {
    let origin = location.display();
    let text = utf8_text(&origin, bytes).map_err(StateError::from)?;
    Ok(document::parse(&text, &origin)?)
}

/// A failed fenced write: the fence (leadership) gone, or another error.
fn write_error(location: &ZkLocation, e: CheckWriteError) -> StoreError {
    match e {
        CheckWriteError::CheckFailed { .. }
        | CheckWriteError::RequestFailed {
            source: Error::SessionExpired,
        } => StoreError::Deposed {
            location: location.display(),
        },
        CheckWriteError::OperationFailed {
            source: Error::BadVersion,
            ..
        } => superseded(location),
        CheckWriteError::RequestFailed { source }
        | CheckWriteError::OperationFailed { source, .. } => zk_error(location, source),
    }
}

fn superseded(location: &ZkLocation) -> StoreError {
    StoreError::Superseded {
        location: location.display(),
    }
}

fn zk_error(location: &ZkLocation, e: Error) -> StoreError {
    StoreError::ZooKeeper {
        location: location.display(),
        detail: e.to_string(),
    }
}
