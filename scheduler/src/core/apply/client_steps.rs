//! A client's step, once its cluster's brokers and topics are in place:
//! created or updated (its spec recorded, so its instances launch; instances
//! beyond `instances` stopped; done when every instance runs), restarted
//! (every instance stopped gracefully, then relaunched with the new spec) or
//! destroyed (every instance stopped, then the client removed).

use engine::plan::Action;

use super::{run, target};
use crate::core::clients;
use crate::core::record::{Stage, Step};
use crate::core::{Core, Out};

pub(super) fn work_on(core: &mut Core, i: usize, step: &Step, out: &mut Out) {
    let (cluster, name) = (step.cluster.as_str(), step.name.as_str());
    match (step.action, &step.stage) {
        (Action::Create | Action::Update, Stage::Pending) => {
            let Some(instances) = record_spec(core, step, out) else {
                return;
            };
            clients::stop(core, cluster, name, instances, out);
            run::set_stage(core, i, Stage::Started, out);
        }
        (Action::Create | Action::Update, Stage::Started) => {
            let instances = wanted_instances(core, step);
            if clients::forget_stopped(core, cluster, name, instances, out) {
                finish_when_running(core, i, step, out);
            }
        }
        (Action::Restart | Action::Move, Stage::Pending) => {
            let Some(_) = record_spec(core, step, out) else {
                return;
            };
            clients::stop(core, cluster, name, 0, out);
            run::set_stage(core, i, Stage::Started, out);
        }
        (Action::Restart | Action::Move, Stage::Started) => {
            let stopped = clients::forget_stopped(core, cluster, name, 0, out);
            if stopped {
                run::set_stage(core, i, Stage::Relaunching, out);
            }
        }
        (Action::Restart | Action::Move, Stage::Relaunching) => {
            finish_when_running(core, i, step, out);
        }
        (Action::Destroy, Stage::Pending) => {
            clients::stop(core, cluster, name, 0, out);
            run::set_stage(core, i, Stage::Started, out);
        }
        (Action::Destroy, Stage::Started) => {
            if !clients::forget_stopped(core, cluster, name, 0, out) {
                return;
            }
            if let Some(cs) = core.doc.state.clusters.get_mut(cluster) {
                out.applied |= cs.clients.remove(name).is_some();
            }
            run::done(core, i, out);
        }
        _ => {}
    }
}

/// Records the client's spec from the apply's target; its instance count.
fn record_spec(core: &mut Core, step: &Step, out: &mut Out) -> Option<u32> {
    let spec = target::target_cluster(core, &step.cluster)
        .and_then(|c| c.clients.get(&step.name))
        .cloned();
    let (Some(spec), Some(cs)) = (spec, core.doc.state.clusters.get_mut(&step.cluster)) else {
        let why = format!("{}: not in the configuration", step.address);
        run::fail(core, why, out);
        return None;
    };
    let instances = spec.instances;
    cs.clients.insert(step.name.clone(), spec);
    out.applied = true;
    Some(instances)
}

/// The recorded spec's instance count.
fn wanted_instances(core: &Core, step: &Step) -> u32 {
    core.doc
        .state
        .clusters
        .get(&step.cluster)
        .and_then(|cs| cs.clients.get(&step.name))
        .map_or(0, |spec| spec.instances)
}

/// Step `i` is done once every instance runs; it fails when one gave up.
fn finish_when_running(core: &mut Core, i: usize, step: &Step, out: &mut Out) {
    match clients::all_running(core, &step.cluster, &step.name) {
        Ok(true) => run::done(core, i, out),
        Ok(false) => {}
        Err(why) => run::fail(core, format!("{}: {why}", step.address), out),
    }
}
