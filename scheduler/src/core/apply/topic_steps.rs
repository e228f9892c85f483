//! A topic's step: created, updated (more partitions, its config, the
//! properties it no longer names deleted) or deleted on the live brokers
//! where [`crate::core::topics`] places it; recorded in the state when the
//! brokers took it.

use engine::plan::Action;
use engine::Address;

use super::{run, target};
use crate::core::record::{Stage, Step};
use crate::core::{topics, Core, KafkaAdmin, Out, TopicOp};

pub(super) fn work_on(core: &mut Core, i: usize, step: &Step, out: &mut Out) {
    if run::sent(core, step) {
        return;
    }
    let op = match op_of(core, step) {
        Ok(op) => op,
        Err(why) => return run::fail(core, why, out),
    };
    let Some(placement) = topics::placement(core, &step.cluster, &op) else {
        return; // no live broker yet
    };
    out.push(KafkaAdmin::TopicOp {
        cluster: step.cluster.clone(),
        op,
        placement,
    });
    run::mark_sent(core, i, step, out);
}

/// The operation that carries out the step.
fn op_of(core: &Core, step: &Step) -> Result<TopicOp, String> {
    let name = step.name.clone();
    if step.action == Action::Destroy {
        return Ok(TopicOp::Delete { name });
    }
    let Some(spec) = target::target_cluster(core, &step.cluster)
        .and_then(|c| c.topics.get(&step.name))
        .cloned()
    else {
        return Err(format!("{}: not in the configuration", step.address));
    };
    if step.action == Action::Create {
        return Ok(TopicOp::Create { name, spec });
    }
    let removed = core
        .doc
        .state
        .clusters
        .get(&step.cluster)
        .and_then(|cs| cs.topics.get(&step.name))
        .map(|before| {
            let gone = before
                .config
                .keys()
                .filter(|k| !spec.config.contains_key(*k));
            gone.cloned().collect()
        })
        .unwrap_or_default();
    Ok(TopicOp::Update {
        name,
        spec,
        removed,
    })
}

/// `Event::TopicOpResult`: the topic is recorded as the brokers now have
/// it, or the apply fails.
pub(in crate::core) fn topic_done(
    core: &mut Core,
    cluster: &str,
    topic: &str,
    error: Option<String>,
    out: &mut Out,
) {
    let address = Address::of_topic(cluster, topic);
    let Some(i) = run::find_step(core, |s| s.address == address && s.stage == Stage::Started)
    else {
        return;
    };
    if let Some(e) = error {
        return run::fail(core, format!("topic {topic} of {cluster}: {e}"), out);
    }
    let spec = target::target_cluster(core, cluster)
        .and_then(|c| c.topics.get(topic))
        .cloned();
    if let Some(cs) = core.doc.state.clusters.get_mut(cluster) {
        match spec {
            Some(spec) => {
                cs.topics.insert(topic.to_string(), spec);
            }
            None => {
                cs.topics.remove(topic);
            }
        }
        out.applied = true;
    }
    run::done(core, i, out);
}
