//! Secrets never reach the daemon's log: a Kafka client sets a broker's
//! `sasl.jaas.config` through the scheduler's Kafka endpoint, and the log,
//! captured at every level while the daemon records the change, never shows
//! the value.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kafka::configs::{ConfigChange, ConfigResource};
use kafka::BrokerConnection;
use kmesos_scheduler::daemon::{Daemon, Options};
use kmesos_scheduler::store::FileStore;

const SECRET: &str = "hunter2-never-logged";

/// Everything the daemon logs, at every level.
#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl CapturedLog {
    fn install() -> CapturedLog {
        let log = CapturedLog::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        log
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A tansu cluster whose broker 0 the state records as running, so the
/// endpoint takes changes to its config.
fn state_with_a_running_broker() -> String {
    serde_json::json!({
        "format_version": 1,
        "lineage": "log-test-lineage",
        "serial": 4,
        "clusters": {
            "secure": {
                "kafka": {"kind": "tansu"},
                "brokers": {
                    "0": {
                        "spec": {
                            "cpus": 0.5, "mem": 512, "heap": null, "disk": 1024,
                            "port": "any", "constraints": [], "config": {},
                            "failover": {"delay": "30s", "max_delay": "10m", "max_tries": 0},
                            "stickiness": "10m"
                        },
                        "runtime": {
                            "task_id": "secure-broker-0-1", "agent_id": "agent-1",
                            "hostname": "127.0.0.1", "attributes": {},
                            "port": 9, "status": "running",
                            "updated_at": "2026-01-01T00:00:00Z"
                        }
                    }
                }
            }
        }
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_set_through_the_kafka_endpoint_is_not_logged() {
    let log = CapturedLog::install();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    std::fs::write(&state, state_with_a_running_broker()).unwrap();
    let executor = dir.path().join("kmesos-executor");
    std::fs::write(&executor, b"#!/bin/sh\n").unwrap();
    let endpoint = format!("127.0.0.1:{}", free_port());
    // No master answers: the broker stays as the state has it, and the
    // driver still records what comes through the endpoint.
    let store = Box::new(FileStore::open(&state).unwrap());
    let options = Options {
        master: format!("http://127.0.0.1:{}", free_port()),
        api: "127.0.0.1:0".parse().unwrap(),
        advertised_url: None,
        kafka: Some(endpoint.clone()),
        token: None,
        executor,
        tansu: None,
        distributions: vec![],
        tune: None,
    };
    let daemon = Daemon::start(options, store).await.unwrap();

    let value = format!(
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=admin password={SECRET};"
    );
    let mut client = connect(&endpoint).await;
    client
        .incremental_alter_configs(
            &ConfigResource::Broker("0".into()),
            &[ConfigChange::Set {
                name: "sasl.jaas.config".into(),
                value,
            }],
            false,
        )
        .await
        .unwrap();

    wait_for_serial(&daemon, 5).await;
    let text = log.text();
    assert!(
        text.contains("changed through the Kafka endpoint") && text.contains("sasl.jaas.config"),
        "the change was not logged:\n{text}"
    );
    assert!(!text.contains(SECRET), "the secret is in the log:\n{text}");
}

/// A client of the endpoint, once the daemon has started it.
async fn connect(endpoint: &str) -> BrokerConnection {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match BrokerConnection::connect(endpoint, Duration::from_secs(5)).await {
            Ok(connection) => return connection,
            Err(e) => assert!(Instant::now() < deadline, "endpoint never answered: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the daemon has written the state with `serial` (the change
/// recorded as drift).
async fn wait_for_serial(daemon: &Daemon, serial: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while daemon.handle.view().state.serial < serial {
        assert!(Instant::now() < deadline, "the change was never recorded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
