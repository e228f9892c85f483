//! The order of an apply: each step belongs to a [`Phase`]; phases run one
//! after the other, the steps of one phase together, except restarts and
//! moves, one broker at a time. [`advance`] moves the run on as far as it
//! can go now, handing each open step of the current phase to the executor
//! of its kind of resource.

use engine::plan::{Action, ResourceKind};

use super::{balancing, broker_steps, client_steps, cluster_steps, run, topic_steps};
use crate::core::record::{Stage, Step};
use crate::core::{Core, Out};

/// When a step runs, in the order the phases run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    /// New clusters, then brokers (launched in parallel).
    Create,
    /// Changes in place: dynamic configs, topics, recorded settings.
    InPlace,
    /// Restarts and moves, one broker at a time.
    Roll,
    /// Apache Kafka clusters whose brokers were added or restarted: their
    /// replicas spread, their preferred leaders elected.
    Balance,
    /// Clients created, scaled or restarted, once their cluster's brokers
    /// run and their topics exist.
    Clients,
    /// Clients stopped before the topics and brokers they use go.
    DestroyClients,
    DestroyTopics,
    DestroyBrokers,
    DestroyClusters,
}

impl Phase {
    fn of(step: &Step) -> Phase {
        use ResourceKind::{Broker, Client, Cluster, Topic};
        if step.balancing.is_some() {
            return Phase::Balance;
        }
        match (step.action, step.kind) {
            (Action::Create, Cluster | Broker) => Phase::Create,
            (Action::Destroy, Client) => Phase::DestroyClients,
            (_, Client) => Phase::Clients,
            (Action::Create, Topic) | (Action::Update | Action::NoOp, _) => Phase::InPlace,
            (Action::Restart | Action::Move, Broker) => Phase::Roll,
            // Never planned: a cluster's brokers restart, a topic changes in place.
            (Action::Restart | Action::Move, Cluster | Topic) => Phase::InPlace,
            (Action::Destroy, Topic) => Phase::DestroyTopics,
            (Action::Destroy, Broker) => Phase::DestroyBrokers,
            (Action::Destroy, Cluster) => Phase::DestroyClusters,
        }
    }
}

/// Moves the apply on as far as it can go now.
pub(in crate::core) fn advance(core: &mut Core, now: u64, out: &mut Out) {
    loop {
        let Some(run) = &core.doc.scheduler.apply else {
            return;
        };
        let open: Vec<(usize, Phase)> = run
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.stage != Stage::Done)
            .map(|(i, s)| (i, Phase::of(s)))
            .collect();
        let Some(current) = open.iter().map(|(_, p)| *p).min() else {
            run::finish(core, out);
            return;
        };
        let mut active: Vec<usize> = open
            .iter()
            .filter(|(_, p)| *p == current)
            .map(|(i, _)| *i)
            .collect();
        if current == Phase::Roll {
            active.truncate(1);
        }
        let mut moved = false;
        for i in active {
            moved |= work_on(core, i, now, out);
            if core.doc.scheduler.apply.is_none() {
                return;
            }
        }
        if !moved {
            return;
        }
    }
}

/// Works on step `i`; true if it moved on.
fn work_on(core: &mut Core, i: usize, now: u64, out: &mut Out) -> bool {
    let Some(step) = run::step(core, i).cloned() else {
        return false;
    };
    match step.kind {
        _ if step.balancing.is_some() => balancing::work_on(core, i, &step, now, out),
        ResourceKind::Cluster => cluster_steps::work_on(core, i, &step, out),
        ResourceKind::Broker => broker_steps::work_on(core, i, &step, now, out),
        ResourceKind::Topic => topic_steps::work_on(core, i, &step, out),
        ResourceKind::Client => client_steps::work_on(core, i, &step, out),
    }
    run::step(core, i).is_none_or(|s| s.stage != step.stage)
}
