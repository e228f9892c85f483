//! Executor lifecycles on the embedded cluster: an executor that exits fails
//! its live tasks (FAILURE with its wait status); SHUTDOWN lets it end its
//! tasks, or kills its process group after the grace period; a KILL the
//! executor ignores ends it after the kill grace period; an executor
//! that never subscribes is killed after the registration timeout; TEARDOWN
//! shuts the framework's executors down.

mod common;

use std::time::Duration;

use common::*;
use kmesos_mesos_local::LocalCluster;
use mesos::proto::task_status::{Reason, Source};
use mesos::proto::{DurationInfo, ExecutorId, KillPolicy, Offer, TaskId, TaskState};
use mesos::scheduler::{operations, SchedulerEvent};

/// Launches the test executor with task `data`; returns the offer.
async fn launch_with(
    fw: &mut TestFramework,
    url: &str,
    task_id: &str,
    data: &[u8],
    grace: Option<i64>,
) -> Offer {
    let offer = fw.offer().await;
    let resources = allocated(vec![scalar("cpus", 0.5), scalar("mem", 64.0)], &offer);
    let mut task = executor_task(&offer, task_id, url, resources);
    task.data = Some(data.to_vec());
    if let Some(nanoseconds) = grace {
        task.executor.as_mut().unwrap().shutdown_grace_period = Some(DurationInfo { nanoseconds });
    }
    fw.scheduler
        .accept(
            vec![offer.id.clone().unwrap()],
            vec![operations::launch(vec![task])],
            None,
        )
        .await
        .unwrap();
    offer
}

/// SHUTDOWN for the executor of `task_id` (named `<task>-executor`).
async fn shut_down(fw: &TestFramework, offer: &Offer, task_id: &str) {
    let executor = ExecutorId {
        value: format!("{task_id}-executor"),
    };
    fw.scheduler
        .shutdown(executor, agent_of(offer))
        .await
        .unwrap();
}

async fn executor_failure(fw: &mut TestFramework) -> mesos::proto::scheduler::event::Failure {
    match fw
        .next(|e| matches!(e, SchedulerEvent::Failure(f) if f.executor_id.is_some()))
        .await
    {
        SchedulerEvent::Failure(f) => f,
        _ => unreachable!(),
    }
}

async fn cluster_and_framework(dir: &std::path::Path) -> (LocalCluster, TestFramework, String) {
    let mut config = config(1, dir);
    config.executor_registration_timeout_secs = 3.0;
    let cluster = LocalCluster::start(config).await.unwrap();
    let url = serve_file(executor_binary(), "test-executor").await;
    let fw = TestFramework::subscribe(&cluster.master_url(), None).await;
    (cluster, fw, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exiting_executor_fails_its_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let (cluster, mut fw, url) = cluster_and_framework(dir.path()).await;
    launch_with(&mut fw, &url, "fragile", b"crash", None).await;
    fw.update("fragile", TaskState::TaskRunning).await;
    let failed = fw.update("fragile", TaskState::TaskFailed).await;
    assert_eq!(failed.reason(), Reason::ReasonExecutorTerminated);
    assert_eq!(failed.source(), Source::SourceAgent);
    assert!(failed.uuid.is_some(), "agent updates are reliable");
    let failure = executor_failure(&mut fw).await;
    assert_eq!(failure.status, Some(3 << 8), "wait status of exit(3)");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_the_executor_kill_its_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let (cluster, mut fw, url) = cluster_and_framework(dir.path()).await;
    let offer = launch_with(&mut fw, &url, "polite", b"", None).await;
    fw.update("polite", TaskState::TaskRunning).await;
    shut_down(&fw, &offer, "polite").await;
    let killed = fw.update("polite", TaskState::TaskKilled).await;
    assert_eq!(killed.source(), Source::SourceExecutor);
    assert_eq!(executor_failure(&mut fw).await.status, Some(0));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_kills_the_process_group_after_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let (cluster, mut fw, url) = cluster_and_framework(dir.path()).await;
    let offer = launch_with(
        &mut fw,
        &url,
        "stubborn",
        b"ignore-shutdown",
        Some(1_000_000_000),
    )
    .await;
    fw.update("stubborn", TaskState::TaskRunning).await;
    shut_down(&fw, &offer, "stubborn").await;
    let failed = fw.update("stubborn", TaskState::TaskFailed).await;
    assert_eq!(failed.reason(), Reason::ReasonExecutorTerminated);
    assert_eq!(
        executor_failure(&mut fw).await.status,
        Some(9),
        "killed by SIGKILL"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_that_outlives_its_kill_grace_period_is_killed_with_its_executor() {
    let dir = tempfile::tempdir().unwrap();
    let (cluster, mut fw, url) = cluster_and_framework(dir.path()).await;
    let second = Some(1_000_000_000);
    let offer = launch_with(
        &mut fw,
        &url,
        "deaf",
        b"ignore-kill,ignore-shutdown",
        second,
    )
    .await;
    fw.update("deaf", TaskState::TaskRunning).await;
    let policy = KillPolicy {
        grace_period: Some(DurationInfo {
            nanoseconds: 1_000_000_000,
        }),
    };
    let task_id = TaskId {
        value: "deaf".into(),
    };
    fw.scheduler
        .kill(task_id, offer.agent_id.clone(), Some(policy))
        .await
        .unwrap();
    let killed = fw.update("deaf", TaskState::TaskKilled).await;
    assert_eq!(
        killed.source(),
        Source::SourceAgent,
        "the agent ended it, not the executor"
    );
    assert_eq!(
        executor_failure(&mut fw).await.status,
        Some(9),
        "killed by SIGKILL"
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_executor_that_never_subscribes_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let (cluster, mut fw, _) = cluster_and_framework(dir.path()).await;
    let offer = fw.offer().await;
    let resources = allocated(vec![scalar("cpus", 0.5), scalar("mem", 64.0)], &offer);
    let mut task = executor_task(&offer, "mute", "unused", resources);
    let command = task.executor.as_mut().unwrap().command.as_mut().unwrap();
    command.uris.clear();
    command.shell = None;
    command.value = Some("sleep 600".into());
    fw.scheduler
        .accept(
            vec![offer.id.clone().unwrap()],
            vec![operations::launch(vec![task])],
            None,
        )
        .await
        .unwrap();
    let failed = fw.update("mute", TaskState::TaskFailed).await;
    assert_eq!(failed.reason(), Reason::ReasonExecutorRegistrationTimeout);
    assert_eq!(executor_failure(&mut fw).await.status, Some(9));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_shuts_the_frameworks_executors_down() {
    let dir = tempfile::tempdir().unwrap();
    let (cluster, mut fw, url) = cluster_and_framework(dir.path()).await;
    launch_with(&mut fw, &url, "doomed", b"", None).await;
    fw.update("doomed", TaskState::TaskRunning).await;
    let state = cluster.state().await.unwrap();
    let sandbox = state["tasks"][0]["sandbox"].as_str().unwrap().to_string();
    fw.scheduler.teardown().await.unwrap();

    let stdout = std::path::Path::new(&sandbox).join("stdout");
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !std::fs::read_to_string(&stdout)
        .unwrap_or_default()
        .contains("shutting down")
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "executor never got SHUTDOWN"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let state = cluster.state().await.unwrap();
    assert_eq!(state["frameworks"].as_array().map(Vec::len), Some(0));
    cluster.shutdown().await;
}
