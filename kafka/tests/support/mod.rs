//! Test support: real tansu brokers in temporary directories, a
//! [`ClusterBackend`] listing them, the endpoint started in-process, and a way
//! to run real Kafka clients (Python, kcat) against it.
#![allow(dead_code)] // each test binary uses its own part of the support

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kmesos_kafka::client::NewTopic;
use kmesos_kafka::configs::{ConfigChange, ConfigEntry, ConfigSource};
use kmesos_kafka::endpoint::{
    AdminEndpoint, ClusterBackend, ClusterKind, EndpointConfig, LiveBroker, TopicChange,
};
use kmesos_kafka::front::{Front, FrontPlan};
use kmesos_kafka::BrokerConnection;

/// Generous: the machine is small and shared.
pub const WAIT: Duration = Duration::from_secs(60);

pub use tools::python;

/// The tansu binary, found as `kmesos dev` finds it.
pub fn tansu_binary() -> PathBuf {
    tools::TANSU
        .find()
        .unwrap_or_else(|| panic!("no tansu: looked in {}", tools::TANSU.looked_for()))
}

pub fn support_cluster_id() -> &'static str {
    "kmesos-test"
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A tansu broker process on the sqlite engine, killed on drop.
pub struct TansuBroker {
    pub port: u16,
    child: Child,
    _data: tempfile::TempDir,
}

impl TansuBroker {
    pub async fn start() -> TansuBroker {
        let data = tempfile::tempdir().unwrap();
        let port = free_port();
        let url = format!("tcp://127.0.0.1:{port}");
        let child = Command::new(tansu_binary())
            .arg("broker")
            .args(["--listener-url", &url, "--advertised-listener-url", &url])
            // sqlite:// paths are relative to the working directory.
            .args(["--storage-engine", "sqlite://tansu.db"])
            .current_dir(data.path())
            // The cluster id kmesos gives its brokers; clients check it matches the endpoint's.
            .args(["--cluster-id", support_cluster_id()])
            .env_remove("CLUSTER_ID")
            .env_remove("STORAGE_ENGINE")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start tansu at {}: {e}", tansu_binary().display()));
        let broker = TansuBroker {
            port,
            child,
            _data: data,
        };
        let deadline = Instant::now() + WAIT;
        loop {
            match kmesos_kafka::probe(&broker.addr(), Duration::from_secs(5)).await {
                Ok(_) => return broker,
                Err(e) if Instant::now() > deadline => {
                    panic!("tansu on {} never answered: {e}", broker.addr())
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for TansuBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A backend that lists real brokers and records what the endpoint reports.
pub struct RecordingBackend {
    pub kind: ClusterKind,
    /// The brokers running now; a test stops one by taking it out.
    pub brokers: Mutex<Vec<LiveBroker>>,
    /// Every broker of the cluster, running or not.
    pub broker_ids: Vec<i32>,
    pub topic_changes: Mutex<Vec<TopicChange>>,
    pub config_changes: Mutex<Vec<(Option<i32>, ConfigChange)>>,
    pub dynamic: BTreeSet<&'static str>,
    /// The dynamic properties that can only be set per broker.
    pub per_broker: BTreeSet<&'static str>,
}

impl RecordingBackend {
    /// The effective config kmesos would render for broker `node_id`, or
    /// cluster-wide for `None`: static ones from its properties file, one
    /// secret, defaults.
    fn rendered(&self, node_id: Option<i32>) -> Vec<ConfigEntry> {
        let entry = |name: &str, value: &str, source| ConfigEntry {
            name: name.to_string(),
            value: Some(value.to_string()),
            source,
            static_value: None,
            sensitive: false,
            read_only: false,
        };
        let mut entries = vec![
            entry("log.dirs", "/var/lib/kmesos/data", ConfigSource::Static),
            entry("ssl.keystore.password", "hunter2", ConfigSource::Static),
            entry("num.network.threads", "3", ConfigSource::Default),
            entry("log.retention.ms", "604800000", ConfigSource::Default),
        ];
        if let Some(id) = node_id {
            entries.insert(0, entry("broker.id", &id.to_string(), ConfigSource::Static));
        }
        // Dynamic changes recorded through the endpoint win, as they would on
        // Kafka: cluster-wide ones everywhere, a broker's own on that broker.
        for (node, change) in self.config_changes.lock().unwrap().iter() {
            let source = match node {
                None => ConfigSource::ClusterDynamic,
                Some(n) if Some(*n) == node_id => ConfigSource::Dynamic,
                Some(_) => continue,
            };
            entries.retain(|e| e.name != change.name());
            if let ConfigChange::Set { name, value } = change {
                entries.push(entry(name, value, source));
            }
        }
        entries
    }
}

impl ClusterBackend for RecordingBackend {
    fn cluster_id(&self) -> String {
        support_cluster_id().to_string()
    }
    fn kind(&self) -> ClusterKind {
        self.kind
    }
    fn brokers(&self) -> Vec<LiveBroker> {
        self.brokers.lock().unwrap().clone()
    }
    fn broker_ids(&self) -> Vec<i32> {
        self.broker_ids.clone()
    }
    fn broker_config(&self, node_id: i32) -> Option<Vec<ConfigEntry>> {
        self.brokers()
            .iter()
            .any(|b| b.node_id == node_id)
            .then(|| self.rendered(Some(node_id)))
    }
    fn cluster_broker_config(&self) -> Vec<ConfigEntry> {
        self.rendered(None)
    }
    fn topic_config(&self, _topic: &str) -> Option<Vec<ConfigEntry>> {
        None
    }
    fn is_dynamic_broker_config(&self, name: &str) -> bool {
        self.dynamic.contains(name) || self.per_broker.contains(name)
    }
    fn is_per_broker_config(&self, name: &str) -> bool {
        self.per_broker.contains(name)
    }
    fn topic_changed(&self, change: TopicChange) {
        self.topic_changes.lock().unwrap().push(change);
    }
    fn broker_config_changed(&self, node_id: Option<i32>, change: ConfigChange) {
        self.config_changes.lock().unwrap().push((node_id, change));
    }
}

/// Real tansu brokers (kmesos ids 1..=n), each behind a front as the
/// executor runs them, and the endpoint the fronts send cluster requests to.
pub struct TestCluster {
    pub brokers: Vec<TansuBroker>,
    pub fronts: Vec<Front>,
    pub backend: Arc<RecordingBackend>,
    pub endpoint: AdminEndpoint,
}

impl TestCluster {
    pub async fn start(n: usize) -> TestCluster {
        let mut brokers = Vec::new();
        for _ in 0..n {
            brokers.push(TansuBroker::start().await);
        }
        let front_ports: Vec<u16> = brokers.iter().map(|_| free_port()).collect();
        let live: Vec<LiveBroker> = front_ports
            .iter()
            .zip(1..)
            .map(|(port, id)| LiveBroker {
                node_id: id,
                host: "127.0.0.1".into(),
                port: *port,
                rack: None,
            })
            .collect();
        let backend = Arc::new(RecordingBackend {
            kind: ClusterKind::Tansu,
            broker_ids: live.iter().map(|b| b.node_id).collect(),
            brokers: Mutex::new(live),
            topic_changes: Mutex::new(Vec::new()),
            config_changes: Mutex::new(Vec::new()),
            dynamic: [
                "log.retention.ms",
                "log.cleaner.threads",
                "message.max.bytes",
            ]
            .into_iter()
            .collect(),
            per_broker: ["follower.replication.throttled.rate"]
                .into_iter()
                .collect(),
        });
        let endpoint = AdminEndpoint::start(EndpointConfig::new("127.0.0.1:0"), backend.clone())
            .await
            .unwrap();
        let mut fronts = Vec::new();
        for (broker, port) in brokers.iter().zip(front_ports) {
            let plan = FrontPlan {
                listen: SocketAddr::from(([127, 0, 0, 1], port)),
                broker: broker.addr().parse().unwrap(),
                endpoint: endpoint.local_addr().to_string(),
            };
            fronts.push(Front::start(plan).await.unwrap());
        }
        TestCluster {
            brokers,
            fronts,
            backend,
            endpoint,
        }
    }

    /// Where clients reach broker `id` (its front).
    pub fn broker_addr(&self, id: i32) -> String {
        let index = usize::try_from(id - 1).unwrap();
        self.fronts[index].local_addr().to_string()
    }

    pub fn bootstrap(&self) -> String {
        self.endpoint.local_addr().to_string()
    }
}

/// A topic with `partitions` partitions, unreplicated, no config overrides.
pub fn new_topic(name: &str, partitions: i32) -> NewTopic {
    NewTopic {
        name: name.to_string(),
        partitions,
        replication_factor: 1,
        configs: vec![],
    }
}

/// kmesos's own client connected to `addr` (a broker or the endpoint),
/// having created `names` with `partitions` partitions each; a topic that
/// cannot be created fails the test.
pub async fn connect_with_topics(addr: &str, names: &[&str], partitions: i32) -> BrokerConnection {
    let mut admin = BrokerConnection::connect(addr, WAIT).await.unwrap();
    let topics: Vec<NewTopic> = names.iter().map(|n| new_topic(n, partitions)).collect();
    for outcome in admin.create_topics(&topics, false).await.unwrap() {
        if let Err(e) = outcome.result {
            panic!("creating topic {}: {e}", outcome.name);
        }
    }
    admin
}

/// Runs a client script from tests/clients with the given arguments, failing
/// the test with its output if it fails or outlives `WAIT`.
pub async fn run_client_script(script: &str, args: &[&str]) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(script);
    let mut command = tokio::process::Command::new(python());
    command.arg(path).args(args).kill_on_drop(true);
    finish(command, script).await
}

/// Runs a command to completion within `WAIT`, returning its stdout.
pub async fn finish(mut command: tokio::process::Command, what: &str) -> String {
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let output: Output = tokio::time::timeout(WAIT * 2, command.output())
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish"))
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{what} failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// A raw framed connection, for requests sent as a standard client sends
/// them (client id `frames-test`, not kmesos's own).
pub type Frames =
    tokio_util::codec::Framed<tokio::net::TcpStream, tokio_util::codec::LengthDelimitedCodec>;

/// A raw framed connection to `addr` (the endpoint or a broker's front).
pub async fn frames(addr: &str) -> Frames {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio_util::codec::Framed::new(stream, kmesos_kafka::frame::codec(1 << 20))
}

/// Sends `request` at `version` and returns its response, checking that it
/// answers `correlation_id`.
pub async fn call<R: kafka_protocol::protocol::Request>(
    frames: &mut Frames,
    request: &R,
    version: i16,
    correlation_id: i32,
) -> R::Response {
    use futures::{SinkExt, StreamExt};
    let header = kafka_protocol::messages::RequestHeader::default()
        .with_request_api_key(R::KEY)
        .with_request_api_version(version)
        .with_correlation_id(correlation_id)
        .with_client_id(Some(kafka_protocol::protocol::StrBytes::from_static_str(
            "frames-test",
        )));
    let frame = kmesos_kafka::frame::encode_request(&header, request, version).unwrap();
    frames.send(frame).await.unwrap();
    let payload = tokio::time::timeout(WAIT, frames.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let (answered, response) =
        kmesos_kafka::frame::decode_response::<R>(payload.freeze(), version).unwrap();
    assert_eq!(answered, correlation_id);
    response
}
