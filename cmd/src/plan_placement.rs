//! The placement preview `plan` and `apply` attach to a plan that creates
//! or moves brokers: where the scheduler would place each one given the
//! agents' latest offers (`POST /v1/placement`), or why it cannot.

use engine::plan::{Action, ResourceKind};
use engine::{Address, Plan};
use scheduler::wire::PlacementRequest;

use crate::scheduler_client::SchedulerClient;

/// `plan` with the preview of its created and moved brokers; a scheduler
/// that cannot answer leaves the plan as it was, with a warning.
pub async fn previewed(client: &SchedulerClient, mut plan: Plan) -> Plan {
    let brokers: Vec<Address> = plan
        .changes
        .iter()
        .filter(|c| c.kind == ResourceKind::Broker)
        .filter(|c| matches!(c.action, Action::Create | Action::Move))
        .map(|c| c.address.clone())
        .collect();
    if brokers.is_empty() {
        return plan;
    }
    let request = PlacementRequest {
        config: plan.configuration.clone(),
        brokers,
    };
    match client.preview_placement(&request).await {
        Ok(report) => plan.placement = report.brokers,
        Err(e) => eprintln!("warning: no placement preview: {e}"),
    }
    plan
}
