//! Scheduler failover on the embedded cluster: a framework that goes away
//! keeps its tasks for its failover timeout; resubscribing with its id, it
//! reconciles and still owns its running task. A second subscription with
//! the same id ends the first with "Framework failed over".

mod common;

use common::*;
use mesos::proto::task_status::Reason;
use mesos::proto::{TaskId, TaskState};
use mesos::scheduler::SchedulerEvent;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_framework_reconciles_and_still_owns_its_task() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let url = serve_file(executor_binary(), "test-executor").await;
    let mut fw = TestFramework::subscribe(&cluster.master_url(), None).await;
    let (offer, _) = fw.launch_executor_task(&url, "kept").await;
    let id = fw.framework_id.clone().unwrap();
    drop(fw); // the scheduler process "crashes": its stream closes

    let mut again = TestFramework::subscribe(&cluster.master_url(), Some(id.clone())).await;
    assert_eq!(again.framework_id.as_ref(), Some(&id));
    again
        .scheduler
        .reconcile(vec![(
            TaskId {
                value: "kept".into(),
            },
            offer.agent_id.clone(),
        )])
        .await
        .unwrap();
    let answer = again
        .next(|e| matches!(e, SchedulerEvent::Update(s) if s.reason() == Reason::ReasonReconciliation))
        .await;
    let SchedulerEvent::Update(status) = answer else {
        unreachable!()
    };
    assert_eq!(status.state(), TaskState::TaskRunning);
    assert!(
        status.uuid.is_none(),
        "reconciliation answers are not acknowledged"
    );

    again.scheduler.reconcile(vec![]).await.unwrap();
    let implicit = again.update("kept", TaskState::TaskRunning).await;
    assert_eq!(implicit.reason(), Reason::ReasonReconciliation);

    again
        .scheduler
        .kill(
            TaskId {
                value: "kept".into(),
            },
            offer.agent_id.clone(),
            None,
        )
        .await
        .unwrap();
    again.update("kept", TaskState::TaskKilled).await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_subscription_fails_the_first_over() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let mut first = TestFramework::subscribe(&cluster.master_url(), None).await;
    let id = first.framework_id.clone().unwrap();
    let second = TestFramework::subscribe(&cluster.master_url(), Some(id.clone())).await;
    assert_eq!(second.framework_id, Some(id));
    let ended = first.next(|e| matches!(e, SchedulerEvent::Error(_))).await;
    assert_eq!(ended, SchedulerEvent::Error("Framework failed over".into()));
    assert!(
        second.scheduler.revive(vec![]).await.is_ok(),
        "the new subscription serves calls"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_missed_while_disconnected_are_redelivered() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let mut fw = TestFramework::subscribe(&cluster.master_url(), None).await;
    fw.launch_command_task("brief", "sleep 1").await;
    fw.update("brief", TaskState::TaskRunning).await;
    let id = fw.framework_id.clone().unwrap();
    drop(fw);

    // The task finishes while nobody listens; the master knows, the agent keeps retrying.
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let state = cluster.state().await.unwrap();
        if state["tasks"][0]["state"] == "TASK_FINISHED" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "task never finished: {state}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mut again = TestFramework::subscribe(&cluster.master_url(), Some(id)).await;
    let finished = again.update("brief", TaskState::TaskFinished).await;
    assert!(
        finished.uuid.is_some(),
        "the agent's retry, not a reconciliation answer"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_framework_gone_past_its_failover_timeout_is_removed_with_its_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let master = cluster.master_url();
    let json = mesos::codec::Encoding::Json;
    let mut fw = TestFramework::subscribe_with(&master, framework_info(None, 1), json).await;
    fw.launch_command_task("orphaned", "echo $$ > pid; exec sleep 600")
        .await;
    fw.update("orphaned", TaskState::TaskRunning).await;
    let pid = task_pid(&cluster).await;
    let id = fw.framework_id.clone().unwrap();
    drop(fw);
    wait_gone(&pid).await;
    let state = cluster.state().await.unwrap();
    assert_eq!(state["frameworks"].as_array().map(Vec::len), Some(0));

    let info = framework_info(Some(id), 1);
    let (_scheduler, mut events) = mesos::scheduler::Scheduler::subscribe(
        mesos::scheduler::SchedulerConfig::new(master.as_str(), info),
    )
    .unwrap();
    let refused = tokio::time::timeout(DEADLINE, events.recv()).await.unwrap();
    assert_eq!(
        refused,
        Some(SchedulerEvent::Error("Framework has been removed".into()))
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_get_heartbeats_at_the_announced_interval() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(1, dir.path());
    config.heartbeat_interval_secs = 0.3;
    let cluster = kmesos_mesos_local::LocalCluster::start(config)
        .await
        .unwrap();
    let info = framework_info(None, 3600);
    let master = cluster.master_url();
    let (_scheduler, mut events) = mesos::scheduler::Scheduler::subscribe(
        mesos::scheduler::SchedulerConfig::new(master.as_str(), info),
    )
    .unwrap();
    let first = tokio::time::timeout(DEADLINE, events.recv()).await.unwrap();
    let Some(SchedulerEvent::Subscribed {
        heartbeat_interval, ..
    }) = first
    else {
        panic!("expected SUBSCRIBED, got {first:?}");
    };
    assert_eq!(heartbeat_interval, std::time::Duration::from_millis(300));
    let beat = tokio::time::timeout(DEADLINE, async {
        loop {
            match events.recv().await {
                Some(SchedulerEvent::Heartbeat) => return true,
                None => return false,
                Some(_) => {}
            }
        }
    });
    assert!(
        beat.await.expect("a HEARTBEAT within the deadline"),
        "stream ended"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_framework_with_an_invalid_role_is_refused_with_an_error_event() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let master = cluster.master_url();
    for role in ["../x", "..", "-kafka", "a b", "kafka/", "a\\b"] {
        let mut info = framework_info(None, 60);
        info.roles = vec![role.to_string()];
        let (_scheduler, mut events) = mesos::scheduler::Scheduler::subscribe(
            mesos::scheduler::SchedulerConfig::new(master.as_str(), info),
        )
        .unwrap();
        let refused = tokio::time::timeout(DEADLINE, events.recv()).await.unwrap();
        let Some(SchedulerEvent::Error(message)) = refused else {
            panic!("{role:?}: expected an ERROR event, got {refused:?}");
        };
        assert!(
            message.contains(&format!("Role '{role}' is invalid")),
            "{message}"
        );
    }
    let state = cluster.state().await.unwrap();
    assert_eq!(state["frameworks"].as_array().map(Vec::len), Some(0));
    // Hierarchical roles are roles.
    let mut info = framework_info(None, 60);
    info.roles = vec!["kafka/events".into()];
    let fw = TestFramework::subscribe_with(&master, info, mesos::codec::Encoding::Json).await;
    assert!(fw.framework_id.is_some());
    cluster.shutdown().await;
}
