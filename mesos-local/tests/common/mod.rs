//! Shared pieces of the `mesos-local` tests: a cluster config with free
//! ports and quick retries, a minimal framework on the scheduler client that
//! acknowledges what it must, the test executor binary served over HTTP (so
//! LAUNCH really fetches it), and task builders. Deadlines are generous: the
//! test machine is loaded.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use kmesos_mesos_local::{LocalCluster, LocalConfig};
use mesos::codec::Encoding;
use mesos::proto::command_info::Uri;
use mesos::proto::{
    value, AgentId, CommandInfo, ExecutorId, ExecutorInfo, FrameworkId, FrameworkInfo, Offer,
    Resource, TaskId, TaskInfo, TaskState, TaskStatus,
};
use mesos::scheduler::{
    long_running_framework, Events, Scheduler, SchedulerConfig, SchedulerEvent,
};

pub const DEADLINE: Duration = Duration::from_secs(60);

/// `agents` agents on 127.0.0.2, 127.0.0.3, ... with free ports, fast allocation and retries.
pub fn config(agents: usize, work_dir: &Path) -> LocalConfig {
    let mut c = LocalConfig::with_agents(
        "127.0.0.1:0".parse().unwrap(),
        agents,
        work_dir.to_path_buf(),
    );
    // Agents keep their own loopback IPs (127.0.0.2, ...), as in `kmesos dev`.
    for a in &mut c.agents {
        a.port = 0;
    }
    c.allocation_interval_secs = 0.2;
    c.status_update_retry_secs = 1.0;
    c.executor_shutdown_grace_secs = 2.0;
    c
}

pub async fn start(agents: usize, work_dir: &Path) -> LocalCluster {
    LocalCluster::start(config(agents, work_dir))
        .await
        .expect("cluster starts")
}

/// The test executor built from `examples/test_executor.rs`.
pub fn executor_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let binary = profile_dir.join("examples").join("test_executor");
    assert!(
        binary.is_file(),
        "{} not built (cargo test builds examples)",
        binary.display()
    );
    binary
}

/// Serves `file` at `http://127.0.0.1:<port>/<name>` for the agent's fetcher.
pub async fn serve_file(file: PathBuf, name: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let route = format!("/{name}");
    let app = axum::Router::new().route(
        &route,
        axum::routing::get(move || {
            let file = file.clone();
            async move { tokio::fs::read(file).await.unwrap_or_default() }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    format!("http://{addr}/{name}")
}

/// The test framework: role `kafka`, principal `kmesos`, the capabilities
/// of a long-running service, and `failover_secs` of failover timeout.
pub fn framework_info(id: Option<FrameworkId>, failover_secs: u64) -> FrameworkInfo {
    let mut info = long_running_framework(
        "root",
        "local-test",
        vec!["kafka".into()],
        Duration::from_secs(failover_secs),
    );
    info.principal = Some("kmesos".into());
    info.id = id;
    info
}

/// A framework on the scheduler client that acknowledges every reliable update.
pub struct TestFramework {
    pub scheduler: Scheduler,
    pub events: Events,
    pub framework_id: Option<FrameworkId>,
    /// Events received while waiting for others (updates of different tasks
    /// arrive in any order).
    backlog: Vec<SchedulerEvent>,
}

impl TestFramework {
    pub async fn subscribe(master: &str, id: Option<FrameworkId>) -> TestFramework {
        Self::subscribe_with(master, framework_info(id, 3600), Encoding::Json).await
    }

    /// Subscribes as `info`, speaking `encoding` for calls and events.
    pub async fn subscribe_with(
        master: &str,
        info: FrameworkInfo,
        encoding: Encoding,
    ) -> TestFramework {
        let mut config = SchedulerConfig::new(master, info);
        config.encoding = encoding;
        Self::subscribe_config(config).await
    }

    /// Subscribes with a scheduler client configured as `config`.
    pub async fn subscribe_config(config: SchedulerConfig) -> TestFramework {
        let (scheduler, events) = Scheduler::subscribe(config).expect("client");
        let mut framework = TestFramework {
            scheduler,
            events,
            framework_id: None,
            backlog: Vec::new(),
        };
        let subscribed = framework
            .next(|e| matches!(e, SchedulerEvent::Subscribed { .. }))
            .await;
        if let SchedulerEvent::Subscribed { framework_id, .. } = subscribed {
            framework.framework_id = Some(framework_id);
        }
        framework
    }

    /// The next event `wanted` accepts; reliable updates met on the way are acknowledged.
    pub async fn next(&mut self, wanted: impl Fn(&SchedulerEvent) -> bool) -> SchedulerEvent {
        if let Some(i) = self.backlog.iter().position(&wanted) {
            return self.backlog.remove(i);
        }
        let found = tokio::time::timeout(DEADLINE, async {
            loop {
                let event = self.events.recv().await.expect("event stream ended");
                if let SchedulerEvent::Update(status) = &event {
                    self.scheduler
                        .acknowledge(status)
                        .await
                        .expect("acknowledge");
                }
                if wanted(&event) {
                    return event;
                }
                // Shown when a test fails: what arrived instead.
                eprintln!("kept for later: {event:?}");
                if !matches!(event, SchedulerEvent::Heartbeat) {
                    self.backlog.push(event);
                }
            }
        })
        .await;
        found.expect("expected event within the deadline")
    }

    pub async fn offer(&mut self) -> Offer {
        match self
            .next(|e| matches!(e, SchedulerEvent::Offers(o) if !o.is_empty()))
            .await
        {
            SchedulerEvent::Offers(mut offers) => {
                let first = offers.remove(0);
                if !offers.is_empty() {
                    self.backlog.push(SchedulerEvent::Offers(offers));
                }
                first
            }
            _ => unreachable!(),
        }
    }

    /// The next offer satisfying `wanted`, declining others for a short while.
    pub async fn offer_where(&mut self, wanted: impl Fn(&Offer) -> bool) -> Offer {
        loop {
            let offer = self.offer().await;
            if wanted(&offer) {
                return offer;
            }
            let filters = mesos::proto::Filters {
                refuse_seconds: Some(0.5),
            };
            self.scheduler
                .decline(vec![offer.id.clone().unwrap()], Some(filters))
                .await
                .unwrap();
        }
    }

    /// Launches the test executor (fetched from `url`) with one task on the
    /// next offer; returns that offer and the task's TASK_RUNNING status.
    pub async fn launch_executor_task(&mut self, url: &str, task_id: &str) -> (Offer, TaskStatus) {
        let offer = self.offer().await;
        let resources = allocated(vec![scalar("cpus", 0.5), scalar("mem", 64.0)], &offer);
        let task = executor_task(&offer, task_id, url, resources);
        let launch = mesos::scheduler::operations::launch(vec![task]);
        self.scheduler
            .accept(vec![offer.id.clone().unwrap()], vec![launch], None)
            .await
            .unwrap();
        let running = self.update(task_id, TaskState::TaskRunning).await;
        (offer, running)
    }

    /// Launches a command task running `line` on the next offer.
    pub async fn launch_command_task(&mut self, task_id: &str, line: &str) -> Offer {
        let offer = self.offer().await;
        let mut task = command_task(&offer, task_id, line);
        task.resources = allocated(task.resources.clone(), &offer);
        let launch = mesos::scheduler::operations::launch(vec![task]);
        self.scheduler
            .accept(vec![offer.id.clone().unwrap()], vec![launch], None)
            .await
            .unwrap();
        offer
    }

    /// Waits for `task` to reach `state`, returning the status.
    pub async fn update(&mut self, task: &str, state: TaskState) -> TaskStatus {
        let event = self
            .next(|e| matches!(e, SchedulerEvent::Update(s) if task_of(s) == task && s.state() == state))
            .await;
        match event {
            SchedulerEvent::Update(status) => status,
            _ => unreachable!(),
        }
    }
}

pub fn task_of(status: &TaskStatus) -> &str {
    status
        .task_id
        .as_ref()
        .map(|t| t.value.as_str())
        .unwrap_or_default()
}

pub fn scalar(name: &str, value: f64) -> Resource {
    Resource {
        name: name.into(),
        r#type: value::Type::Scalar as i32,
        scalar: Some(value::Scalar { value }),
        ..Default::default()
    }
}

/// A task for the test executor, fetched from `executor_url`, using `resources`.
pub fn executor_task(
    offer: &Offer,
    task_id: &str,
    executor_url: &str,
    resources: Vec<Resource>,
) -> TaskInfo {
    TaskInfo {
        name: task_id.into(),
        task_id: Some(TaskId {
            value: task_id.into(),
        }),
        agent_id: offer.agent_id.clone(),
        resources,
        executor: Some(ExecutorInfo {
            executor_id: Some(ExecutorId {
                value: format!("{task_id}-executor"),
            }),
            command: Some(CommandInfo {
                uris: vec![Uri {
                    value: executor_url.into(),
                    executable: Some(true),
                    output_file: Some("test-executor".into()),
                    ..Default::default()
                }],
                value: Some("./test-executor".into()),
                shell: Some(false),
                arguments: vec!["test-executor".into()],
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A command task (built-in command executor) running `line` in a shell.
pub fn command_task(offer: &Offer, task_id: &str, line: &str) -> TaskInfo {
    TaskInfo {
        name: task_id.into(),
        task_id: Some(TaskId {
            value: task_id.into(),
        }),
        agent_id: offer.agent_id.clone(),
        resources: vec![scalar("cpus", 0.1), scalar("mem", 32.0)],
        command: Some(CommandInfo {
            value: Some(line.into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Task resources with the offer's allocation role, so they are contained in it.
pub fn allocated(mut resources: Vec<Resource>, offer: &Offer) -> Vec<Resource> {
    for r in &mut resources {
        r.allocation_info = offer.allocation_info.clone();
    }
    resources
}

pub fn agent_of(offer: &Offer) -> AgentId {
    offer.agent_id.clone().unwrap()
}

/// POSTs to the cluster's test hook.
pub async fn hook(master_url: &str, agent: &str, action: &str) -> reqwest::StatusCode {
    let url = format!("{master_url}/test/agents/{agent}/{action}");
    reqwest::Client::new()
        .post(url)
        .send()
        .await
        .expect("hook request")
        .status()
}

/// The pid the first task wrote with `echo $$ > pid` into its sandbox; the
/// file may follow TASK_RUNNING by a moment.
pub async fn task_pid(cluster: &LocalCluster) -> String {
    let state = cluster.state().await.expect("state");
    let sandbox = state["tasks"][0]["sandbox"]
        .as_str()
        .expect("the task's sandbox in /master/state");
    let pid_file = Path::new(sandbox).join("pid");
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let pid = std::fs::read_to_string(&pid_file).unwrap_or_default();
        if pid.ends_with('\n') {
            return pid.trim().to_string();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no pid file in {sandbox}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until process `pid` no longer exists.
pub async fn wait_gone(pid: &str) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while Path::new(&format!("/proc/{pid}")).exists() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "process {pid} is still alive"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
