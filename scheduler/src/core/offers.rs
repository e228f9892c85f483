//! The OfferMatcher: does one offer fit one broker, and with which
//! resources? A broker with a volume on the offer's agent is relaunched on
//! the reserved resources and the volume exactly as offered (reserving only
//! what its spec grew by); otherwise it is placed on free resources, which
//! are reserved, and a fresh volume is created from the reserved disk.

use std::collections::BTreeSet;

use engine::config::{BrokerSpec, PortSpec};
use mesos::proto::{Offer, Resource};

use super::constraints::{violation, KnownValues, Site};
use super::ids::broker_label;
use super::record::VolumeRecord;
use super::resources::{
    attributes, holder, one_port, persistence_id, quantize, scalar, with_amount, Holder,
    ResourceWriter,
};

/// The broker an offer is matched for.
pub struct Need<'a> {
    pub cluster: &'a str,
    pub id: u32,
    pub spec: &'a BrokerSpec,
    /// Its volume, if it has one.
    pub volume: Option<&'a VolumeRecord>,
    /// Only the agent holding the volume will do (within stickiness).
    pub sticky: bool,
    /// Ports other brokers listen on: avoided when the range leaves a
    /// choice, so brokers sharing one host (agents on one machine in
    /// `kmesos dev`) do not collide.
    pub taken_ports: &'a BTreeSet<u16>,
    /// A KRaft controller voter: it needs a second (controller) port, and
    /// both its ports are reserved with its volume so they stay its own.
    pub voter: bool,
    /// The voter's reserved (client, controller) ports, once it has them.
    pub voter_ports: Option<(u16, u16)>,
    /// The host and controller port a fixed quorum names for the voter: a
    /// voter placed afresh (its volume destroyed) goes back there.
    pub home: Option<(&'a str, u16)>,
}

/// What an accepted offer does for the broker.
#[derive(Debug, Clone)]
pub struct Placement {
    pub port: u16,
    /// A voter's controller port.
    pub controller_port: Option<u16>,
    /// RESERVE these first (empty when everything is already reserved).
    pub reserve: Vec<Resource>,
    /// Then CREATE these volumes (empty when the volume exists).
    pub create: Vec<Resource>,
    /// The task's resources.
    pub task_resources: Vec<Resource>,
    /// The volume the task runs on.
    pub volume: VolumeRecord,
}

/// The ports a placement takes.
struct PortChoice {
    port: u16,
    controller: Option<u16>,
    /// The task's `ports` resource.
    task: Resource,
    /// To RESERVE first (a voter's first placement).
    reserve: Option<Resource>,
}

fn has_port(resource: &Resource, port: u16) -> bool {
    resource
        .ranges
        .iter()
        .flat_map(|r| &r.range)
        .any(|r| (r.begin..=r.end).contains(&u64::from(port)))
}

/// Matches offers against brokers for one framework role.
pub struct OfferMatcher<'a> {
    pub role: &'a str,
    pub principal: Option<&'a str>,
}

impl OfferMatcher<'_> {
    /// A placement of `need` on `offer`, or why it does not fit. `peers` are
    /// where the cluster's other brokers run; `known` the attribute values
    /// agents have (for `groupBy`); `fresh_volume_id` names the volume to
    /// create if one is needed.
    pub fn place(
        &self,
        offer: &Offer,
        need: &Need,
        peers: &[Site],
        known: &KnownValues,
        fresh_volume_id: &str,
    ) -> Result<Placement, String> {
        let attrs = attributes(&offer.attributes);
        let site = Site {
            hostname: &offer.hostname,
            attributes: &attrs,
        };
        if let Some(why) = violation(&need.spec.constraints, site, peers, known) {
            return Err(format!("constraint {why}"));
        }
        let existing = need.volume.and_then(|v| {
            offer.resources.iter().find(|r| {
                persistence_id(r) == Some(v.persistence_id.as_str())
                    && matches!(holder(r, self.role), Holder::Ours(_))
            })
        });
        if existing.is_none() && need.sticky {
            return Err("waiting for the agent that holds its volume".into());
        }
        if let Some((host, _)) = need.home.filter(|(host, _)| *host != offer.hostname) {
            return Err(format!(
                "waiting for {host}, where the controller quorum names this voter"
            ));
        }
        let writer = ResourceWriter::for_offer(self.role, self.principal, offer);
        let label = broker_label(need.cluster, need.id);
        let ports = self.ports(offer, need, &writer, &label, existing.is_some())?;
        let mut placement = match existing {
            Some(volume) => self.on_volume(offer, need, &writer, &label, volume)?,
            None => self.fresh(offer, need, &writer, &label, fresh_volume_id)?,
        };
        placement.port = ports.port;
        placement.controller_port = ports.controller;
        placement.reserve.extend(ports.reserve);
        placement.task_resources.push(ports.task);
        Ok(placement)
    }

    /// The broker's port (and a voter's controller port) from the offer.
    fn ports(
        &self,
        offer: &Offer,
        need: &Need,
        writer: &ResourceWriter,
        label: &str,
        on_volume: bool,
    ) -> Result<PortChoice, String> {
        let missing = || format!("no port {} offered", need.spec.port);
        if !need.voter {
            let (resource, port) = pick_port(offer, self.role, need.spec.port, need.taken_ports)
                .ok_or_else(missing)?;
            return Ok(PortChoice {
                port,
                controller: None,
                task: one_port(resource, port),
                reserve: None,
            });
        }
        match (need.voter_ports, on_volume) {
            (Some((client, controller)), true) => {
                let mine = offer.resources.iter().find(|r| {
                    r.name == "ports"
                        && holder(r, self.role) == Holder::Ours(Some(label.to_string()))
                        && [client, controller].iter().all(|p| has_port(r, *p))
                });
                let resource = mine.ok_or("waiting for its reserved ports to be offered")?;
                Ok(PortChoice {
                    port: client,
                    controller: Some(controller),
                    task: resource.clone(),
                    reserve: None,
                })
            }
            _ => {
                // A voter going back to its quorum's controller port keeps
                // that port for the controller.
                let mut taken = need.taken_ports.clone();
                taken.extend(need.home.map(|(_, port)| port));
                let (_, client) =
                    pick_port(offer, self.role, need.spec.port, &taken).ok_or_else(missing)?;
                let controller = match need.home {
                    Some((_, named)) => pick_port(offer, self.role, PortSpec::Fixed(named), &taken)
                        .filter(|(_, p)| *p != client)
                        .ok_or_else(|| {
                            format!("controller port {named}, which the quorum names, not offered")
                        })?,
                    None => {
                        taken.insert(client);
                        pick_port(offer, self.role, PortSpec::Any, &taken)
                            .filter(|(_, p)| *p != client)
                            .ok_or("no second port for the KRaft controller listener")?
                    }
                }
                .1;
                let reserved = writer.reserved_ports(&[client, controller], label);
                Ok(PortChoice {
                    port: client,
                    controller: Some(controller),
                    task: reserved.clone(),
                    reserve: Some(reserved),
                })
            }
        }
    }

    /// Relaunch on the agent that holds the volume.
    fn on_volume(
        &self,
        offer: &Offer,
        need: &Need,
        writer: &ResourceWriter,
        label: &str,
        volume: &Resource,
    ) -> Result<Placement, String> {
        let mut reserve = Vec::new();
        let mut task_resources = Vec::new();
        for (name, wanted) in [("cpus", need.spec.cpus), ("mem", need.spec.mem as f64)] {
            let mine: Vec<&Resource> = offer
                .resources
                .iter()
                .filter(|r| r.name == name && r.disk.is_none())
                .filter(|r| holder(r, self.role) == Holder::Ours(Some(label.to_string())))
                .collect();
            let have: f64 = mine.iter().map(|r| scalar(r)).sum();
            let shortfall = quantize(wanted - have);
            match mine.first() {
                Some(first) if shortfall <= 0.0 => task_resources.push(with_amount(first, wanted)),
                _ => {
                    if free(offer, self.role, name) + 1e-9 < shortfall {
                        return Err(format!(
                            "{name}: {wanted} wanted, {have} reserved and not enough free"
                        ));
                    }
                    reserve.push(writer.reserved(name, shortfall, label));
                    task_resources.push(writer.reserved(name, wanted, label));
                }
            }
        }
        task_resources.push(volume.clone());
        let record = VolumeRecord {
            persistence_id: persistence_id(volume).unwrap_or_default().to_string(),
            agent_id: agent(offer),
            hostname: offer.hostname.clone(),
            disk: scalar(volume).round() as u64,
            confirmed: true,
        };
        Ok(Placement {
            port: 0,
            controller_port: None,
            reserve,
            create: Vec::new(),
            task_resources,
            volume: record,
        })
    }

    /// First placement on this agent: reserve, create a volume, launch.
    fn fresh(
        &self,
        offer: &Offer,
        need: &Need,
        writer: &ResourceWriter,
        label: &str,
        volume_id: &str,
    ) -> Result<Placement, String> {
        let wants = [
            ("cpus", need.spec.cpus),
            ("mem", need.spec.mem as f64),
            ("disk", need.spec.disk as f64),
        ];
        for (name, wanted) in wants {
            let offered = free(offer, self.role, name);
            if offered + 1e-9 < quantize(wanted) {
                return Err(format!("{name}: {wanted} wanted, {offered} offered"));
            }
        }
        let reserve: Vec<Resource> = wants
            .iter()
            .map(|(name, wanted)| writer.reserved(name, *wanted, label))
            .collect();
        let volume = writer.volume(need.spec.disk as f64, label, volume_id);
        let task_resources = vec![
            writer.reserved("cpus", need.spec.cpus, label),
            writer.reserved("mem", need.spec.mem as f64, label),
            volume.clone(),
        ];
        Ok(Placement {
            port: 0,
            controller_port: None,
            reserve,
            create: vec![volume],
            task_resources,
            volume: VolumeRecord {
                persistence_id: volume_id.to_string(),
                agent_id: agent(offer),
                hostname: offer.hostname.clone(),
                disk: need.spec.disk,
                confirmed: false,
            },
        })
    }
}

fn agent(offer: &Offer) -> String {
    offer
        .agent_id
        .as_ref()
        .map(|a| a.value.clone())
        .unwrap_or_default()
}

/// Unreserved scalar `name` in the offer (volumes and other disks excluded).
fn free(offer: &Offer, role: &str, name: &str) -> f64 {
    offer
        .resources
        .iter()
        .filter(|r| r.name == name && r.disk.is_none() && holder(r, role) == Holder::Free)
        .map(scalar)
        .sum()
}

/// The lowest offered port the spec allows, preferring one not `taken`,
/// with the resource it comes from.
fn pick_port<'o>(
    offer: &'o Offer,
    role: &str,
    spec: PortSpec,
    taken: &BTreeSet<u16>,
) -> Option<(&'o Resource, u16)> {
    let allowed = |p: u16| p != 0 && spec.contains(p);
    let offered = || {
        offer
            .resources
            .iter()
            // Only free ports: reserved ones belong to a KRaft voter.
            .filter(|r| r.name == "ports" && holder(r, role) == Holder::Free)
            .flat_map(|r| {
                r.ranges
                    .iter()
                    .flat_map(|ranges| &ranges.range)
                    .map(move |range| (r, range))
            })
    };
    let first = |skip_taken: bool| {
        offered().find_map(|(r, range)| {
            let begin = u16::try_from(range.begin).ok()?;
            let end = u16::try_from(range.end.min(u64::from(u16::MAX))).ok()?;
            let (low, high) = match spec {
                PortSpec::Any => (begin, end),
                PortSpec::Fixed(p) => (p, p),
                PortSpec::Range { from, to } => (from, to),
            };
            (begin.max(low)..=end.min(high))
                .find(|p| allowed(*p) && !(skip_taken && taken.contains(p)))
                .map(|p| (r, p))
        })
    };
    first(true).or_else(|| first(false))
}
