//! A cluster's balancing step, the apply's own after the plan's brokers
//! were added or restarted (Apache Kafka). `Replicas` (brokers added to a
//! cluster with `rebalance = true`): spread the replicas and preferred
//! leaders over every broker ([`reassign`]), then go on as `Leaders`:
//! ask the controller to move each partition's leadership to its preferred
//! replica (ElectLeaders), as Kafka's own leader rebalance would some
//! minutes later. An election that fails is reported and does not fail the
//! apply: Kafka's leader rebalance still comes.

use engine::Address;

use super::restarts::count;
use super::{reassign, run};
use crate::core::record::{Balancing, Stage, Step};
use crate::core::{Core, KafkaAdmin, Out};

pub(super) fn work_on(core: &mut Core, i: usize, step: &Step, now: u64, out: &mut Out) {
    match (step.balancing, &step.stage) {
        (Some(Balancing::Replicas), Stage::Pending) => {
            reassign::start(core, i, &step.address, now, out)
        }
        (Some(Balancing::Replicas), Stage::Reassigning) => {
            reassign::work_on(core, &step.address, now, out)
        }
        // Asked again by a core rebuilt while the election was sent.
        (Some(Balancing::Leaders), Stage::Pending | Stage::Started)
            if !core.reassigning.contains(&step.address) =>
        {
            elect(core, i, &step.cluster, out)
        }
        _ => {}
    }
}

/// Step `i` asks for the cluster's preferred leaders.
pub(super) fn elect(core: &mut Core, i: usize, cluster: &str, out: &mut Out) {
    let endpoints = reassign::endpoints(core, cluster);
    if let Some(step) = run::step_mut(core, i) {
        step.balancing = Some(Balancing::Leaders);
    }
    run::set_stage(core, i, Stage::Started, out);
    if endpoints.is_empty() {
        return run::done(core, i, out);
    }
    core.reassigning.insert(Address::of_cluster(cluster));
    core.progress_cluster(
        cluster,
        "moving leadership to the preferred replicas".into(),
        out,
    );
    out.push(KafkaAdmin::ElectPreferredLeaders {
        cluster: cluster.to_string(),
        endpoints,
    });
}

/// `Event::LeadersElected`: the step is done either way.
pub(in crate::core) fn leaders_elected(
    core: &mut Core,
    cluster: &str,
    elected: Result<usize, String>,
    out: &mut Out,
) {
    let address = Address::of_cluster(cluster);
    core.reassigning.remove(&address);
    let Some(i) = run::find_step(core, |s| {
        s.address == address && s.balancing == Some(Balancing::Leaders) && s.stage == Stage::Started
    }) else {
        return;
    };
    let detail = match elected {
        Ok(n) => format!(
            "leadership of {} moved to the preferred replica",
            count(n as u64, "partition")
        ),
        Err(e) => {
            format!("leadership not moved ({e}); Kafka's own leader rebalance moves it later")
        }
    };
    core.progress_cluster(cluster, detail, out);
    run::done(core, i, out);
}
