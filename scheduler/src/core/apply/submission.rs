//! Taking the apply lock: a submitted change set, checked against the
//! core's own plan, or `kmesos broker restart` and `kmesos rebalance` as
//! one-step applies. One
//! apply runs at a time; a second is refused naming the one that holds the
//! lock. [`super::run`] gives the lock back when the run ends.

use engine::config::{Config, KafkaKind};
use engine::plan::{Action, Plan};
use engine::Address;

use super::target;
use crate::core::record::{ApplyRun, Balancing, Step};
use crate::core::{plan_check, rfc3339, ApplyRefusal, Core, Counts, Out, Progress, Reply};

pub(in crate::core) fn submit(
    core: &mut Core,
    plan: Plan,
    config: Config,
    holder: String,
    allow_unavailable: bool,
    now: u64,
    out: &mut Out,
) {
    if refuse_if_busy(core, out) {
        return;
    }
    let checked =
        plan_check::checked_changes(&plan, &config, &core.doc.state, core.config.kafka.is_some())
            .and_then(|changes| {
                // What running brokers take is read from the plan against the state
                // with its secrets: against the redacted one, every secret differs.
                let exact = plan_check::plan_against(&config, &core.doc.state)?;
                Ok((changes, exact))
            });
    let (changes, exact) = match checked {
        Ok(checked) => checked,
        Err(refusal) => {
            out.push(Reply::ApplyRefused(refusal));
            return;
        }
    };
    let steps = target::with_balancing(target::steps(&changes, &exact, &config), &config);
    // Resources the plan leaves as they are already match the configuration
    // (it was updated to accept their outside changes): no drift is left.
    for change in changes.iter().filter(|c| c.action == Action::NoOp) {
        out.applied |= core.doc.state.clear_drift(&change.address);
    }
    // Changed cluster settings are recorded at once so that every broker
    // launched from now on runs with them; the dynamic ones reach running
    // brokers in the update phase, the static ones with their restarts.
    for (name, spec) in &config.clusters {
        if let Some(cluster) = core.doc.state.clusters.get_mut(name) {
            if cluster.kafka != spec.kafka || cluster.config != spec.config {
                cluster.kafka = spec.kafka.clone();
                cluster.config = spec.config.clone();
                out.applied = true;
            }
        }
    }
    start(core, config, steps, holder, allow_unavailable, now, out);
}

/// `kmesos broker restart`: a one-step apply.
pub(in crate::core) fn restart_broker(
    core: &mut Core,
    cluster: &str,
    id: u32,
    holder: String,
    now: u64,
    out: &mut Out,
) {
    if refuse_if_busy(core, out) {
        return;
    }
    if core.broker(cluster, id).is_none() {
        let why = format!("cluster {cluster:?} has no broker {id}");
        out.push(Reply::ApplyRefused(ApplyRefusal::Invalid(why)));
        return;
    }
    let step = Step::new(
        Address::of_broker(cluster, id),
        Action::Restart,
        Default::default(),
    );
    let target = target::config_of(&core.doc.state);
    let steps = target::with_balancing(vec![step], &target);
    start(core, target, steps, holder, false, now, out);
}

/// `kmesos rebalance CLUSTER`: the cluster's balancing step, as an apply
/// of its own.
pub(in crate::core) fn rebalance(
    core: &mut Core,
    cluster: &str,
    holder: String,
    now: u64,
    out: &mut Out,
) {
    if refuse_if_busy(core, out) {
        return;
    }
    let why = match core.doc.state.clusters.get(cluster) {
        None => Some(format!("there is no cluster {cluster:?}")),
        Some(c) if c.kafka.kind != KafkaKind::Apache => Some(format!(
            "cluster {cluster:?} runs {}, which keeps one copy of each partition: there are no replicas to spread",
            c.kafka.kind
        )),
        Some(_) => None,
    };
    if let Some(why) = why {
        out.push(Reply::ApplyRefused(ApplyRefusal::Invalid(why)));
        return;
    }
    let step = Step::balancing(cluster, Balancing::Replicas);
    let target = target::config_of(&core.doc.state);
    start(core, target, vec![step], holder, false, now, out);
}

fn refuse_if_busy(core: &Core, out: &mut Out) -> bool {
    let Some(run) = &core.doc.scheduler.apply else {
        return false;
    };
    out.push(Reply::ApplyRefused(ApplyRefusal::Busy {
        apply_id: run.id.clone(),
        holder: run.holder.clone(),
        since: run.since.clone(),
    }));
    true
}

fn start(
    core: &mut Core,
    target: Config,
    steps: Vec<Step>,
    holder: String,
    allow_unavailable: bool,
    now: u64,
    out: &mut Out,
) {
    // Every write bumps the generation, so no two applies share an id.
    let id = format!("apply-{}", core.doc.state.generation + 1);
    out.push(Reply::ApplyAccepted {
        apply_id: id.clone(),
    });
    out.push(Progress::Started {
        apply_id: id.clone(),
        holder: holder.clone(),
        steps: steps.iter().filter(|s| s.balancing.is_none()).count(),
    });
    core.doc.scheduler.apply = Some(ApplyRun {
        id,
        holder,
        since: rfc3339(now),
        target,
        steps,
        counts: Counts::default(),
        allow_unavailable,
    });
    out.dirty = true;
}
