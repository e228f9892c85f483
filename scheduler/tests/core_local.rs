//! The core against the embedded Mesos master and agents (`mesos-local`),
//! speaking the real protocol through the `mesos` scheduler client: the
//! master takes the core's RESERVE, CREATE and LAUNCH; the executor the agent
//! fetches is the file the scheduler announced (its sha256 is checked before
//! it runs); when it fails, the core relaunches the broker on the volume the
//! master offers back, and acknowledges every update so none is resent.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use engine::state::State;
use kmesos_scheduler::core::{
    Artifact, Command, Core, CoreConfig, CoreState, Event, MesosCall, Program,
};
use mesos::proto::offer::operation::Type as Op;
use mesos::proto::task_status::Reason;
use mesos::proto::{TaskState, TaskStatus};
use mesos::scheduler::{long_running_framework, Scheduler, SchedulerConfig, SchedulerEvent};
use mesos_local::{LocalCluster, LocalConfig};
use sha2::{Digest, Sha256};

const DEADLINE: Duration = Duration::from_secs(90);

/// An "executor" that fails at once: enough to see the agent run it.
const FAILING_EXECUTOR: &str = "#!/bin/sh\necho 'test executor: failing on purpose' >&2\nexit 3\n";

const ONE_BROKER: &str = r#"
cluster "c" {
  kafka {
    kind = "tansu"
  }
  broker "0" {
    cpus = 0.5
    mem  = 256
    disk = 64
    port = "31000..31999"
    failover {
      delay     = "1s"
      max_delay = "2s"
    }
    stickiness = "10m"
  }
}
"#;

async fn serve(body: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/kmesos-executor",
        axum::routing::get(move || async move { body }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    format!("http://{addr}/kmesos-executor")
}

/// Carries a core command out: Mesos calls through the daemon's own
/// translation; the rest has no part in this test.
async fn carry_out(scheduler: &Scheduler, command: Command) {
    if let Command::Mesos(call) = command {
        kmesos_scheduler::daemon::send_mesos_call(scheduler, call)
            .await
            .expect("the master takes the call");
    }
}

/// What one run saw: the operation types of each ACCEPT, the updates, and
/// the executors' stderr files.
struct Run {
    accepts: Vec<Vec<Op>>,
    statuses: Vec<TaskStatus>,
    stderr: Vec<String>,
}

/// Runs one broker on one agent until it was launched twice and failed
/// twice (or the deadline); `announced` is the executor sha256 the core is told.
async fn run(announced: Option<&str>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let mut local =
        LocalConfig::with_agents("127.0.0.1:0".parse().unwrap(), 1, dir.path().to_path_buf());
    for agent in &mut local.agents {
        agent.hostname = "127.0.0.1".into();
        agent.port = 0;
    }
    local.allocation_interval_secs = 0.2;
    local.status_update_retry_secs = 1.0;
    let cluster = LocalCluster::start(local)
        .await
        .expect("the local cluster starts");

    let uri = serve(FAILING_EXECUTOR).await;
    let actual = hex::encode(Sha256::digest(FAILING_EXECUTOR.as_bytes()));
    let sha256 = announced.map_or(actual, str::to_string);
    let config = CoreConfig::new(
        "kafka",
        Artifact { uri, sha256 },
        Program::Installed("/bin/true".into()),
    );
    let mut core = Core::new(config, CoreState::from_state(State::new("lineage-local")));

    let framework = long_running_framework(
        "root",
        "kmesos-core-test",
        vec!["kafka".into()],
        Duration::from_secs(3600),
    );
    let (scheduler, mut events) =
        Scheduler::subscribe(SchedulerConfig::new(cluster.master_url(), framework))
            .expect("client");

    let mut accepts: Vec<Vec<Op>> = Vec::new();
    let mut statuses: Vec<TaskStatus> = Vec::new();
    let mut applied = false;
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    while started.elapsed() < DEADLINE {
        let event = tokio::select! {
            e = events.recv() => match e.expect("the subscription lives") {
                SchedulerEvent::Subscribed { framework_id, .. } => Event::Subscribed { framework_id: framework_id.value },
                SchedulerEvent::Offers(offers) => Event::Offers(offers),
                SchedulerEvent::Rescind(id) => Event::Rescinded(id),
                SchedulerEvent::Update(status) => {
                    statuses.push(status.clone());
                    Event::StatusUpdate(status)
                }
                SchedulerEvent::Error(e) => panic!("master error: {e}"),
                _ => continue,
            },
            _ = tick.tick() => Event::Tick,
        };
        let subscribed = matches!(event, Event::Subscribed { .. });
        let mut commands = core.handle(event, SystemTime::now());
        if subscribed && !applied {
            applied = true;
            let files = [engine::SourceFile::new("main.hcl", ONE_BROKER)];
            let config = engine::load(&files, &engine::Vars::new()).expect("valid HCL");
            let plan = engine::diff(&config, &core.state().state).expect("a plan");
            let event = Event::ApplySubmitted {
                plan: Box::new(plan),
                config: Box::new(config),
                holder: "test".into(),
                allow_unavailable: false,
            };
            commands.extend(core.handle(event, SystemTime::now()));
        }
        for command in commands {
            if let Command::Mesos(MesosCall::Accept { operations, .. }) = &command {
                accepts.push(
                    operations
                        .iter()
                        .filter_map(|op| op.r#type.and_then(|t| Op::try_from(t).ok()))
                        .collect(),
                );
            }
            carry_out(&scheduler, command).await;
        }
        let launches = accepts
            .iter()
            .filter(|ops| ops.contains(&Op::Launch))
            .count();
        let failed = statuses
            .iter()
            .filter(|s| s.state == TaskState::TaskFailed as i32)
            .count();
        if launches >= 2 && failed >= 2 {
            break;
        }
    }
    drop(events);
    cluster.shutdown().await;
    let mut stderr = Vec::new();
    collect_stderr(dir.path(), &mut stderr);
    Run {
        accepts,
        statuses,
        stderr,
    }
}

fn collect_stderr(dir: &Path, found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let file_type = entry.file_type().ok();
        if file_type.is_some_and(|t| t.is_dir()) {
            collect_stderr(&path, found);
        } else if path.file_name().is_some_and(|n| n == "stderr") {
            found.push(std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_master_takes_the_cores_volume_and_relaunches_on_it() {
    let Run {
        accepts,
        statuses,
        stderr,
    } = run(None).await;
    let refused: Vec<&TaskStatus> = statuses
        .iter()
        .filter(|s| {
            s.state == TaskState::TaskError as i32
                || s.state == TaskState::TaskDropped as i32
                || s.reason == Some(Reason::ReasonInvalidOffers as i32)
        })
        .collect();
    assert!(
        refused.is_empty(),
        "the master refused a launch: {refused:?}"
    );
    let launches: Vec<&Vec<Op>> = accepts
        .iter()
        .filter(|ops| ops.contains(&Op::Launch))
        .collect();
    assert!(
        launches.len() >= 2,
        "relaunched after the failure: accepts {accepts:?}, statuses {statuses:?}"
    );
    assert_eq!(
        launches[0],
        &vec![Op::Reserve, Op::Create, Op::Launch],
        "first placement"
    );
    assert_eq!(
        launches[1],
        &vec![Op::Launch],
        "the relaunch uses the reservation and volume offered back"
    );
    assert!(
        stderr.iter().any(|e| e.contains("failing on purpose")),
        "the fetched executor ran: {stderr:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_executor_with_another_sha256_is_not_run() {
    let Run {
        stderr, statuses, ..
    } = run(Some(&"0".repeat(64))).await;
    assert!(
        statuses
            .iter()
            .any(|s| s.state == TaskState::TaskFailed as i32),
        "{statuses:?}"
    );
    assert!(
        stderr
            .iter()
            .any(|e| e.contains("the one the scheduler announced")),
        "{stderr:?}"
    );
    assert!(
        !stderr.iter().any(|e| e.contains("failing on purpose")),
        "{stderr:?}"
    );
}
