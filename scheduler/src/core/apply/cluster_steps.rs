//! A cluster's step: created in the state at once (its brokers are steps of
//! their own); updated through a live broker with the dynamic cluster-wide
//! defaults the plan marked (the static ones reach each broker with its
//! restart); destroyed once no broker of it is left.

use std::collections::BTreeMap;

use engine::plan::Action;
use engine::state::ClusterState;

use super::{dynamic_configs, run, target};
use crate::core::record::{Stage, Step};
use crate::core::{Core, Out};

pub(super) fn work_on(core: &mut Core, i: usize, step: &Step, out: &mut Out) {
    match step.action {
        Action::Create => create(core, i, step, out),
        Action::Update => update(core, i, step, out),
        Action::Destroy => destroy(core, i, step, out),
        // Never planned for a cluster: its brokers restart and move.
        Action::Restart | Action::Move | Action::NoOp => {}
    }
}

fn create(core: &mut Core, i: usize, step: &Step, out: &mut Out) {
    if step.stage != Stage::Pending {
        return;
    }
    let name = step.cluster.as_str();
    let Some(spec) = target::target_cluster(core, name).cloned() else {
        let why = format!("{}: not in the configuration", step.address);
        return run::fail(core, why, out);
    };
    core.doc.state.clusters.insert(
        name.to_string(),
        ClusterState {
            kafka: spec.kafka,
            config: spec.config,
            brokers: BTreeMap::new(),
            topics: BTreeMap::new(),
            clients: BTreeMap::new(),
            drift: BTreeMap::new(),
        },
    );
    out.applied = true;
    run::done(core, i, out);
}

fn update(core: &mut Core, i: usize, step: &Step, out: &mut Out) {
    let name = step.cluster.as_str();
    let launched = core.doc.state.clusters.get(name).is_some_and(|c| {
        c.brokers
            .keys()
            .any(|id| core.record(name, *id).is_some_and(|r| r.task.is_some()))
    });
    // Brokers launched later get the properties at launch.
    if step.dynamic.is_empty() || !launched {
        return run::done(core, i, out);
    }
    dynamic_configs::send(core, i, step, None, out);
}

fn destroy(core: &mut Core, i: usize, step: &Step, out: &mut Out) {
    let name = step.cluster.as_str();
    let has_brokers = |c: &ClusterState| !c.brokers.is_empty();
    if step.stage != Stage::Pending || core.doc.state.clusters.get(name).is_some_and(has_brokers) {
        return;
    }
    out.applied |= core.doc.state.clusters.remove(name).is_some();
    core.doc.scheduler.cluster_ids.remove(name);
    core.doc.scheduler.quorums.remove(name);
    run::done(core, i, out);
}
