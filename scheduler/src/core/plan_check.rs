//! A submitted change set is checked against the core's own state before
//! anything runs: the core plans the submitted configuration itself and takes
//! the plan only if it asks for the same action on every resource. A client
//! cannot make the scheduler create a broker that exists (two live tasks for
//! one broker id) nor drop resources from the state while their tasks run.

use std::collections::BTreeMap;

use engine::config::Config;
use engine::plan::{Action, Change, Plan, PLAN_FORMAT_VERSION};
use engine::state::State;
use engine::Address;

use super::ApplyRefusal;

/// The changes to carry out for `plan`: those the core computes from
/// `config` and `state`, when the plan is of a format this scheduler reads,
/// was made against `state` (lineage and serial) and asks for the same
/// action on every resource.
pub(super) fn checked_changes(
    plan: &Plan,
    config: &Config,
    state: &State,
) -> Result<Vec<Change>, ApplyRefusal> {
    if plan.format_version != PLAN_FORMAT_VERSION {
        return Err(ApplyRefusal::Invalid(format!(
            "plan format_version {} is not supported (this scheduler reads version {PLAN_FORMAT_VERSION})",
            plan.format_version
        )));
    }
    plan.check_current(state).map_err(ApplyRefusal::Stale)?;
    let submitted = actions(&plan.changes)?;
    // Clients plan against the state `GET /v1/state` serves, whose secrets
    // are redacted; planned against the same, a secret is "changed" alike.
    let recomputed = plan_against(config, &state.redacted())?;
    let expected = actions(&recomputed.changes)?;
    let mut addresses: Vec<&Address> = submitted.keys().chain(expected.keys()).copied().collect();
    addresses.sort_unstable();
    addresses.dedup();
    for address in addresses {
        let said = submitted.get(address).unwrap_or(&Action::NoOp);
        let needed = expected.get(address).unwrap_or(&Action::NoOp);
        if said != needed {
            return Err(ApplyRefusal::Invalid(format!(
                "{address}: the change set says {said}, but against the scheduler's state it is {needed}; run `kmesos plan` again"
            )));
        }
    }
    Ok(recomputed.changes)
}

/// The core's own plan from `state` to `config`; a configuration the state
/// cannot take (fewer partitions, …) refuses the apply.
pub(super) fn plan_against(config: &Config, state: &State) -> Result<Plan, ApplyRefusal> {
    engine::diff(config, state).map_err(|errors| {
        ApplyRefusal::Invalid(format!(
            "the configuration cannot be applied to the scheduler's state:\n{errors}"
        ))
    })
}

/// Each resource's action, no-ops left out; an address named twice is refused.
fn actions(changes: &[Change]) -> Result<BTreeMap<&Address, Action>, ApplyRefusal> {
    let mut actions = BTreeMap::new();
    for change in changes {
        if actions.insert(&change.address, change.action).is_some() {
            return Err(ApplyRefusal::Invalid(format!(
                "{}: the change set names it more than once",
                change.address
            )));
        }
    }
    actions.retain(|_, action| *action != Action::NoOp);
    Ok(actions)
}
