//! The change for one broker: which attributes differ, whether they can be
//! applied to the running broker (dynamic Kafka configs, scheduling policy) or
//! need a restart (resources, port, broker software, static Kafka properties),
//! and whether its placement forces a move.

use crate::address::Address;
use crate::config::{duration, BrokerSpec, ClusterSpec, KafkaKind, KafkaProperties};
use crate::state::{BrokerState, ClusterState};

use super::attrs::AttrDiff;
use super::dynamic_configs::update_mode;
use super::placement::{self, Placements};
use super::{Action, Change};

/// A broker before (state) and after (configuration), with their clusters.
pub(super) struct BrokerSides<'a> {
    pub before: Option<(&'a BrokerState, &'a ClusterState)>,
    pub after: Option<(&'a BrokerSpec, &'a ClusterSpec)>,
}

fn static_property(name: &str) -> bool {
    !update_mode(name).is_dynamic()
}

/// The broker's own attributes.
fn spec_attrs(d: &mut AttrDiff, b: Option<&BrokerSpec>, a: Option<&BrokerSpec>) {
    d.field("cpus", b, a, |s| s.cpus, true);
    d.field("mem", b, a, |s| s.mem, true);
    d.field("heap", b, a, |s| s.heap, true);
    d.field("disk", b, a, |s| s.disk, true);
    d.field("port", b, a, |s| s.port.to_string(), true);
    let constraints = |s: &BrokerSpec| {
        s.constraints
            .iter()
            .map(|c| (c.attribute.clone(), c.rule.to_string()))
            .collect()
    };
    d.map(
        "constraints",
        b.map(constraints).as_ref(),
        a.map(constraints).as_ref(),
        |_| false,
    );
    d.map(
        "config",
        b.map(|s| &s.config),
        a.map(|s| &s.config),
        static_property,
    );
    d.failover(b.map(|s| &s.failover), a.map(|s| &s.failover));
    d.field(
        "stickiness",
        b,
        a,
        |s| duration::format(&s.stickiness),
        false,
    );
    d.field(
        "placement_timeout",
        b,
        a,
        |s| duration::format(&s.placement_timeout),
        false,
    );
}

/// What the broker inherits from its cluster and that needs a restart to take
/// effect: the broker software, static cluster-wide properties it does not
/// override, and for tansu the endpoint its front hands cluster requests to.
/// (Dynamic cluster-wide properties are applied once, on the cluster.)
fn inherited_attrs(
    d: &mut AttrDiff,
    bs: &BrokerSpec,
    bc: &ClusterState,
    spec: &BrokerSpec,
    ac: &ClusterSpec,
) {
    d.value(
        "kafka.kind",
        Some(&bc.kafka.kind),
        Some(&ac.kafka.kind),
        true,
    );
    d.value(
        "kafka.dist",
        bc.kafka.dist.as_ref(),
        ac.kafka.dist.as_ref(),
        true,
    );
    if ac.kafka.kind == KafkaKind::Tansu {
        d.value(
            "kafka.endpoint",
            bc.kafka.endpoint.as_ref(),
            ac.kafka.endpoint.as_ref(),
            true,
        );
    }
    for key in bc.config.keys().chain(ac.config.keys()) {
        let overridden = bs.config.contains_key(key) || spec.config.contains_key(key);
        let (b, a) = (bc.config.get(key), ac.config.get(key));
        if !overridden
            && b != a
            && static_property(key)
            && !d.0.iter().any(|c| c.key.as_deref() == Some(key))
        {
            d.entry("cluster.config", key, b, a, true);
        }
    }
}

pub(super) fn change(
    cluster: &str,
    id: u32,
    sides: &BrokerSides,
    placements: &Placements,
) -> Change {
    let mut d = AttrDiff::default();
    spec_attrs(
        &mut d,
        sides.before.map(|(b, _)| &b.spec),
        sides.after.map(|(a, _)| a),
    );
    let (action, reason) = match (sides.before, sides.after) {
        (None, _) => (Action::Create, None),
        (_, None) => (Action::Destroy, None),
        (Some((bs, bc)), Some((spec, ac))) => {
            inherited_attrs(&mut d, &bs.spec, bc, spec, ac);
            let misplaced = bs
                .runtime
                .as_ref()
                .and_then(|here| placement::violation(id, spec, here, placements));
            let forcing = d.forcing();
            if let Some(why) = misplaced {
                (Action::Move, Some(why))
            } else if !forcing.is_empty() {
                (
                    Action::Restart,
                    Some(format!(
                        "{} cannot change while the broker runs",
                        forcing.join(", ")
                    )),
                )
            } else if !d.0.is_empty() {
                // The broker's own dynamic properties whose value in force
                // changes (an override dropped for a cluster value it equals
                // changes nothing).
                let in_force = |spec: &BrokerSpec, cluster: &KafkaProperties, key: &str| {
                    spec.config.get(key).or_else(|| cluster.get(key)).cloned()
                };
                d.mark_dynamic("config", |key| {
                    update_mode(key).is_dynamic()
                        && in_force(&bs.spec, &bc.config, key) != in_force(spec, &ac.config, key)
                });
                (Action::Update, None)
            } else {
                (Action::NoOp, None)
            }
        }
    };
    Change::new(Address::of_broker(cluster, id), action, d.0).with_reason(reason)
}
