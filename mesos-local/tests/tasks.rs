//! Tasks on the embedded cluster with real processes: a custom executor
//! fetched over HTTP runs, is killed, and the framework sees each state; a
//! command task runs under the built-in command executor and its output can
//! be read through the agent's `/files/read`.

mod common;

use common::*;
use mesos::proto::TaskState;
use mesos::scheduler::{operations, SchedulerEvent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_executor_runs_then_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let url = serve_file(executor_binary(), "test-executor").await;
    let mut fw = TestFramework::subscribe(&cluster.master_url(), None).await;

    let (offer, running) = fw.launch_executor_task(&url, "t1").await;
    assert!(running.uuid.is_some(), "executor updates are reliable");
    assert_eq!(running.agent_id, offer.agent_id);
    assert_eq!(running.executor_id.as_ref().unwrap().value, "t1-executor");

    fw.scheduler
        .kill(
            running.task_id.clone().unwrap(),
            offer.agent_id.clone(),
            None,
        )
        .await
        .unwrap();
    fw.update("t1", TaskState::TaskKilled).await;
    // The executor exits once its last task is gone: a FAILURE with its exit status.
    let failure = fw
        .next(|e| matches!(e, SchedulerEvent::Failure(f) if f.executor_id.is_some()))
        .await;
    let SchedulerEvent::Failure(failure) = failure else {
        unreachable!()
    };
    assert_eq!(failure.status, Some(0));

    let state = cluster.state().await.unwrap();
    let sandbox = state["frameworks"][0]["completed_tasks"][0]["sandbox"]
        .as_str()
        .map(str::to_string);
    let sandbox = sandbox.expect("sandbox of the completed task in /master/state");
    let stdout = std::fs::read_to_string(std::path::Path::new(&sandbox).join("stdout")).unwrap();
    assert!(stdout.contains("launched t1"), "{stdout}");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_tasks_finish_fail_and_are_killed() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let mut fw = TestFramework::subscribe(&cluster.master_url(), None).await;

    let offer = fw.offer().await;
    let mut tasks = vec![
        command_task(&offer, "hello", "echo hello from $MESOS_TASK_MARK"),
        command_task(&offer, "fails", "exit 3"),
        command_task(&offer, "sleeps", "sleep 600"),
    ];
    tasks[0].command.as_mut().unwrap().environment = Some(mesos::proto::Environment {
        variables: vec![mesos::proto::environment::Variable {
            name: "MESOS_TASK_MARK".into(),
            value: Some("the sandbox".into()),
            r#type: None,
        }],
    });
    for t in &mut tasks {
        t.resources = allocated(t.resources.clone(), &offer);
    }
    fw.scheduler
        .accept(
            vec![offer.id.clone().unwrap()],
            vec![operations::launch(tasks)],
            None,
        )
        .await
        .unwrap();

    fw.update("hello", TaskState::TaskFinished).await;
    let failed = fw.update("fails", TaskState::TaskFailed).await;
    assert!(
        failed.message().contains("status 3"),
        "{:?}",
        failed.message
    );
    fw.update("sleeps", TaskState::TaskRunning).await;
    fw.scheduler
        .kill(
            mesos::proto::TaskId {
                value: "sleeps".into(),
            },
            offer.agent_id.clone(),
            None,
        )
        .await
        .unwrap();
    fw.update("sleeps", TaskState::TaskKilling).await;
    fw.update("sleeps", TaskState::TaskKilled).await;

    // The agent serves the task's stdout from its sandbox.
    let state = cluster.state().await.unwrap();
    let task = state["frameworks"][0]["completed_tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "hello")
        .cloned()
        .expect("hello in completed tasks");
    // Every update the task had is in its history, oldest first, each with
    // its time, as the real master's `statuses`.
    let killed = state["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "sleeps")
        .expect("sleeps in the task list");
    let history: Vec<(&str, f64)> = killed["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["state"].as_str().unwrap(),
                s["timestamp"].as_f64().unwrap(),
            )
        })
        .collect();
    let states: Vec<&str> = history.iter().map(|(s, _)| *s).collect();
    assert_eq!(states.last(), Some(&"TASK_KILLED"), "{history:?}");
    assert!(
        states.contains(&"TASK_RUNNING") && states.contains(&"TASK_KILLING"),
        "{history:?}"
    );
    assert!(history.windows(2).all(|w| w[0].1 <= w[1].1), "{history:?}");
    let stdout = format!("{}/stdout", task["sandbox"].as_str().unwrap());
    let agent_url = task["agent_url"].as_str().unwrap();
    let read: serde_json::Value = reqwest::Client::new()
        .get(
            reqwest::Url::parse_with_params(
                &format!("{agent_url}/files/read"),
                [("path", stdout.as_str()), ("offset", "0")],
            )
            .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["data"], "hello from the sandbox\n");
    let outside = reqwest::Client::new()
        .get(
            reqwest::Url::parse_with_params(
                &format!("{agent_url}/files/read"),
                [("path", "/etc/passwd")],
            )
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), reqwest::StatusCode::NOT_FOUND);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protobuf_framework_runs_a_command_task() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let master = cluster.master_url();
    let mut fw = TestFramework::subscribe_with(
        &master,
        framework_info(None, 3600),
        mesos::codec::Encoding::Protobuf,
    )
    .await;
    let offer = fw.launch_command_task("proto", "exit 0").await;
    let attributes: Vec<&str> = offer.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(attributes, ["rack", "zone"]);
    fw.update("proto", TaskState::TaskFinished).await;
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_cluster_kills_its_processes() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let mut fw = TestFramework::subscribe(&cluster.master_url(), None).await;
    fw.launch_command_task("lingering", "echo $$ > pid; exec sleep 600")
        .await;
    fw.update("lingering", TaskState::TaskRunning).await;
    let pid = task_pid(&cluster).await;
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());

    drop(cluster);
    wait_gone(&pid).await;
}
