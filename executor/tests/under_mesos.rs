//! The executor binary under the embedded Mesos cluster (`mesos-local`),
//! driven by a framework on the real scheduler client: a LAUNCH with the
//! executor and tansu fetched into the sandbox and the launch contract in
//! `TaskInfo.data`. The statuses the framework sees are checked against what
//! a real Kafka client sees of the broker.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{free_port, kafka_client as client, tansu_binary};
use kmesos_executor::launch::{
    new_cluster_id, BrokerProgram, LaunchSpec, TansuProgram, LAUNCH_VERSION,
};
use mesos::proto::command_info::Uri;
use mesos::proto::offer::Operation;
use mesos::proto::{
    value, CommandInfo, ExecutorId, ExecutorInfo, KillPolicy, Offer, Resource, TaskId, TaskInfo,
    TaskState, TaskStatus,
};
use mesos::scheduler::{
    long_running_framework, operations, Events, Scheduler, SchedulerConfig, SchedulerEvent,
};
use mesos_local::{LocalCluster, LocalConfig};

const DEADLINE: Duration = Duration::from_secs(90);
const ROLE: &str = "kafka";
const PRINCIPAL: &str = "kmesos-test";

/// One agent on 127.0.0.1 with its `rack` attribute, quick allocation, and
/// one free port to offer (tests run in parallel on the same address).
async fn cluster(work_dir: &Path) -> LocalCluster {
    let mut config =
        LocalConfig::with_agents(([127, 0, 0, 1], 0).into(), 1, work_dir.to_path_buf());
    let port = u64::from(free_port());
    for agent in &mut config.agents {
        agent.hostname = "127.0.0.1".into();
        agent.port = 0;
        agent.resources.ports = (port, port);
    }
    config.allocation_interval_secs = 0.2;
    config.status_update_retry_secs = 1.0;
    LocalCluster::start(config)
        .await
        .unwrap_or_else(|e| panic!("the embedded cluster starts: {e}"))
}

/// A framework that acknowledges every update it sees.
struct Framework {
    scheduler: Scheduler,
    events: Events,
}

impl Framework {
    async fn subscribe(master: &str) -> Framework {
        let mut info = long_running_framework(
            "root",
            "executor-test",
            vec![ROLE.into()],
            Duration::from_secs(600),
        );
        info.principal = Some(PRINCIPAL.into());
        let (scheduler, events) = Scheduler::subscribe(SchedulerConfig::new(master, info))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut framework = Framework { scheduler, events };
        framework
            .next(|e| matches!(e, SchedulerEvent::Subscribed { .. }))
            .await;
        framework
    }

    async fn next(&mut self, wanted: impl Fn(&SchedulerEvent) -> bool) -> SchedulerEvent {
        let found = tokio::time::timeout(DEADLINE, async {
            loop {
                let event = self
                    .events
                    .recv()
                    .await
                    .unwrap_or_else(|| panic!("event stream ended"));
                if let SchedulerEvent::Update(status) = &event {
                    self.scheduler
                        .acknowledge(status)
                        .await
                        .unwrap_or_else(|e| panic!("{e}"));
                }
                if wanted(&event) {
                    return event;
                }
            }
        });
        found
            .await
            .unwrap_or_else(|_| panic!("no expected event within {DEADLINE:?}"))
    }

    async fn offer(&mut self) -> Offer {
        match self
            .next(|e| matches!(e, SchedulerEvent::Offers(o) if !o.is_empty()))
            .await
        {
            SchedulerEvent::Offers(mut offers) => offers.remove(0),
            other => panic!("not an offer: {other:?}"),
        }
    }

    /// The next update of `task`; fails if it is terminal and not `state`.
    async fn update(&mut self, task: &str, state: TaskState) -> TaskStatus {
        let event = self
            .next(|e| matches!(e, SchedulerEvent::Update(s) if task_of(s) == task && (s.state() == state || s.state().is_terminal())))
            .await;
        match event {
            SchedulerEvent::Update(status) if status.state() == state => status,
            other => panic!("expected {state:?} for {task}, got {other:?}"),
        }
    }

    /// Accepts `offer` for `operations`, then launching `task`.
    async fn launch(&mut self, offer: &Offer, mut operations: Vec<Operation>, task: TaskInfo) {
        let offer_id = offer.id.clone().unwrap_or_default();
        operations.push(operations::launch(vec![task]));
        self.scheduler
            .accept(vec![offer_id], operations, None)
            .await
            .unwrap_or_else(|e| panic!("accept: {e}"));
    }

    /// The next offer holding the persistent volume `id`, declining others.
    async fn offer_with_volume(&mut self, id: &str) -> (Offer, Resource) {
        loop {
            let offer = self.offer().await;
            let volume = offer
                .resources
                .iter()
                .find(|r| volume_id(r) == Some(id))
                .cloned();
            if let Some(volume) = volume {
                return (offer, volume);
            }
            let filters = mesos::proto::Filters {
                refuse_seconds: Some(0.2),
            };
            let offer_id = offer.id.clone().unwrap_or_default();
            self.scheduler
                .decline(vec![offer_id], Some(filters))
                .await
                .unwrap_or_else(|e| panic!("decline: {e}"));
        }
    }
}

fn volume_id(resource: &Resource) -> Option<&str> {
    let persistence = resource.disk.as_ref()?.persistence.as_ref()?;
    Some(persistence.id.as_str())
}

/// `mib` of disk reserved for the test role; with `volume`, that disk as a
/// persistent volume mounted at `data` in the sandbox.
fn reserved_disk(offer: &Offer, mib: f64, volume: Option<&str>) -> Resource {
    use mesos::proto::resource::{disk_info::Persistence, DiskInfo, ReservationInfo};
    Resource {
        name: "disk".into(),
        r#type: value::Type::Scalar as i32,
        scalar: Some(value::Scalar { value: mib }),
        role: Some(ROLE.into()),
        reservation: Some(ReservationInfo {
            principal: Some(PRINCIPAL.into()),
            ..Default::default()
        }),
        allocation_info: offer.allocation_info.clone(),
        disk: volume.map(|id| DiskInfo {
            persistence: Some(Persistence {
                id: id.into(),
                principal: Some(PRINCIPAL.into()),
            }),
            volume: Some(mesos::proto::Volume {
                container_path: "data".into(),
                mode: mesos::proto::volume::Mode::Rw as i32,
                ..Default::default()
            }),
        }),
        ..Default::default()
    }
}

fn task_of(status: &TaskStatus) -> &str {
    status
        .task_id
        .as_ref()
        .map(|t| t.value.as_str())
        .unwrap_or_default()
}

/// The first port of the offer's `ports` ranges.
fn offered_port(offer: &Offer) -> u16 {
    offer
        .resources
        .iter()
        .filter(|r| r.name == "ports")
        .filter_map(|r| r.ranges.as_ref())
        .flat_map(|ranges| ranges.range.iter())
        .map(|range| range.begin)
        .next()
        .and_then(|port| u16::try_from(port).ok())
        .unwrap_or_else(|| panic!("no ports in {offer:?}"))
}

fn rack(offer: &Offer) -> Option<String> {
    offer
        .attributes
        .iter()
        .find(|a| a.name == "rack")
        .and_then(|a| a.text.as_ref())
        .map(|t| t.value.clone())
}

fn resources(offer: &Offer, port: u16) -> Vec<Resource> {
    let scalar = |name: &str, value: f64| Resource {
        name: name.into(),
        r#type: value::Type::Scalar as i32,
        scalar: Some(value::Scalar { value }),
        allocation_info: offer.allocation_info.clone(),
        ..Default::default()
    };
    let ports = Resource {
        name: "ports".into(),
        r#type: value::Type::Ranges as i32,
        ranges: Some(value::Ranges {
            range: vec![value::Range {
                begin: port.into(),
                end: port.into(),
            }],
        }),
        allocation_info: offer.allocation_info.clone(),
        ..Default::default()
    };
    vec![scalar("cpus", 0.5), scalar("mem", 128.0), ports]
}

/// A file the agent's fetcher copies into the sandbox as `name`, executable.
fn fetched(path: &Path, name: &str) -> Uri {
    Uri {
        value: path.display().to_string(),
        executable: Some(true),
        output_file: Some(name.into()),
        ..Default::default()
    }
}

/// A broker task: the executor and tansu fetched into the sandbox, `data`
/// as the launch contract.
fn broker_task(offer: &Offer, task_id: &str, port: u16, data: Vec<u8>) -> TaskInfo {
    let executor = PathBuf::from(env!("CARGO_BIN_EXE_kmesos-executor"));
    TaskInfo {
        name: task_id.into(),
        task_id: Some(TaskId {
            value: task_id.into(),
        }),
        agent_id: offer.agent_id.clone(),
        resources: resources(offer, port),
        data: Some(data),
        kill_policy: Some(KillPolicy {
            grace_period: Some(mesos::proto::DurationInfo {
                nanoseconds: 20_000_000_000,
            }),
        }),
        executor: Some(ExecutorInfo {
            executor_id: Some(ExecutorId {
                value: format!("{task_id}-executor"),
            }),
            command: Some(CommandInfo {
                uris: vec![
                    fetched(&executor, "kmesos-executor"),
                    fetched(&tansu_binary(), "tansu"),
                ],
                value: Some("./kmesos-executor".into()),
                shell: Some(false),
                arguments: vec!["kmesos-executor".into()],
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn sha256_of(path: &Path) -> String {
    use sha2::Digest;
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    hex::encode(sha2::Sha256::digest(bytes))
}

fn contract(offer: &Offer, port: u16) -> LaunchSpec {
    LaunchSpec {
        version: LAUNCH_VERSION,
        cluster: "under-mesos".into(),
        cluster_id: new_cluster_id(),
        broker_id: 1,
        port,
        advertised_host: offer.hostname.clone(),
        rack: rack(offer),
        properties: Default::default(),
        data_dir: "data".into(),
        broker: BrokerProgram::Tansu(TansuProgram {
            binary: "tansu".into(),
            sha256: Some(sha256_of(&tansu_binary())),
            endpoint: None,
        }),
    }
}

/// The pid of the tansu process listening on `port` (from /proc).
fn broker_pid(port: u16) -> Option<i32> {
    let needle = format!("tcp://0.0.0.0:{port}");
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            (cmdline.contains("broker") && cmdline.contains(&needle)).then_some(pid)
        })
}

/// How many executor processes run with their sandbox under `work`.
fn executors_in(work: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter(|entry| {
            let exe = std::fs::read_link(entry.path().join("exe")).unwrap_or_default();
            let cwd = std::fs::read_link(entry.path().join("cwd")).unwrap_or_default();
            exe.ends_with("kmesos-executor") && cwd.starts_with(work)
        })
        .count()
}

/// One agent's cluster, a framework and the offer it got: what each test
/// starts from.
struct Setup {
    work: tempfile::TempDir,
    cluster: LocalCluster,
    framework: Framework,
    offer: Offer,
    port: u16,
}

impl Setup {
    async fn new() -> Setup {
        let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let cluster = cluster(work.path()).await;
        let mut framework = Framework::subscribe(&cluster.master_url()).await;
        let offer = framework.offer().await;
        let port = offered_port(&offer);
        Setup {
            work,
            cluster,
            framework,
            offer,
            port,
        }
    }

    fn contract(&self) -> LaunchSpec {
        contract(&self.offer, self.port)
    }

    /// Launches `task` with `data` and waits for `state`.
    async fn launch(&mut self, task: &str, data: Vec<u8>, state: TaskState) -> TaskStatus {
        let info = broker_task(&self.offer, task, self.port, data);
        self.framework.launch(&self.offer, Vec::new(), info).await;
        self.framework.update(task, state).await
    }

    /// Kills `task` through the master and waits for TASK_KILLED.
    async fn kill(&mut self, task: &str) -> TaskStatus {
        let task_id = TaskId { value: task.into() };
        let agent = self.offer.agent_id.clone();
        let scheduler = &self.framework.scheduler;
        scheduler
            .kill(task_id, agent, None)
            .await
            .unwrap_or_else(|e| panic!("kill: {e}"));
        self.framework.update(task, TaskState::TaskKilled).await
    }

    /// After a terminal update: the broker and the executor are gone.
    async fn assert_all_stopped(self) {
        assert_eq!(broker_pid(self.port), None, "no broker is left running");
        let deadline = tokio::time::Instant::now() + DEADLINE;
        while executors_in(self.work.path()) > 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the executor did not exit"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.cluster.shutdown().await;
    }
}

fn bytes(spec: &LaunchSpec) -> Vec<u8> {
    spec.to_bytes().unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_launched_broker_runs_serves_clients_and_is_killed_gracefully() {
    let mut setup = Setup::new().await;
    let spec = setup.contract();
    assert_eq!(
        spec.rack.as_deref(),
        Some("r1"),
        "the agent's rack attribute reaches the contract"
    );
    let starting = setup
        .launch("broker-1", bytes(&spec), TaskState::TaskStarting)
        .await;
    assert!(
        starting.message().contains(&spec.endpoint()),
        "{starting:?}"
    );
    let running = setup
        .framework
        .update("broker-1", TaskState::TaskRunning)
        .await;
    let endpoint = String::from_utf8(running.data.clone().unwrap_or_default()).unwrap_or_default();
    assert_eq!(endpoint, spec.endpoint(), "the endpoint is the status data");
    assert!(running.message().contains(&endpoint), "{running:?}");

    let message = format!("through mesos {}", uuid::Uuid::new_v4());
    client(&["produce", &endpoint, "mesos-topic", &message]).await;
    assert!(client(&["consume", &endpoint, "mesos-topic"])
        .await
        .contains(&message));

    let killed = setup.kill("broker-1").await;
    assert!(
        killed.message().contains("exited with code 0"),
        "a graceful stop: {killed:?}"
    );
    setup.assert_all_stopped().await;
}

#[tokio::test]
async fn a_broker_killed_behind_the_executors_back_fails_the_task() {
    let mut setup = Setup::new().await;
    let spec = setup.contract();
    setup
        .launch("broker-2", bytes(&spec), TaskState::TaskRunning)
        .await;

    let pid =
        broker_pid(setup.port).unwrap_or_else(|| panic!("no tansu process on port {}", setup.port));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap_or_else(|e| panic!("kill {pid}: {e}"));
    let failed = setup
        .framework
        .update("broker-2", TaskState::TaskFailed)
        .await;
    assert!(
        failed.message().contains("killed by signal 9"),
        "{failed:?}"
    );
    assert_eq!(
        failed.source(),
        mesos::proto::task_status::Source::SourceExecutor,
        "{failed:?}"
    );
    setup.assert_all_stopped().await;
}

#[tokio::test]
async fn launch_data_that_is_not_a_contract_fails_the_task_with_the_reason() {
    let mut setup = Setup::new().await;
    let mut json = serde_json::to_value(setup.contract()).unwrap_or_else(|e| panic!("{e}"));
    json["broker"]["kind"] = "redpanda".into();
    let data = json.to_string().into_bytes();
    let failed = setup.launch("broker-3", data, TaskState::TaskFailed).await;
    assert!(failed.message().contains("broker.kind"), "{failed:?}");
    assert_eq!(
        failed.reason(),
        mesos::proto::task_status::Reason::ReasonTaskInvalid
    );
    setup.assert_all_stopped().await;
}

#[tokio::test]
async fn an_executor_shut_down_by_the_framework_stops_its_broker_and_exits() {
    let mut setup = Setup::new().await;
    let spec = setup.contract();
    setup
        .launch("broker-4", bytes(&spec), TaskState::TaskRunning)
        .await;

    let agent = setup.offer.agent_id.clone().unwrap_or_default();
    let executor = ExecutorId {
        value: "broker-4-executor".into(),
    };
    setup
        .framework
        .scheduler
        .shutdown(executor, agent)
        .await
        .unwrap_or_else(|e| panic!("shutdown: {e}"));
    let killed = setup
        .framework
        .update("broker-4", TaskState::TaskKilled)
        .await;
    assert_eq!(
        killed.source(),
        mesos::proto::task_status::Source::SourceExecutor,
        "{killed:?}"
    );
    setup.assert_all_stopped().await;
}

#[tokio::test]
async fn a_broker_relaunched_on_its_persistent_volume_keeps_its_data() {
    let mut setup = Setup::new().await;
    let spec = setup.contract();
    let (offer, port) = (setup.offer.clone(), setup.port);
    let volume = reserved_disk(&offer, 64.0, Some("broker-5-data"));
    let mut task = broker_task(&offer, "broker-5", port, bytes(&spec));
    task.resources.push(volume.clone());
    let prepare = vec![
        operations::reserve(vec![reserved_disk(&offer, 64.0, None)]),
        operations::create(vec![volume]),
    ];
    setup.framework.launch(&offer, prepare, task).await;
    setup
        .framework
        .update("broker-5", TaskState::TaskRunning)
        .await;
    let endpoint = spec.endpoint();
    let message = format!("kept on the volume {}", uuid::Uuid::new_v4());
    client(&["produce", &endpoint, "durable", &message]).await;
    setup.kill("broker-5").await;

    // A new task, a new executor and sandbox: only the volume is the same.
    let (offer, volume) = setup.framework.offer_with_volume("broker-5-data").await;
    let mut task = broker_task(&offer, "broker-5b", port, bytes(&spec));
    task.resources.push(volume);
    setup.framework.launch(&offer, Vec::new(), task).await;
    setup
        .framework
        .update("broker-5b", TaskState::TaskRunning)
        .await;
    let consumed = client(&["consume", &endpoint, "durable"]).await;
    assert!(
        consumed.contains(&message),
        "the relaunched broker has the message: {consumed}"
    );
    setup.kill("broker-5b").await;
    setup.assert_all_stopped().await;
}

/// The parent of `pid`, from /proc (field 4 of `stat`, after the command).
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, after_command) = stat.rsplit_once(')')?;
    after_command.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test]
async fn a_broker_does_not_outlive_its_executor() {
    let mut setup = Setup::new().await;
    let spec = setup.contract();
    setup
        .launch("broker-6", bytes(&spec), TaskState::TaskRunning)
        .await;
    let broker = broker_pid(setup.port).unwrap_or_else(|| panic!("no broker on {}", setup.port));
    let executor = parent_of(broker).unwrap_or_else(|| panic!("no parent of {broker}"));

    // However the executor dies, its broker must not live on holding the
    // port and the volume (a later launch would find both taken).
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(executor),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap_or_else(|e| panic!("kill {executor}: {e}"));
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while broker_pid(setup.port).is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the broker outlived its executor"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    setup.cluster.shutdown().await;
}
