//! The executor client, in protobuf, against a real embedded agent. The
//! agent starts `sleep` as the executor process; the test subscribes in its
//! place, in-process, with the ids an executor reads from its environment.
//! Checked: SUBSCRIBED and LAUNCH, reliable updates acknowledged by the
//! agent and delivered to the scheduler with their uuid, messages both
//! ways, KILL; and after the connection to the agent is lost, the
//! executor resubscribes and its unacknowledged update (handed back in
//! SUBSCRIBE, and resent every `update_retry`) ends up acknowledged.

mod protocol_common;

use std::path::Path;
use std::time::Duration;

use kmesos_mesos::codec::transport::Events as ClientEvents;
use kmesos_mesos::codec::Encoding;
use kmesos_mesos::executor::{Executor, ExecutorConfig, ExecutorEnv, ExecutorEvent};
use kmesos_mesos::proto::{
    executor_info, AgentId, CommandInfo, ExecutorId, ExecutorInfo, FrameworkId, TaskId, TaskInfo,
    TaskState, TaskStatus,
};
use kmesos_mesos::scheduler::{operations, Events, Scheduler, SchedulerEvent};
use protocol_common::*;

/// Subscribes a framework and launches task `t1` under a CUSTOM executor
/// `stand-in` whose process only sleeps.
async fn launch_stand_in(master: &str) -> (Scheduler, Events, FrameworkId, AgentId) {
    let (scheduler, mut events) =
        Scheduler::subscribe(client_config(master, None, Encoding::Json)).expect("client");
    let (framework_id, _) = subscribed(&mut events).await;
    let offer = offers(&mut events)
        .await
        .into_iter()
        .next()
        .expect("an offer");
    let task = TaskInfo {
        name: "t1".into(),
        task_id: Some(TaskId { value: "t1".into() }),
        agent_id: offer.agent_id.clone(),
        resources: vec![scalar(&offer, "cpus", 0.5), scalar(&offer, "mem", 64.0)],
        executor: Some(ExecutorInfo {
            executor_id: Some(ExecutorId {
                value: "stand-in".into(),
            }),
            r#type: Some(executor_info::Type::Custom as i32),
            command: Some(CommandInfo {
                value: Some("sleep 600".into()),
                ..Default::default()
            }),
            ..Default::default()
        }),
        data: Some(b"payload".to_vec()),
        ..Default::default()
    };
    let offer_id = offer.id.clone().expect("offer id");
    scheduler
        .accept(vec![offer_id], vec![operations::launch(vec![task])], None)
        .await
        .expect("ACCEPT");
    let agent_id = offer.agent_id.expect("agent id");
    (scheduler, events, framework_id, agent_id)
}

/// The stand-in's configuration, as its environment would give it.
fn stand_in_config(
    framework_id: &FrameworkId,
    agent_endpoint: &str,
    sandbox: &Path,
) -> ExecutorConfig {
    let env = ExecutorEnv::from_lookup(|name| {
        let value = match name {
            "MESOS_FRAMEWORK_ID" => framework_id.value.clone(),
            "MESOS_EXECUTOR_ID" => "stand-in".into(),
            "MESOS_AGENT_ENDPOINT" => agent_endpoint.into(),
            "MESOS_SANDBOX" => sandbox.display().to_string(),
            "MESOS_CHECKPOINT" => "1".into(),
            _ => return None,
        };
        Some(value)
    })
    .expect("environment");
    let mut config = ExecutorConfig::new(env);
    config.encoding = Encoding::Protobuf;
    config.update_retry = Duration::from_secs(1);
    config
}

/// Subscribes once the agent has launched the executor (until then it
/// answers "Executor cannot be found"), and returns it with its LAUNCH.
async fn subscribe_stand_in(
    config: ExecutorConfig,
    framework_id: &FrameworkId,
) -> (Executor, ClientEvents<ExecutorEvent>, TaskInfo) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let (executor, mut events) = loop {
        let (executor, mut events) = Executor::subscribe(config.clone()).expect("client");
        let first = next_executor_event(&mut events, "SUBSCRIBED or Lost", |e| {
            matches!(e, ExecutorEvent::Subscribed(_) | ExecutorEvent::Lost(_))
        })
        .await;
        match first {
            ExecutorEvent::Subscribed(subscribed) => {
                let framework = subscribed.framework_info.expect("framework_info");
                assert_eq!(framework.id.as_ref(), Some(framework_id));
                let info = subscribed.executor_info.expect("executor_info");
                assert_eq!(info.executor_id.map(|id| id.value), Some("stand-in".into()));
                assert!(subscribed.agent_info.is_some());
                break (executor, events);
            }
            ExecutorEvent::Lost(reason) => {
                assert!(reason.contains("cannot be found"), "{reason}");
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "executor never launched"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => unreachable!("matched {other:?}"),
        }
    };
    let launched = next_executor_event(&mut events, "LAUNCH", |e| {
        matches!(e, ExecutorEvent::Launch(_))
    })
    .await;
    let ExecutorEvent::Launch(task) = launched else {
        unreachable!()
    };
    assert_eq!(task.data.as_deref(), Some(&b"payload"[..]));
    (executor, events, *task)
}

fn status(state: TaskState, message: &str) -> TaskStatus {
    TaskStatus {
        task_id: Some(TaskId { value: "t1".into() }),
        state: state as i32,
        message: Some(message.into()),
        ..Default::default()
    }
}

async fn acknowledged(events: &mut ClientEvents<ExecutorEvent>) -> ExecutorEvent {
    next_executor_event(events, "ACKNOWLEDGED", |e| {
        matches!(e, ExecutorEvent::Acknowledged { .. })
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launch_update_message_and_kill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster = start_cluster(dir.path()).await;
    let (scheduler, mut events, framework_id, agent_id) =
        launch_stand_in(&cluster.master_url()).await;
    let agent = cluster
        .agents()
        .first()
        .expect("one agent")
        .address
        .to_string();
    let config = stand_in_config(&framework_id, &agent, dir.path());
    let (executor, mut executor_events, _task) = subscribe_stand_in(config, &framework_id).await;

    // A reliable update: acknowledged by the agent, delivered with its uuid.
    let uuid = executor
        .update(status(TaskState::TaskRunning, "up"))
        .await
        .expect("UPDATE");
    assert_eq!(
        acknowledged(&mut executor_events).await,
        ExecutorEvent::Acknowledged {
            task_id: TaskId { value: "t1".into() },
            uuid
        }
    );
    assert_eq!(executor.unacknowledged_updates(), 0);
    let running = scheduler_update(&mut events, TaskState::TaskRunning).await;
    assert_eq!(running.uuid.as_deref(), Some(&uuid.as_bytes()[..]));
    assert_eq!(running.message.as_deref(), Some("up"));
    assert_eq!(scheduler.acknowledge(&running).await.ok(), Some(true));

    // Messages both ways.
    let stand_in = ExecutorId {
        value: "stand-in".into(),
    };
    scheduler
        .message(agent_id.clone(), stand_in, b"ping".to_vec())
        .await
        .expect("MESSAGE to the executor");
    let ping = next_executor_event(&mut executor_events, "MESSAGE", |e| {
        matches!(e, ExecutorEvent::Message(_))
    })
    .await;
    assert_eq!(ping, ExecutorEvent::Message(b"ping".to_vec()));
    executor
        .message(b"pong".to_vec())
        .await
        .expect("MESSAGE to the scheduler");
    let pong = next_matching(&mut events, "MESSAGE", |e| {
        matches!(e, SchedulerEvent::Message(_))
    })
    .await;
    let SchedulerEvent::Message(pong) = pong else {
        unreachable!()
    };
    assert_eq!(pong.data, b"pong");
    executor.heartbeat().await.expect("HEARTBEAT");

    // KILL reaches the executor; its TASK_KILLED reaches the scheduler.
    let t1 = TaskId { value: "t1".into() };
    scheduler
        .kill(t1.clone(), Some(agent_id), None)
        .await
        .expect("KILL");
    let kill = next_executor_event(&mut executor_events, "KILL", |e| {
        matches!(e, ExecutorEvent::Kill { .. })
    })
    .await;
    assert!(matches!(kill, ExecutorEvent::Kill { task_id, .. } if task_id == t1));
    executor
        .update(status(TaskState::TaskKilled, "killed"))
        .await
        .expect("UPDATE");
    let killed = scheduler_update(&mut events, TaskState::TaskKilled).await;
    assert_eq!(scheduler.acknowledge(&killed).await.ok(), Some(true));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unacknowledged_update_is_handed_back_after_reconnecting() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster = start_cluster(dir.path()).await;
    let (_scheduler, _events, framework_id, _) = launch_stand_in(&cluster.master_url()).await;
    let agent = cluster.agents().first().expect("one agent").address;
    let relay = Relay::start(agent).await;
    let config = stand_in_config(&framework_id, &relay.address.to_string(), dir.path());
    let (executor, mut executor_events, _task) = subscribe_stand_in(config, &framework_id).await;

    // The agent's ACKNOWLEDGED cannot reach the executor over a frozen stream.
    relay.freeze();
    let uuid = executor
        .update(status(TaskState::TaskRunning, "up"))
        .await
        .expect("UPDATE");
    assert_eq!(executor.unacknowledged_updates(), 1);

    // Once the stream breaks, the executor resubscribes (it checkpoints)
    // and keeps offering the update until the agent acknowledges it.
    relay.cut();
    let lost = next_executor_event(&mut executor_events, "Disconnected", |e| {
        matches!(e, ExecutorEvent::Disconnected(_))
    })
    .await;
    assert!(matches!(lost, ExecutorEvent::Disconnected(_)));
    next_executor_event(&mut executor_events, "SUBSCRIBED again", |e| {
        matches!(e, ExecutorEvent::Subscribed(_))
    })
    .await;
    assert_eq!(
        acknowledged(&mut executor_events).await,
        ExecutorEvent::Acknowledged {
            task_id: TaskId { value: "t1".into() },
            uuid
        }
    );
    assert_eq!(executor.unacknowledged_updates(), 0);
    cluster.shutdown().await;
}
