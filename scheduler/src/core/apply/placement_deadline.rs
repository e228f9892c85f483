//! A broker the apply creates or moves gets its spec's `placement_timeout`
//! to be placed: past it with no task, the apply fails, naming per agent why
//! no offer fitted, rather than waiting forever. The broker stays in the
//! state, pending; the scheduler keeps offering it a place, and the next
//! plan shows it waiting.

use engine::config::duration;

use super::run;
use crate::core::record::Step;
use crate::core::{millis, BrokerKey, Core, Out};

/// Records when step `i` began waiting for an offer.
pub(super) fn start(core: &mut Core, i: usize, now: u64, out: &mut Out) {
    if let Some(step) = run::step_mut(core, i) {
        step.waiting_since = Some(now);
        out.dirty = true;
    }
}

/// Fails the apply if broker `key` of step `step` has waited for an offer
/// past its placement timeout; true if it did.
pub(super) fn overdue(
    core: &mut Core,
    step: &Step,
    key: &BrokerKey,
    now: u64,
    out: &mut Out,
) -> bool {
    let Some(since) = step.waiting_since else {
        return false;
    };
    let placed = core
        .record(&key.0, key.1)
        .is_some_and(|r| r.task.is_some() || r.volume.is_some());
    let Some(timeout) = core.broker(&key.0, key.1).map(|b| b.spec.placement_timeout) else {
        return false;
    };
    if placed || now < since + millis(timeout) {
        return false;
    }
    let reasons = match core.unfit.get(key) {
        Some(unfit) if !unfit.is_empty() => unfit
            .iter()
            .map(|(host, why)| format!("{host}: {why}"))
            .collect::<Vec<_>>()
            .join("; "),
        _ => "no agent offered resources".to_string(),
    };
    let why = format!(
        "{}: no offer fitted within its placement_timeout ({}): {reasons}",
        step.address,
        duration::format(&timeout)
    );
    run::fail(core, why, out);
    true
}
