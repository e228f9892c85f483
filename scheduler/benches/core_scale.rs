//! How the scheduler scales with the cluster: (a) offers the decision core
//! answers per second once N brokers run on N agents (goal: 10,000/s at
//! 1,000), and (b) the resident memory of the scheduler daemon holding N
//! brokers in its state (goal: under 30 MB at 1,000), for N = 100, 1,000
//! and 10,000, side by side in one run. The clusters are built by
//! `core_sim` (one tansu cluster, `hostname = unique`, one broker per
//! agent). For (b) each size runs in a child process: the real
//! `Daemon::start` loads the state file, serves its API and keeps trying
//! to subscribe to a master that does not answer; VmRSS is read from
//! /proc after it settled. `cargo bench -p kmesos-scheduler --bench
//! core_scale` prints the table for docs/benchmarks.md.

#[path = "../tests/core_sim/mod.rs"]
mod core_sim;

use std::time::{Duration, Instant};

use core_sim::Sim;
use kmesos_scheduler::core::Event;
use kmesos_scheduler::daemon::{Daemon, Options};
use mesos::proto::TaskState;

const SIZES: [usize; 3] = [100, 1_000, 10_000];
/// Set in the child that measures the daemon: the state file to load.
const STATE_ENV: &str = "KMESOS_BENCH_DAEMON_STATE";

fn main() {
    if let Ok(path) = std::env::var(STATE_ENV) {
        return daemon_rss(&path);
    }
    println!("| brokers = agents | offers answered per second | daemon VmRSS | state file |");
    println!("|---:|---:|---:|---:|");
    for n in SIZES {
        let mut sim = running(n);
        let rate = offers_per_second(&mut sim);
        let state = sim.core.state().clone();
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("state.json");
        std::fs::write(&path, serde_json::to_vec(&state).expect("json")).expect("written");
        let size = std::fs::metadata(&path).expect("the file").len();
        drop(sim);
        let rss = measure_daemon(&path);
        println!(
            "| {n} | {rate:.0} | {:.1} MB | {:.1} MB |",
            rss as f64 / 1024.0,
            size as f64 / 1e6
        );
    }
}

/// `n` agents and a tansu cluster of `n` brokers, all running.
fn running(n: usize) -> Sim {
    let names: Vec<(String, String)> = (0..n)
        .map(|i| (format!("node-{i}"), format!("r{}", i % 3 + 1)))
        .collect();
    let hosts: Vec<(&str, &str)> = names
        .iter()
        .map(|(h, r)| (h.as_str(), r.as_str()))
        .collect();
    let hcl = format!(
        r#"
cluster "big" {{
  kafka {{
    kind = "tansu"
  }}
  broker "0..{last}" {{
    cpus = 1
    mem  = 2048
    disk = 4096
    port = "31000..31999"
    constraints = {{
      hostname = "unique"
    }}
  }}
}}
"#,
        last = n - 1
    );
    let mut sim = Sim::new(&hosts);
    sim.subscribe();
    sim.apply(&hcl);
    // Not `Sim::settle`: its log keeps every state the core persists, a
    // copy of the whole state per status update, which 10,000 brokers
    // would not fit in memory. Updates go to the core directly instead.
    while sim.core.state().scheduler.apply.is_some() {
        sim.offer_all();
        sim.log.clear();
        let staging: Vec<String> = sim.tasks.keys().cloned().collect();
        for id in staging {
            for state in [TaskState::TaskStarting, TaskState::TaskRunning] {
                sim.set_state(&id, state);
                let status = sim.status(&id, state, false);
                sim.core.handle(Event::StatusUpdate(status), sim.now);
            }
        }
        sim.now += Duration::from_secs(1);
        sim.core.handle(Event::Tick, sim.now);
    }
    sim
}

/// Offers from every agent, in batches of 100 as a master sends them, until
/// a second has passed; every broker runs, so each is declined.
fn offers_per_second(sim: &mut Sim) -> f64 {
    let offers = sim.offers();
    let batches: Vec<Vec<_>> = offers.chunks(100).map(<[_]>::to_vec).collect();
    let (mut answered, start) = (0usize, Instant::now());
    while start.elapsed() < Duration::from_secs(1) {
        for batch in &batches {
            answered += batch.len();
            let commands = sim.core.handle(Event::Offers(batch.clone()), sim.now);
            assert_eq!(commands.len(), batch.len(), "one DECLINE per offer");
        }
    }
    answered as f64 / start.elapsed().as_secs_f64()
}

/// Runs this benchmark again as a child holding the daemon; its VmRSS in KiB.
fn measure_daemon(state: &std::path::Path) -> u64 {
    let out = std::process::Command::new(std::env::current_exe().expect("this benchmark"))
        .env(STATE_ENV, state)
        .output()
        .expect("the child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim().parse().unwrap_or_else(|_| {
        panic!(
            "the daemon child failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// In the child: starts the daemon on the state file and prints its VmRSS (KiB).
fn daemon_rss(state: &str) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let options = Options {
            master: "127.0.0.1:9".into(),
            api: "127.0.0.1:0".parse().expect("an address"),
            advertised_url: None,
            kafka: None,
            token: None,
            executor: std::env::current_exe().expect("a file to serve"),
            tansu: None,
            distributions: Vec::new(),
            tune: None,
        };
        let store = kmesos_scheduler::store::open(&format!("file:{state}")).expect("the store");
        let daemon = Daemon::start(options, store)
            .await
            .expect("the daemon starts");
        let url = format!("http://{}/v1/state", daemon.api_addr);
        let state = reqwest::get(&url).await.expect("the API answers");
        assert!(
            state.status().is_success(),
            "GET /v1/state: {}",
            state.status()
        );
        tokio::time::sleep(Duration::from_secs(3)).await;
        let status = std::fs::read_to_string("/proc/self/status").expect("/proc");
        let rss = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .expect("VmRSS");
        println!("{rss}");
    });
}
