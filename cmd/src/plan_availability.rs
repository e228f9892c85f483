//! The availability analysis `plan` and `apply` attach to a plan that stops
//! brokers: the live partitions read through the scheduler
//! (`GET /v1/partitions`), or why they could not be; and the refusal of an
//! apply whose broker stops put partitions at risk unless the operator said
//! `--allow-unavailable`.

use anyhow::{bail, Result};
use engine::plan::Availability;
use engine::{Plan, State};

use crate::scheduler_client::SchedulerClient;

/// Whether to apply a plan whose broker stops would take partitions below
/// `min.insync.replicas` or offline.
#[derive(clap::Args, Clone, Copy, Default)]
pub struct AllowUnavailable {
    /// Apply even though stopping a broker would take partitions below
    /// min.insync.replicas or offline (the plan's "Availability" section);
    /// the apply then stops brokers without waiting for their partitions.
    #[arg(long)]
    pub allow_unavailable: bool,
}

/// Why a plan against a state file is not analyzed.
pub const NO_SCHEDULER: &str =
    "planned against a state file: no live scheduler to read the partitions from";

/// `plan` (computed against `state`) with its availability analysis from
/// the partitions `client`'s scheduler reads from the brokers.
pub async fn analyzed(client: &SchedulerClient, state: &State, mut plan: Plan) -> Plan {
    if Availability::not_possible(&plan, "").is_none() {
        return plan;
    }
    plan.availability = match client.partitions().await {
        Ok(report) => Availability::analyze(&plan, state, &report.clusters),
        Err(e) => Availability::not_possible(
            &plan,
            &format!("the scheduler did not report the partitions: {e}"),
        ),
    };
    plan
}

/// Refuses a plan that destroys brokers whose replicas cannot move (too
/// few brokers would remain for a topic's replication factor).
pub fn refuse_stranded(plan: &Plan) -> Result<()> {
    let refused = plan.availability.iter().flat_map(|a| &a.refused);
    let reasons: Vec<String> = refused
        .map(|r| format!("{} cannot be destroyed: {}", r.address, r.reason))
        .collect();
    if !reasons.is_empty() {
        bail!("{}", reasons.join("\n"));
    }
    Ok(())
}

/// Refuses a plan whose broker stops put partitions at risk, unless
/// allowed, and one whose destroyed brokers' replicas cannot move.
pub fn check(plan: &Plan, allow: AllowUnavailable) -> Result<()> {
    refuse_stranded(plan)?;
    let risky = plan
        .availability
        .as_ref()
        .is_some_and(|a| !a.risks.is_empty());
    if risky && !allow.allow_unavailable {
        bail!("the plan stops brokers that partitions need (see \"Availability\" above); wait until the partitions are back in sync, fix their replication, or pass --allow-unavailable to apply it anyway");
    }
    Ok(())
}
