//! Offers: placement constraints, port ranges, declines with refuse filters,
//! revive and suppress, and how status updates are recorded and acknowledged.

mod core_sim;

use core_sim::{launches, Sim};
use engine::state::WaitingFor;
use kmesos_scheduler::core::{BrokerPhase, Command, Event, MesosCall, Progress};
use mesos::proto::TaskState;

fn cluster(brokers: &str, cpus: f64, port: &str, constraints: &str) -> String {
    format!(
        r#"
cluster "c" {{
  kafka {{
    kind = "tansu"
  }}
  broker "{brokers}" {{
    cpus = {cpus}
    mem  = 512
    disk = 1024
    port = "{port}"
    constraints = {{
      {constraints}
    }}
  }}
}}
"#
    )
}

fn hosts_of(sim: &Sim) -> Vec<(u32, String, String)> {
    let mut placed: Vec<(u32, String, String)> = sim
        .live()
        .values()
        .flatten()
        .map(|t| {
            let a = &sim.agents[t.agent];
            (
                t.broker().1,
                a.hostname.clone(),
                a.attributes["rack"].clone(),
            )
        })
        .collect();
    placed.sort();
    placed
}

#[test]
fn like_and_unlike_keep_brokers_off_the_agents_they_exclude() {
    let agents = [
        ("node-1", "r1"),
        ("node-2", "r2"),
        ("node-3", "r3"),
        ("gpu-1", "r1"),
    ];
    let mut sim = Sim::new(&agents);
    sim.subscribe();
    let rules = "rack = \"like:r[12]\"\n hostname = \"unlike:gpu-.*\"";
    sim.apply(&cluster("0..3", 0.5, "31000..31999", rules));
    sim.settle();
    let placed = hosts_of(&sim);
    assert!(
        placed
            .iter()
            .all(|(_, host, rack)| rack != "r3" && !host.starts_with("gpu")),
        "{placed:?}"
    );
    assert_eq!(
        placed.len(),
        4,
        "two agents fit, and they have room for all four"
    );
}

#[test]
fn unique_leaves_a_broker_waiting_and_its_unfit_offers_declined_with_a_filter() {
    let mut sim = Sim::new(&[("node-1", "r1"), ("node-2", "r2")]);
    sim.subscribe();
    sim.apply(&cluster(
        "0..2",
        0.5,
        "31000..31999",
        "hostname = \"unique\"",
    ));
    sim.settle();
    assert_eq!(
        sim.live().len(),
        2,
        "only two agents for three unique brokers"
    );
    let out = sim.offer_all();
    let refuse: Vec<f64> = out
        .iter()
        .filter_map(|c| match c {
            Command::Mesos(MesosCall::Decline { refuse_seconds, .. }) => Some(*refuse_seconds),
            _ => None,
        })
        .collect();
    assert_eq!(
        refuse,
        vec![10.0, 10.0],
        "declined, offered again soon: a broker waits"
    );
    assert!(sim.apply_running(), "the apply waits for a third agent");

    // The broker left waiting says, per agent, why its offer did not fit:
    // in the state and in the apply's progress, once a second.
    let waiting = |sim: &Sim| {
        (0..3).find_map(|id| {
            let broker = &sim.core.state().state.clusters["c"].brokers[&id];
            let wait = broker.runtime.as_ref()?.waiting_for.clone()?;
            Some((id, wait))
        })
    };
    let ticked = sim.advance(std::time::Duration::from_secs(1));
    let Some((id, WaitingFor::Offers(wait))) = waiting(&sim) else {
        panic!("no broker says why it waits: {:?}", waiting(&sim));
    };
    assert_eq!(
        wait.unfit.keys().collect::<Vec<_>>(),
        ["node-1", "node-2"],
        "{wait:?}"
    );
    assert!(
        wait.unfit
            .values()
            .all(|why| why.starts_with("constraint hostname")),
        "{wait:?}"
    );
    let said = ticked.iter().find_map(|c| match c {
        Command::ApplyProgress(Progress::Broker {
            id: broker,
            phase: BrokerPhase::WaitingForOffer,
            detail: Some(detail),
            ..
        }) if *broker == id => Some(detail.clone()),
        _ => None,
    });
    assert!(
        said.as_deref().is_some_and(|d| d.starts_with(
            "waits for an offer that fits (none from 2 agents did): node-1: constraint hostname"
        )),
        "{said:?}"
    );

    // A third agent: the broker is placed and no longer waits.
    sim.add_agent("node-3", "r3");
    sim.settle();
    sim.advance(std::time::Duration::from_secs(1));
    assert_eq!(sim.live().len(), 3);
    assert_eq!(waiting(&sim).map(|(id, _)| id), None);
}

#[test]
fn group_by_spreads_brokers_evenly_over_racks() {
    let agents = [
        ("a1", "r1"),
        ("a2", "r1"),
        ("a3", "r1"),
        ("b1", "r2"),
        ("b2", "r2"),
        ("b3", "r2"),
    ];
    let mut sim = Sim::new(&agents);
    sim.subscribe();
    sim.apply(&cluster(
        "0..3",
        0.5,
        "31000..31999",
        "hostname = \"unique\"\n rack = \"groupBy\"",
    ));
    sim.settle();
    let placed = hosts_of(&sim);
    let in_r1 = placed.iter().filter(|(_, _, r)| r == "r1").count();
    assert_eq!((placed.len(), in_r1), (4, 2), "{placed:?}");
}

#[test]
fn ports_come_from_the_offer_within_the_range_asked_for() {
    let mut sim = Sim::new(&[("node-1", "r1")]);
    sim.subscribe();
    sim.apply(&cluster("0..1", 0.5, "31004..31006", ""));
    sim.settle();
    let mut ports: Vec<u16> = sim
        .live()
        .values()
        .flatten()
        .map(|t| t.launch().port)
        .collect();
    ports.sort();
    assert_eq!(ports, vec![31004, 31005]);

    let mut fixed = Sim::new(&[("node-1", "r1")]);
    fixed.subscribe();
    fixed.apply(&cluster("0..1", 0.5, "31003", ""));
    fixed.settle();
    let placed: Vec<u16> = fixed
        .live()
        .values()
        .flatten()
        .map(|t| t.launch().port)
        .collect();
    assert_eq!(placed, vec![31003], "a fixed port fits once per agent");
    assert!(fixed.apply_running());
}

#[test]
fn offers_too_small_are_declined_and_an_idle_framework_suppresses() {
    let mut sim = Sim::new(&[("node-1", "r1")]);
    let out = sim.subscribe();
    assert!(
        out.contains(&Command::Mesos(MesosCall::Suppress)),
        "nothing to launch: {out:?}"
    );
    let out = sim.apply(&cluster("0..0", 8.0, "31000..31999", ""));
    assert!(
        out.contains(&Command::Mesos(MesosCall::Revive)),
        "a broker waits: {out:?}"
    );
    let out = sim.offer_all();
    assert!(launches(&out).is_empty());
    assert!(
        matches!(out.as_slice(), [Command::Mesos(MesosCall::Decline { refuse_seconds, .. })] if *refuse_seconds == 10.0),
        "{out:?}"
    );
}

#[test]
fn updates_are_acknowledged_after_they_are_persisted_duplicates_and_reordering_included() {
    let mut sim = Sim::new(&[("node-1", "r1")]);
    sim.subscribe();
    sim.apply(&cluster("0..0", 0.5, "31000..31999", ""));
    let launched = launches(&sim.offer_all());
    let id = launched[0].task_id.as_ref().unwrap().value.clone();
    sim.set_state(&id, TaskState::TaskRunning);
    let running = sim.status(&id, TaskState::TaskRunning, true);
    let late_starting = sim.status(&id, TaskState::TaskStarting, true);
    for status in [running.clone(), running.clone(), late_starting] {
        let uuid = status.uuid.clone().unwrap();
        let out = sim.handle(Event::StatusUpdate(status));
        let ack = out.iter().position(
            |c| matches!(c, Command::Mesos(MesosCall::Acknowledge { uuid: u, .. }) if *u == uuid),
        );
        let ack = ack.expect("acknowledged");
        if let Some(persist) = out
            .iter()
            .position(|c| matches!(c, Command::PersistState(_)))
        {
            assert!(persist < ack, "recorded before it is acknowledged");
        }
        assert!(
            launches(&out).is_empty()
                && !out
                    .iter()
                    .any(|c| matches!(c, Command::Mesos(MesosCall::Kill { .. })))
        );
    }
    let runtime = sim.core.state().state.clusters["c"].brokers[&0]
        .runtime
        .clone()
        .unwrap();
    assert_eq!(
        runtime.status,
        Some(engine::state::BrokerStatus::Running),
        "a late STARTING does not undo RUNNING"
    );
    assert_eq!(runtime.task_id.as_deref(), Some(id.as_str()));
    let master_made = sim.status(&id, TaskState::TaskRunning, false);
    let out = sim.handle(Event::StatusUpdate(master_made));
    assert!(
        !out.iter()
            .any(|c| matches!(c, Command::Mesos(MesosCall::Acknowledge { .. }))),
        "no uuid, no ack"
    );
}

#[test]
fn an_apply_whose_broker_no_offer_fits_fails_after_its_placement_timeout() {
    let mut sim = Sim::new(&[("node-1", "r1"), ("node-2", "r2")]);
    sim.subscribe();
    let hcl = cluster("0", 0.5, "31000..31999", "rack = \"like:r9\"").replace(
        "port = \"31000..31999\"",
        "port = \"31000..31999\"\n    placement_timeout = \"30s\"",
    );
    sim.apply(&hcl);
    sim.offer_all();
    let early = sim.advance(std::time::Duration::from_secs(10));
    assert!(
        sim.apply_running(),
        "still within its placement timeout: {early:?}"
    );

    let late = sim.advance(std::time::Duration::from_secs(21));
    let failed = late.iter().find_map(|c| match c {
        Command::ApplyProgress(Progress::Failed { message, .. }) => Some(message.clone()),
        _ => None,
    });
    assert_eq!(
        failed.as_deref(),
        Some(
            "cluster.c.broker.0: no offer fitted within its placement_timeout (30s): \
             node-1: constraint rack=\"like:r9\": rack is \"r1\"; \
             node-2: constraint rack=\"like:r9\": rack is \"r2\""
        )
    );
    assert!(!sim.apply_running());
    // The broker stays in the state, waiting to be placed.
    let broker = &sim.core.state().state.clusters["c"].brokers[&0];
    let wait = broker.runtime.as_ref().and_then(|r| r.waiting_for.clone());
    assert!(matches!(wait, Some(WaitingFor::Offers(_))), "{wait:?}");
}
