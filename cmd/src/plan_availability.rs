//! The availability analysis `plan` and `apply` attach to a plan that stops
//! brokers: the live partitions read through the scheduler
//! (`GET /v1/partitions`), or why they could not be; and the refusal of an
//! apply whose broker stops put partitions at risk unless the operator said
//! `--allow-unavailable`.

use anyhow::{bail, Result};
use engine::plan::Availability;
use engine::Plan;

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

/// `plan` with its availability analysis from the partitions `client`'s
/// scheduler reads from the brokers.
pub async fn analyzed(client: &SchedulerClient, mut plan: Plan) -> Plan {
    if Availability::not_possible(&plan, "").is_none() {
        return plan;
    }
    plan.availability = match client.partitions().await {
        Ok(report) => Availability::analyze(&plan, &report.clusters),
        Err(e) => Availability::not_possible(
            &plan,
            &format!("the scheduler did not report the partitions: {e}"),
        ),
    };
    plan
}

/// Refuses a plan whose broker stops put partitions at risk, unless allowed.
pub fn check(plan: &Plan, allow: AllowUnavailable) -> Result<()> {
    let risky = plan
        .availability
        .as_ref()
        .is_some_and(|a| !a.risks.is_empty());
    if risky && !allow.allow_unavailable {
        bail!("the plan stops brokers that partitions need (see \"Availability\" above); wait until the partitions are back in sync, fix their replication, or pass --allow-unavailable to apply it anyway");
    }
    Ok(())
}
