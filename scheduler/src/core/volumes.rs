//! Whether a broker's recorded volume exists. A volume is recorded when the
//! ACCEPT that creates it is sent, and known to exist once the master offers
//! it back or a task on it starts. An offer from its agent without it, while
//! no task of the broker may use it, says the ACCEPT never took effect (lost
//! on the way, or never sent by a scheduler that stopped after recording
//! it): the record forgets it, and the broker is placed afresh.

use mesos::proto::Offer;

use super::resources::persistence_id;
use super::Core;

/// Confirms or forgets the unconfirmed volumes on `offer`'s agent; true if
/// a record moved.
pub(super) fn check(core: &mut Core, offer: &Offer) -> bool {
    let agent = offer.agent_id.as_ref().map(|a| a.value.as_str());
    let offered: Vec<&str> = offer.resources.iter().filter_map(persistence_id).collect();
    let mut moved = false;
    for record in core
        .doc
        .scheduler
        .brokers
        .values_mut()
        .flat_map(|r| r.values_mut())
    {
        if record.task.is_some() || !record.doomed.is_empty() {
            continue;
        }
        let Some(volume) = record.volume.as_mut() else {
            continue;
        };
        if volume.confirmed || Some(volume.agent_id.as_str()) != agent {
            continue;
        }
        if offered.contains(&volume.persistence_id.as_str()) {
            volume.confirmed = true;
        } else {
            record.volume = None;
            record.voter_ports = None;
            record.stopped_at = None;
        }
        moved = true;
    }
    moved
}
