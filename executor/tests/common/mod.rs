//! What the executor's tests share: launch contracts to start from, and where
//! the real tools (tansu, Python with Kafka clients) are.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kmesos_executor::launch::{
    new_cluster_id, ApacheProgram, BrokerProgram, LaunchSpec, TansuProgram, Voter, LAUNCH_VERSION,
};

/// A tansu broker contract for `binary` on `port`.
pub fn tansu_spec(binary: &str, port: u16) -> LaunchSpec {
    LaunchSpec {
        version: LAUNCH_VERSION,
        cluster: "test".into(),
        cluster_id: new_cluster_id(),
        broker_id: 0,
        port,
        advertised_host: "127.0.0.1".into(),
        rack: None,
        properties: BTreeMap::new(),
        data_dir: "data".into(),
        broker: BrokerProgram::Tansu(TansuProgram {
            binary: binary.into(),
            sha256: None,
            endpoint: None,
        }),
    }
}

/// An Apache Kafka broker contract: broker 2 of three, voters 1..=3.
pub fn apache_spec(distribution: &str) -> LaunchSpec {
    let quorum = (1..=3)
        .map(|id| Voter {
            node_id: id,
            host: format!("agent-{id}"),
            port: 31100 + id as u16,
        })
        .collect();
    LaunchSpec {
        version: LAUNCH_VERSION,
        cluster: "prod".into(),
        cluster_id: "q1Sh-9_ISia_zwGINzRvyQ".into(),
        broker_id: 2,
        port: 31002,
        advertised_host: "agent-2".into(),
        rack: Some("r2".into()),
        properties: BTreeMap::from([
            ("num.partitions".into(), "3".into()),
            ("sasl.jaas.config".into(), "a \\ b = c".into()),
        ]),
        data_dir: "data".into(),
        broker: BrokerProgram::Apache(ApacheProgram {
            distribution: distribution.into(),
            sha256: None,
            heap_mib: 512,
            quorum,
            controller_port: Some(31102),
        }),
    }
}

/// The tansu binary (KMESOS_TANSU, default $HOME/.cache/kmesos/tools/bin/tansu).
pub fn tansu_binary() -> PathBuf {
    std::env::var_os("KMESOS_TANSU")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default();
            home.join(".cache/kmesos/tools/bin/tansu")
        })
}

/// Python with confluent-kafka (KMESOS_PYTHON, default <repo>/.venv/bin/python).
pub fn python() -> PathBuf {
    std::env::var_os("KMESOS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python"))
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// Runs the Python client; returns its stdout, panicking with its stderr.
pub async fn kafka_client(args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kafka_client.py");
    let run = tokio::process::Command::new(python())
        .arg(script)
        .args(args)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .unwrap_or_else(|_| panic!("kafka client {args:?} hung"))
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python().display()));
    assert!(
        out.status.success(),
        "kafka client {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
