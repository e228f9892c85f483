//! `kmesos state pull | list | show ADDR`: what the scheduler has recorded,
//! secrets shown as `(sensitive)` (the scheduler redacts them before sending).

use std::process::ExitCode;

use anyhow::{bail, Result};
use engine::state::{BrokerStatus, ClusterState, State};
use engine::Address;

use crate::async_runtime::runtime;
use crate::scheduler_args::Target;

/// Read the scheduler's state.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: StateCommand,
    #[command(flatten)]
    target: Target,
}

#[derive(clap::Subcommand)]
enum StateCommand {
    /// Print the whole state document (JSON), e.g. to plan offline with `kmesos plan --state`.
    Pull,
    /// List the resources in the state, one address per line.
    List,
    /// Show one resource, e.g. `cluster.quickstart.broker.0`.
    Show { address: Address },
}

pub fn run(args: Args) -> Result<ExitCode> {
    let client = args.target.client()?;
    let state = runtime()?.block_on(client.state())?;
    match args.command {
        StateCommand::Pull => println!("{}", state.to_json()),
        StateCommand::List => {
            for line in list(&state) {
                println!("{line}");
            }
        }
        StateCommand::Show { address } => println!("{}", show(&state, &address)?),
    }
    Ok(ExitCode::SUCCESS)
}

/// Every resource address, brokers with where and how they run, and what
/// one that is not running waits for.
fn list(state: &State) -> Vec<String> {
    let mut lines = Vec::new();
    for (name, cluster) in &state.clusters {
        lines.push(Address::of_cluster(name).to_string());
        for (id, broker) in &cluster.brokers {
            let runtime = broker.runtime.as_ref();
            let status = runtime
                .and_then(|r| r.status)
                .map_or("pending", BrokerStatus::as_str);
            let at = runtime
                .and_then(|r| Some(format!(" {}:{}", r.hostname.as_deref()?, r.port?)))
                .unwrap_or_default();
            let task = runtime
                .and_then(|r| r.task_id.as_deref())
                .map(|t| format!(" task {t}"))
                .unwrap_or_default();
            let waiting = runtime
                .and_then(|r| r.waiting_for.as_ref())
                .map(|w| format!("; {}", w.headline()))
                .unwrap_or_default();
            let address = Address::of_broker(name, *id);
            lines.push(format!("{address}  {status}{at}{task}{waiting}"));
        }
        for topic in cluster.topics.keys() {
            lines.push(Address::of_topic(name, topic).to_string());
        }
        for client in cluster.clients.keys() {
            lines.push(Address::of_client(name, client).to_string());
        }
    }
    lines
}

/// One resource as pretty JSON.
fn show(state: &State, address: &Address) -> Result<String> {
    let name = address.cluster();
    let Some(cluster) = state.clusters.get(name) else {
        bail!("no cluster {name:?} in the state");
    };
    let found = match address {
        Address::Cluster { .. } => Some(cluster_summary(cluster)),
        Address::Broker { id, .. } => cluster
            .brokers
            .get(id)
            .map(serde_json::to_value)
            .transpose()?,
        Address::Topic { name, .. } => cluster
            .topics
            .get(name)
            .map(serde_json::to_value)
            .transpose()?,
        Address::Client { name, .. } => cluster
            .clients
            .get(name)
            .map(serde_json::to_value)
            .transpose()?,
    };
    let Some(value) = found else {
        bail!("no {address} in the state");
    };
    Ok(serde_json::to_string_pretty(&value)?)
}

fn cluster_summary(cluster: &ClusterState) -> serde_json::Value {
    serde_json::json!({
        "kafka": cluster.kafka,
        "config": cluster.config,
        "brokers": cluster.brokers.keys().collect::<Vec<_>>(),
        "topics": cluster.topics.keys().collect::<Vec<_>>(),
        "clients": cluster.clients.keys().collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broker_that_is_not_running_is_listed_with_what_it_waits_for() {
        let state = State::parse(
            r#"{"format_version": 1, "lineage": "l", "serial": 3, "clusters": {"c": {
                "kafka": {"kind": "apache", "dist": null, "endpoint": null},
                "brokers": {"1": {
                    "spec": {"cpus": 1, "mem": 1024, "heap": 512, "disk": 1024,
                             "port": "any", "constraints": [], "config": {},
                             "failover": {"delay": "30s", "max_delay": "10m", "max_tries": 0},
                             "stickiness": "10m"},
                    "runtime": {"task_id": "t1", "agent_id": "m-S2", "hostname": "127.0.0.3",
                                "port": 31001, "status": "pending",
                                "waiting_for": {"kind": "agent", "agent_id": "m-S2",
                                    "hostname": "127.0.0.3", "why": "a voter",
                                    "lost_at": "2026-01-01T00:00:05Z",
                                    "since": "2026-01-01T00:00:05Z"}}}}}}}"#,
            "state.json",
        )
        .unwrap();
        assert_eq!(
            list(&state),
            vec![
                "cluster.c".to_string(),
                "cluster.c.broker.1  pending 127.0.0.3:31001 task t1; waits for agent \
                 127.0.0.3 (m-S2), which the Mesos master reported lost at 2026-01-01T00:00:05Z"
                    .to_string(),
            ]
        );
        let shown = show(&state, &Address::of_broker("c", 1)).unwrap();
        assert!(shown.contains("\"why\": \"a voter\""), "{shown}");
        let topic = "cluster.c.topic.orders.v2".parse().unwrap();
        assert_eq!(
            show(&state, &topic).unwrap_err().to_string(),
            "no cluster.c.topic.orders.v2 in the state"
        );
    }
}
