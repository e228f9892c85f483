//! Changes for a cluster's own settings, and orchestration of the changes for
//! its brokers, topics and clients, in address order.

use crate::address::Address;
use crate::config::{ClientSpec, ClusterSpec, Config, KafkaKind, KafkaSpec, TopicSpec};
use crate::diagnostics::Diagnostics;
use crate::state::{BrokerRuntime, ClusterState};

use super::attrs::AttrDiff;
use super::broker::{self, BrokerSides};
use super::dynamic_configs::update_mode;
use super::pairs::pairs;
use super::placement::Placements;
use super::{Action, Change};

fn action(before: bool, after: bool, d: &AttrDiff) -> Action {
    match (before, after) {
        (false, _) => Action::Create,
        (_, false) => Action::Destroy,
        _ if d.0.is_empty() => Action::NoOp,
        _ => Action::Update,
    }
}

pub(super) fn cluster(
    name: &str,
    before: Option<&ClusterState>,
    after: Option<&ClusterSpec>,
    config: &Config,
    changes: &mut Vec<Change>,
    errors: &mut Diagnostics,
) {
    let mut d = AttrDiff::default();
    // The cluster's settings change in place; the broker restarts a static
    // change needs show (and count) on each broker.
    let (bk, ak) = (before.map(|b| &b.kafka), after.map(|a| &a.kafka));
    d.field("kafka.kind", bk, ak, |k| k.kind, false);
    d.field("kafka.dist", bk, ak, |k| k.dist.clone(), false);
    d.field("kafka.endpoint", bk, ak, |k| k.endpoint.clone(), false);
    d.field(
        "kafka.reassignment_throttle",
        bk,
        ak,
        |k| k.reassignment_throttle,
        false,
    );
    // Only Apache Kafka clusters can rebalance; tansu plans never show it.
    let rebalance = |k: &KafkaSpec| (k.kind == KafkaKind::Apache).then_some(k.rebalance);
    d.field("kafka.rebalance", bk, ak, rebalance, false);
    d.map(
        "config",
        before.map(|b| &b.config),
        after.map(|a| &a.config),
        |_| false,
    );
    let act = action(before.is_some(), after.is_some(), &d);
    // Running brokers take the dynamic ones as cluster-wide defaults; brokers
    // launched later get them all at launch.
    if act == Action::Update {
        d.mark_dynamic("config", |key| update_mode(key).is_dynamic());
    }
    changes.push(Change::new(Address::of_cluster(name), act, d.0));

    // Brokers that run and stay, in id order: what placement checks compare with.
    let peers: Vec<(u32, &BrokerRuntime)> = before
        .into_iter()
        .flat_map(|b| b.brokers.iter())
        .filter(|(id, _)| after.is_some_and(|a| a.brokers.contains_key(id)))
        .filter_map(|(id, b)| b.runtime.as_ref().map(|r| (*id, r)))
        .collect();
    let mut attributes: Vec<&str> = after
        .into_iter()
        .flat_map(|a| a.brokers.values())
        .flat_map(|b| b.constraints.iter().map(|c| c.attribute.as_str()))
        .collect();
    attributes.sort_unstable();
    attributes.dedup();
    let placements = Placements::new(&peers, &attributes);
    let (bb, ab) = (before.map(|b| &b.brokers), after.map(|a| &a.brokers));
    for (id, b, a) in pairs(bb, ab) {
        let sides = BrokerSides {
            before: b.zip(before),
            after: a.zip(after),
        };
        changes.push(broker::change(name, *id, &sides, &placements));
    }
    let (bt, at) = (before.map(|b| &b.topics), after.map(|a| &a.topics));
    for (topic, b, a) in pairs(bt, at) {
        let drifted =
            before.is_some_and(|cs| cs.drift.contains_key(&Address::of_topic(name, topic)));
        let sides = TopicSides {
            before: b,
            after: a,
            drifted,
        };
        changes.push(topic_change(name, topic, &sides, config, errors));
    }
    let (bc, ac) = (before.map(|b| &b.clients), after.map(|a| &a.clients));
    for (client, b, a) in pairs(bc, ac) {
        changes.push(client_change(name, client, b, a));
    }
}

/// A topic in the state and in the configuration, and whether it was
/// changed outside kmesos since it was applied.
struct TopicSides<'a> {
    before: Option<&'a TopicSpec>,
    after: Option<&'a TopicSpec>,
    drifted: bool,
}

/// A topic: more partitions and config changes apply in place; fewer
/// partitions or another replication factor are refused, saying why (and,
/// when the state's value was set outside kmesos, that the HCL should follow).
fn topic_change(
    cluster: &str,
    topic: &str,
    sides: &TopicSides,
    config: &Config,
    errors: &mut Diagnostics,
) -> Change {
    let address = Address::of_topic(cluster, topic);
    let (before, after) = (sides.before, sides.after);
    let outside = |attr: &str, value: String| {
        if sides.drifted {
            format!(
                "; it was changed outside kmesos to {value}: set {attr} = {value} in the configuration to accept that"
            )
        } else {
            String::new()
        }
    };
    let mut d = AttrDiff::default();
    d.field("partitions", before, after, |t| t.partitions, false);
    d.field(
        "replication_factor",
        before,
        after,
        |t| t.replication_factor,
        false,
    );
    d.map(
        "config",
        before.map(|t| &t.config),
        after.map(|t| &t.config),
        |_| false,
    );
    if let (Some(b), Some(a)) = (before, after) {
        let mut refuse = |attr: &str, message: String| {
            let path = format!("{address}.{attr}");
            errors.push(config.positions.diagnostic(path, message));
        };
        if a.partitions < b.partitions {
            refuse(
                "partitions",
                format!(
                    "cannot go from {} to {} partitions: Kafka cannot remove partitions from a topic (create a new topic instead){}",
                    b.partitions,
                    a.partitions,
                    outside("partitions", b.partitions.to_string())
                ),
            );
        }
        if a.replication_factor != b.replication_factor {
            refuse(
                "replication_factor",
                format!(
                    "cannot change replication_factor from {} to {}: that needs a partition reassignment, which kmesos does not do{}",
                    b.replication_factor,
                    a.replication_factor,
                    outside("replication_factor", b.replication_factor.to_string())
                ),
            );
        }
    }
    let act = action(before.is_some(), after.is_some(), &d);
    Change::new(address, act, d.0)
}

/// A client workload: scaling changes in place, anything else relaunches it.
fn client_change(
    cluster: &str,
    client: &str,
    before: Option<&ClientSpec>,
    after: Option<&ClientSpec>,
) -> Change {
    let mut d = AttrDiff::default();
    let (b, a) = (before, after);
    d.field("kind", b, a, |s| s.kind, true);
    d.field("instances", b, a, |s| s.instances, false);
    d.field("cpus", b, a, |s| s.cpus, true);
    d.field("mem", b, a, |s| s.mem, true);
    d.field("topic", b, a, |s| s.topic.clone(), true);
    d.field("command", b, a, |s| s.command.clone(), true);
    d.field(
        "uris",
        b,
        a,
        |s| (!s.uris.is_empty()).then(|| s.uris.clone()),
        true,
    );
    d.field("rate", b, a, |s| s.rate, true);
    d.field("message_size", b, a, |s| s.message_size, true);
    d.map(
        "properties",
        b.map(|s| &s.properties),
        a.map(|s| &s.properties),
        |_| true,
    );
    d.failover(b.map(|s| &s.failover), a.map(|s| &s.failover));
    let mut act = action(before.is_some(), after.is_some(), &d);
    let forcing = d.forcing();
    let reason = if act == Action::Update && !forcing.is_empty() {
        act = Action::Restart;
        Some(format!(
            "{} cannot change while the client runs",
            forcing.join(", ")
        ))
    } else {
        None
    };
    Change::new(Address::of_client(cluster, client), act, d.0).with_reason(reason)
}
