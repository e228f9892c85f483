//! Losing agents through the test hook: a removed agent's tasks turn
//! TASK_UNREACHABLE (with FAILURE{agent_id}) and, when it comes back without
//! them, TASK_GONE; a partitioned agent's tasks come back running.

mod common;

use common::*;
use mesos::proto::task_status::Reason;
use mesos::proto::{TaskId, TaskState};
use mesos::scheduler::SchedulerEvent;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removed_agent_tasks_become_unreachable_then_gone() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let url = serve_file(executor_binary(), "test-executor").await;
    let mut fw = TestFramework::subscribe(&cluster.master_url(), None).await;
    let (offer, _) = fw.launch_executor_task(&url, "doomed").await;
    let agent = agent_of(&offer);

    assert_eq!(
        hook(&cluster.master_url(), &agent.value, "remove").await,
        reqwest::StatusCode::OK
    );
    let unreachable = fw.update("doomed", TaskState::TaskUnreachable).await;
    assert_eq!(unreachable.reason(), Reason::ReasonAgentRemoved);
    assert!(unreachable.uuid.is_none() && unreachable.unreachable_time.is_some());
    let failure = fw.next(|e| matches!(e, SchedulerEvent::Failure(_))).await;
    let SchedulerEvent::Failure(failure) = failure else {
        unreachable!()
    };
    assert_eq!(failure.agent_id.as_ref(), Some(&agent));
    assert!(failure.executor_id.is_none());

    fw.scheduler
        .reconcile(vec![(
            TaskId {
                value: "doomed".into(),
            },
            Some(agent.clone()),
        )])
        .await
        .unwrap();
    let answer = fw.update("doomed", TaskState::TaskUnreachable).await;
    assert_eq!(answer.reason(), Reason::ReasonReconciliation);

    assert_eq!(
        hook(&cluster.master_url(), &agent.value, "remove").await,
        reqwest::StatusCode::CONFLICT
    );
    assert_eq!(
        hook(&cluster.master_url(), &agent.value, "restore").await,
        reqwest::StatusCode::OK
    );
    fw.update("doomed", TaskState::TaskGone).await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitioned_agent_tasks_come_back_running() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(2, dir.path()).await;
    let url = serve_file(executor_binary(), "test-executor").await;
    let mut fw = TestFramework::subscribe(&cluster.master_url(), None).await;
    let (offer, _) = fw.launch_executor_task(&url, "survivor").await;
    let agent = agent_of(&offer);

    assert_eq!(
        hook(&cluster.master_url(), &agent.value, "partition").await,
        reqwest::StatusCode::OK
    );
    fw.update("survivor", TaskState::TaskUnreachable).await;
    // Offers for the cut-off agent are rescinded or never made again; the other agent keeps offering.
    let other = fw
        .offer_where(|o| o.agent_id.as_ref() != Some(&agent))
        .await;
    assert_ne!(other.agent_id.as_ref(), Some(&agent));

    assert_eq!(
        hook(&cluster.master_url(), &agent.value, "restore").await,
        reqwest::StatusCode::OK
    );
    let back = fw.update("survivor", TaskState::TaskRunning).await;
    assert_eq!(back.reason(), Reason::ReasonAgentReregistered);
    fw.scheduler
        .kill(
            TaskId {
                value: "survivor".into(),
            },
            Some(agent),
            None,
        )
        .await
        .unwrap();
    fw.update("survivor", TaskState::TaskKilled).await;
    cluster.shutdown().await;
}
