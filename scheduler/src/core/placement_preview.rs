//! A dry run of placement for `kmesos plan`: the brokers a plan creates or
//! moves, in address order, matched as the OfferMatcher would match them
//! now against each agent's latest offer the core declined (what the agent
//! has free). A broker previewed onto an agent uses up what it takes of
//! that offer for the brokers after it, and counts as a peer for their
//! constraints. A preview is not a promise: offers change, and KRaft voters
//! are matched as plain brokers. Nothing is reserved or launched.

use std::collections::{BTreeMap, BTreeSet};

use engine::config::Config;
use engine::plan::PlacementPreview;
use engine::Address;
use mesos::proto::{value, Offer, Resource};

use super::constraints::Site;
use super::offers::{Need, OfferMatcher};
use super::resources::{attributes, holder, quantize, scalar, Holder};
use super::Core;

/// A broker previewed onto an agent: its cluster and where.
struct Landed {
    cluster: String,
    hostname: String,
    attributes: BTreeMap<String, String>,
}

impl Core {
    /// Where each broker of `brokers` (addresses of brokers of `target`
    /// that a plan creates or moves) would land, or why none can take it.
    pub fn preview_placement(&self, target: &Config, brokers: &[Address]) -> Vec<PlacementPreview> {
        let matcher = OfferMatcher {
            role: &self.config.role,
            principal: self.config.principal.as_deref(),
        };
        let mut offers: Vec<Offer> = self.free_offers.values().cloned().collect();
        let mut landed: Vec<Landed> = Vec::new();
        let mut taken_ports: BTreeSet<u16> = self
            .doc
            .state
            .clusters
            .values()
            .flat_map(|c| c.brokers.values())
            .filter_map(|b| b.runtime.as_ref()?.port)
            .collect();
        let mut previews = Vec::new();
        for address in brokers {
            let mut preview = PlacementPreview {
                address: address.clone(),
                agent: None,
                rack: None,
                unplaced: None,
            };
            let cluster = address.cluster();
            let spec = address
                .broker_id()
                .and_then(|id| Some((id, target.clusters.get(cluster)?.brokers.get(&id)?)));
            let Some((id, spec)) = spec else {
                preview.unplaced = Some("not a broker of the configuration".into());
                previews.push(preview);
                continue;
            };
            let staying = self.staying_sites(target, cluster, brokers);
            let peers: Vec<Site> = staying
                .iter()
                .map(|(hostname, attributes)| Site {
                    hostname,
                    attributes,
                })
                .chain(
                    landed
                        .iter()
                        .filter(|l| l.cluster == cluster)
                        .map(|l| Site {
                            hostname: &l.hostname,
                            attributes: &l.attributes,
                        }),
                )
                .collect();
            let need = Need {
                cluster,
                id,
                spec,
                volume: None,
                sticky: false,
                taken_ports: &taken_ports,
                voter: false,
                voter_ports: None,
                home: None,
            };
            let mut unfit = Vec::new();
            let found = offers.iter().enumerate().find_map(|(i, offer)| {
                match matcher.place(offer, &need, &peers, &self.known_values, "preview") {
                    Ok(placement) => Some((i, placement)),
                    Err(why) => {
                        unfit.push(format!("{}: {why}", offer.hostname));
                        None
                    }
                }
            });
            match found {
                Some((i, placement)) => {
                    let offer = &mut offers[i];
                    use_up(offer, &placement.task_resources, &self.config.role);
                    taken_ports.insert(placement.port);
                    let attributes = attributes(&offer.attributes);
                    preview.agent = Some(offer.hostname.clone());
                    preview.rack = attributes.get("rack").cloned();
                    landed.push(Landed {
                        cluster: cluster.to_string(),
                        hostname: offer.hostname.clone(),
                        attributes,
                    });
                }
                None if offers.is_empty() => {
                    preview.unplaced = Some("no agent has free resources on offer".into());
                }
                None => preview.unplaced = Some(unfit.join("; ")),
            }
            previews.push(preview);
        }
        previews
    }

    /// Where the brokers of `cluster` that run and stay (in `target`, not
    /// among `moving`) are: the peers a previewed broker's constraints see.
    fn staying_sites(
        &self,
        target: &Config,
        cluster: &str,
        moving: &[Address],
    ) -> Vec<(String, BTreeMap<String, String>)> {
        let Some(state) = self.doc.state.clusters.get(cluster) else {
            return Vec::new();
        };
        let kept = |id: &u32| {
            target
                .clusters
                .get(cluster)
                .is_some_and(|c| c.brokers.contains_key(id))
                && !moving.contains(&Address::of_broker(cluster, *id))
        };
        state
            .brokers
            .iter()
            .filter(|(id, _)| kept(id))
            .filter_map(|(_, b)| {
                let runtime = b.runtime.as_ref()?;
                Some((runtime.hostname.clone()?, runtime.attributes.clone()))
            })
            .collect()
    }
}

/// Takes the scalars of `used` (cpus, mem, disk) off the free resources of
/// `offer`; ports are kept apart as taken.
fn use_up(offer: &mut Offer, used: &[Resource], role: &str) {
    for resource in used.iter().filter(|r| r.scalar.is_some()) {
        let mut left = scalar(resource);
        for free in offer.resources.iter_mut().filter(|r| {
            r.name == resource.name && r.scalar.is_some() && holder(r, role) == Holder::Free
        }) {
            let take = left.min(scalar(free));
            free.scalar = Some(value::Scalar {
                value: quantize(scalar(free) - take),
            });
            left -= take;
        }
    }
}
