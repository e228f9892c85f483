//! Moving a state between locations while no scheduler runs on either
//! (`kmesos state migrate`): from a file into ZooKeeper and back. The whole
//! document moves unchanged — lineage, serial, generation, the framework id
//! and the core's bookkeeping — so the schedulers started on the new
//! location fail over to the same framework and find every broker where it
//! runs. A destination that already holds a state is refused; the source is
//! left as it was.

use std::path::Path;

use super::{document, file, zookeeper, StoreError};
use crate::core::CoreState;
use crate::zookeeper::ZkLocation;

/// What was moved.
#[derive(Debug)]
pub struct Migrated {
    pub lineage: String,
    pub serial: u64,
    pub generation: u64,
}

/// Copies the state at `from` to `to` (`file:PATH` or `zk://…/PATH`).
pub async fn migrate(from: &str, to: &str) -> Result<Migrated, StoreError> {
    let doc = read(from).await?;
    write(to, &doc).await?;
    Ok(Migrated {
        lineage: doc.state.lineage.clone(),
        serial: doc.state.serial,
        generation: doc.state.generation,
    })
}

async fn read(location: &str) -> Result<CoreState, StoreError> {
    match place(location)? {
        Place::File(path) => file::read_existing(path),
        Place::ZooKeeper(zk) => {
            let client = zookeeper::unled(&zk).await?;
            zookeeper::read(&client, &zk).await
        }
    }
}

async fn write(location: &str, doc: &CoreState) -> Result<(), StoreError> {
    match place(location)? {
        Place::File(path) => file::create_with(path, &document::to_json(doc)),
        Place::ZooKeeper(zk) => {
            let client = zookeeper::unled(&zk).await?;
            zookeeper::create(&client, &zk, &document::to_json(doc)).await
        }
    }
}

enum Place<'a> {
    File(&'a Path),
    ZooKeeper(ZkLocation),
}

fn place(location: &str) -> Result<Place<'_>, StoreError> {
    match ZkLocation::parse(location) {
        Some(zk) => Ok(Place::ZooKeeper(zk.map_err(StoreError::InvalidLocation)?)),
        None => super::file_path(location).map(|path| Place::File(Path::new(path))),
    }
}
