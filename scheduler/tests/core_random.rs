//! Scenarios found by the seeded random walk through a misbehaving Mesos
//! cluster, kept as plain tests of the behaviour each one broke.

mod core_sim;

use core_sim::Sim;
use kmesos_scheduler::core::{Command, Event};
use mesos::proto::TaskState;

/// Found by seed 1888: broker 2 was destroyed while its task was
/// unreachable; the task came back (and was being killed) when broker 2 was
/// created again, and the new broker 2 was launched beside it.
#[test]
fn a_broker_created_again_waits_for_the_task_of_its_destroyed_namesake_to_end() {
    let agents = [("node-1", "r1"), ("node-2", "r2"), ("node-3", "r3")];
    let three = tansu_hcl(3, 512, "", 3);
    let mut sim = Sim::running(&agents, &three);
    let old = sim.task_of("quickstart", 2).task_id.clone();
    let home = sim.tasks[&old].agent;
    sim.lose_agent(home);
    sim.apply(&tansu_hcl(2, 512, "", 3));
    sim.settle();
    assert!(!sim.apply_running(), "broker 2 destroyed while unreachable");
    sim.restore_agent(home, false);
    let back = sim.network.pop().expect("the master reports the task back");
    let out = sim.handle(Event::StatusUpdate(back));
    assert!(out
        .iter()
        .any(|c| matches!(c, Command::Kill { task_id, .. } if task_id.value == old)));
    // The kill takes its grace period; meanwhile broker 2 is created again.
    sim.kills.clear();
    sim.apply(&three);
    sim.offer_all();
    assert!(
        sim.live()
            .get(&("quickstart".to_string(), 2))
            .is_some_and(|tasks| tasks.len() == 1 && tasks[0].task_id == old),
        "only the old task runs while it is being killed"
    );
    sim.update(&old, TaskState::TaskKilled);
    sim.settle();
    assert_ne!(
        sim.task_of("quickstart", 2).task_id,
        old,
        "broker 2 runs again"
    );
    assert!(!sim.apply_running());
}

/// The tansu cluster `quickstart` with brokers `0..brokers-1`.
fn tansu_hcl(brokers: u32, mem: u32, constraint: &str, partitions: u32) -> String {
    format!(
        r#"
cluster "quickstart" {{
  kafka {{
    kind = "tansu"
  }}
  broker "0..{last}" {{
    cpus = 0.5
    mem  = {mem}
    disk = 1024
    port = "31000..31999"
    constraints = {{
      {constraint}
    }}
    failover {{
      delay     = "5s"
      max_delay = "1m"
    }}
  }}
  topic "orders" {{
    partitions         = {partitions}
    replication_factor = 1
  }}
  config = {{
    "log.retention.ms" = "3600000"
  }}
}}
"#,
        last = brokers - 1
    )
}
