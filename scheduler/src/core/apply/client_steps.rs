//! A client's step: clients are recorded in the state; running them is not
//! part of the scheduler yet.

use engine::plan::Action;

use super::{run, target};
use crate::core::record::Step;
use crate::core::{Core, Out};

pub(super) fn work_on(core: &mut Core, i: usize, step: &Step, out: &mut Out) {
    let spec = target::target_cluster(core, &step.cluster)
        .and_then(|c| c.clients.get(&step.name))
        .cloned();
    if let Some(cs) = core.doc.state.clusters.get_mut(&step.cluster) {
        match spec {
            Some(spec) if step.action != Action::Destroy => {
                cs.clients.insert(step.name.clone(), spec);
            }
            _ => {
                cs.clients.remove(&step.name);
            }
        }
        out.applied = true;
    }
    run::done(core, i, out);
}
