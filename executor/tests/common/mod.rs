//! What the executor's tests share: launch contracts to start from, and where
//! the real tools (tansu, Python with Kafka clients) are.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kmesos_executor::broker::{self, Broker, BrokerLogs};
use kmesos_executor::launch::{
    new_cluster_id, ApacheProgram, BrokerProgram, LaunchSpec, TansuProgram, Voter, LAUNCH_VERSION,
};
use kmesos_executor::render::render;

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
            java_home: None,
            quorum,
            controller_port: Some(31102),
        }),
    }
}

/// A single-node Apache Kafka cluster on loopback: broker 1, its own
/// controller voter on `controller_port`, the real distribution.
pub fn apache_single_node(port: u16, controller_port: u16) -> LaunchSpec {
    let mut spec = apache_spec(&kafka_distribution().display().to_string());
    spec.broker_id = 1;
    spec.port = port;
    spec.advertised_host = "127.0.0.1".into();
    spec.cluster_id = new_cluster_id();
    spec.properties = BTreeMap::from([
        ("offsets.topic.replication.factor".into(), "1".into()),
        (
            "transaction.state.log.replication.factor".into(),
            "1".into(),
        ),
    ]);
    if let BrokerProgram::Apache(a) = &mut spec.broker {
        a.heap_mib = 256;
        a.controller_port = Some(controller_port);
        a.quorum = vec![Voter {
            node_id: 1,
            host: "127.0.0.1".into(),
            port: controller_port,
        }];
    }
    spec
}

pub use tools::python;

/// The Apache Kafka distribution archive scripts/install-kafka.sh packs,
/// found as `kmesos dev` finds it.
pub fn kafka_distribution() -> PathBuf {
    tools::KAFKA_DISTRIBUTION.find().unwrap_or_else(|| {
        panic!(
            "no Apache Kafka distribution: looked in {}",
            tools::KAFKA_DISTRIBUTION.looked_for()
        )
    })
}

/// The tansu binary, found as `kmesos dev` finds it.
pub fn tansu_binary() -> PathBuf {
    tools::TANSU
        .find()
        .unwrap_or_else(|| panic!("no tansu: looked in {}", tools::TANSU.looked_for()))
}

/// A port nobody listens on right now, taken below the kernel's ephemeral
/// range (from 32768 by default): an outgoing connection of any process
/// can take an ephemeral port at any time, and a broker binds its port
/// again when it is relaunched, seconds after it was freed.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    const FIRST: u16 = 20_000;
    const COUNT: u16 = 12_000;
    // Each test process starts elsewhere, so that two running at once
    // rarely try the same ports.
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let start = (std::process::id() % u32::from(COUNT)) as u16;
    for _ in 0..COUNT {
        let offset = NEXT.fetch_add(1, Ordering::Relaxed) % COUNT;
        let port = FIRST + (start + offset) % COUNT;
        if std::net::TcpListener::bind(("0.0.0.0", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in {FIRST}..{}", FIRST + COUNT)
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

/// The topic the round-trip checks write to.
const GREETINGS: &str = "greetings";

/// Renders the broker for `spec` into `sandbox`, formats its storage if its
/// kind needs that, starts it and waits until it answers the probe.
pub async fn start_broker(spec: &LaunchSpec, sandbox: &Path, ready: Duration) -> Broker {
    let rendered = render(spec, sandbox).unwrap_or_else(|e| panic!("render: {e}"));
    let logs = BrokerLogs::in_sandbox(sandbox);
    if let Some(prepare) = &rendered.prepare {
        broker::prepare(prepare, &logs)
            .await
            .unwrap_or_else(|e| panic!("format: {e}"));
    }
    let mut broker = Broker::start(&rendered.run, &logs).unwrap_or_else(|e| panic!("start: {e}"));
    broker
        .wait_ready(rendered.probe_addr, ready)
        .await
        .unwrap_or_else(|e| panic!("ready: {e}"));
    broker
}

/// Produces a fresh message at `bootstrap` and checks that a consumer
/// reads it back; returns the message.
pub async fn greet(bootstrap: &str) -> String {
    let message = format!("hello {}", uuid::Uuid::new_v4());
    kafka_client(&["produce", bootstrap, GREETINGS, &message]).await;
    still_greets(bootstrap, &message).await;
    message
}

/// Checks that a consumer at `bootstrap` reads `message`, written by
/// [`greet`].
pub async fn still_greets(bootstrap: &str, message: &str) {
    let read = kafka_client(&["consume", bootstrap, GREETINGS]).await;
    assert!(read.contains(message), "{message} is not read back: {read}");
}
