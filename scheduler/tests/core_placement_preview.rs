//! The placement preview `kmesos plan` shows: each broker a plan creates or
//! moves, matched against the agents' latest offers as the scheduler would
//! match it now — the agent and rack it lands on, or per agent why not.

mod core_sim;

use core_sim::{load, Sim, APACHE_AGENTS as AGENTS, APACHE_EVENTS};
use engine::Address;

/// The cluster with brokers `range` (e.g. "0..2"), one per host.
fn brokers(range: &str) -> String {
    APACHE_EVENTS.replace("broker \"0..3\"", &format!("broker \"{range}\""))
}

fn broker(id: u32) -> Address {
    Address::of_broker("events", id)
}

#[test]
fn a_new_broker_lands_on_the_free_agent_and_one_more_has_nowhere_to_go() {
    let mut sim = Sim::running(AGENTS, &brokers("0..2"));
    // Every agent offers what it has left, and is declined.
    sim.offer_all();
    let target = load(&brokers("0..4"));
    let previews = sim.core.preview_placement(&target, &[broker(3), broker(4)]);
    assert_eq!(previews.len(), 2);
    assert_eq!(previews[0].agent.as_deref(), Some("node-4"), "{previews:?}");
    assert_eq!(previews[0].rack.as_deref(), Some("r1"));
    assert_eq!(previews[0].unplaced, None);
    // Broker 4 would need a host of its own: every host has one now,
    // counting broker 3 where the preview put it.
    let why = previews[1].unplaced.as_deref().expect("unplaced");
    assert_eq!(previews[1].agent, None);
    for host in ["node-1", "node-2", "node-3", "node-4"] {
        assert!(
            why.contains(&format!("{host}: constraint hostname=\"unique\": another broker runs with hostname \"{host}\"")),
            "{why}"
        );
    }
}

#[test]
fn a_broker_with_a_constraint_no_agent_meets_says_why_per_agent() {
    let mut sim = Sim::running(AGENTS, &brokers("0..2"));
    sim.offer_all();
    let target = load(&brokers("0..3").replace(
        "hostname = \"unique\"",
        "hostname = \"unique\"\n      rack = \"like:r9\"",
    ));
    let previews = sim.core.preview_placement(&target, &[broker(3)]);
    let why = previews[0].unplaced.as_deref().expect("unplaced");
    assert!(
        why.contains("node-4: constraint rack=\"like:r9\": rack is \"r1\""),
        "{why}"
    );
}

#[test]
fn before_any_offer_nothing_can_be_placed() {
    let sim = Sim::new(AGENTS);
    let previews = sim
        .core
        .preview_placement(&load(&brokers("0..0")), &[broker(0)]);
    assert_eq!(
        previews[0].unplaced.as_deref(),
        Some("no agent has free resources on offer")
    );
}
