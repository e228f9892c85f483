//! What the embedded cluster keeps across restarts, in
//! `<work_dir>/cluster.json`: the master id (so agent ids stay the same),
//! the next framework number, and each agent's dynamic reservations and
//! persistent volumes — so a restarted `kmesos dev` offers a broker its old
//! volume again, with the data in it. Written atomically (temp file, fsync,
//! rename) whenever reservations change.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use mesos::proto::{JsonMessage, Resource};

use super::convert::{bag_from, bag_to, without};
use super::resources::ResourceBag;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ClusterRecord {
    pub master_id: String,
    pub next_framework: u64,
    /// Agent id → its reserved resources and volumes (Mesos JSON, refinement format).
    pub reserved: BTreeMap<String, Vec<serde_json::Value>>,
}

/// Where the record lives.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    path: PathBuf,
}

impl Checkpoint {
    pub fn new(work_dir: &Path) -> Self {
        Checkpoint {
            path: work_dir.join("cluster.json"),
        }
    }

    /// The record of an earlier run, if there is a readable one.
    pub fn load(&self) -> Option<ClusterRecord> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        match serde_json::from_str(&text) {
            Ok(record) => Some(record),
            Err(e) => {
                tracing::warn!(path = %self.path.display(), %e, "ignoring unreadable mesos-local record");
                None
            }
        }
    }

    pub fn save(&self, record: &ClusterRecord) {
        if let Err(e) = self.write(record) {
            tracing::error!(path = %self.path.display(), %e, "cannot save the mesos-local record");
        }
    }

    fn write(&self, record: &ClusterRecord) -> std::io::Result<()> {
        let tmp = self.path.with_extension("json.tmp");
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&serde_json::to_vec_pretty(record).map_err(std::io::Error::other)?)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &self.path)
    }
}

/// The reserved part of an agent's resources, as stored.
pub fn reserved_json(total: &ResourceBag) -> Vec<serde_json::Value> {
    let reserved: ResourceBag = total
        .iter()
        .filter(|(k, _)| k.reservation.is_some())
        .map(|(k, a)| (k.clone(), a.clone()))
        .collect();
    bag_to(&reserved, None, true)
        .iter()
        .map(JsonMessage::to_json)
        .collect()
}

/// `configured` resources with stored reservations carved out of them again;
/// a stored entry that no longer fits the configuration is dropped.
pub fn restore(configured: ResourceBag, stored: &[serde_json::Value]) -> ResourceBag {
    let resources: Vec<Resource> = stored
        .iter()
        .filter_map(|v| Resource::from_json(v).ok())
        .collect();
    let Ok(reserved) = bag_from(&resources) else {
        return configured;
    };
    let mut total = configured;
    for (kind, amount) in reserved.iter() {
        let one: ResourceBag = [(kind.clone(), amount.clone())].into_iter().collect();
        if total.subtract(&without(&one, true)) {
            total.add_all(&one);
        } else {
            tracing::warn!(
                ?kind,
                "stored reservation no longer fits the agent's resources; dropped"
            );
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::super::resources::{Amount, Kind, Reservation, Volume};
    use super::*;

    #[test]
    fn reservations_and_volumes_survive_a_save_and_restore() {
        let dir = tempfile::tempdir().unwrap();
        let unreserved = |name: &str| Kind {
            name: name.into(),
            reservation: None,
            volume: None,
        };
        let configured: ResourceBag = [
            (unreserved("cpus"), Amount::scalar(4.0)),
            (unreserved("disk"), Amount::scalar(1000.0)),
        ]
        .into_iter()
        .collect();
        let reservation = Some(Reservation {
            role: "kafka".into(),
            dynamic: true,
            principal: Some("p".into()),
            labels: vec![],
        });
        let volume = Some(Volume {
            persistence_id: "v".into(),
            principal: None,
            container_path: "data".into(),
            read_only: false,
        });
        let vol = Kind {
            name: "disk".into(),
            reservation,
            volume,
        };
        let mut total = configured.clone();
        total.subtract(
            &[(unreserved("disk"), Amount::scalar(100.0))]
                .into_iter()
                .collect(),
        );
        total.add(vol.clone(), Amount::scalar(100.0));

        let checkpoint = Checkpoint::new(dir.path());
        let record = ClusterRecord {
            master_id: "m".into(),
            next_framework: 3,
            reserved: BTreeMap::from([("m-S0".to_string(), reserved_json(&total))]),
        };
        checkpoint.save(&record);
        let loaded = checkpoint.load().unwrap();
        assert_eq!((loaded.master_id.as_str(), loaded.next_framework), ("m", 3));
        assert_eq!(restore(configured, &loaded.reserved["m-S0"]), total);
    }
}
