//! Dynamic Kafka configs an update sets on running brokers (the properties
//! the plan marked, with the target's values): sent through a live broker,
//! the broker itself for its own properties, any for cluster-wide defaults;
//! the step is done when Kafka took them.

use engine::plan::Action;
use engine::Address;

use super::run;
use crate::core::record::{Stage, Step};
use crate::core::{Core, KafkaAdmin, Out};

/// Sends (or, after a restart of the scheduler, sends again) a step's
/// dynamic properties: broker `broker`'s own, or cluster-wide for `None`.
pub(super) fn send(core: &mut Core, i: usize, step: &Step, broker: Option<u32>, out: &mut Out) {
    if run::sent(core, step) {
        return;
    }
    let endpoint = match broker {
        Some(id) => core.endpoint(&step.cluster, id),
        None => core.any_endpoint(&step.cluster),
    };
    let Some(endpoint) = endpoint else {
        return; // no live broker yet: retried on the next event
    };
    out.push(KafkaAdmin::ApplyDynamicConfig {
        cluster: step.cluster.clone(),
        broker,
        endpoint,
        properties: step.dynamic.clone(),
    });
    run::mark_sent(core, i, step, out);
}

/// `Event::DynamicConfigResult`: the update is done, or the apply fails.
pub(in crate::core) fn dynamic_config_done(
    core: &mut Core,
    cluster: &str,
    broker: Option<u32>,
    error: Option<String>,
    out: &mut Out,
) {
    let address = match broker {
        None => Address::of_cluster(cluster),
        Some(id) => Address::of_broker(cluster, id),
    };
    let Some(i) = run::find_step(core, |s| {
        s.address == address && s.action == Action::Update && s.stage == Stage::Started
    }) else {
        return;
    };
    match error {
        Some(e) => run::fail(
            core,
            format!("dynamic configuration of {cluster}: {e}"),
            out,
        ),
        None => run::done(core, i, out),
    }
}
