//! The scheduler client against the embedded master (`mesos-local`), over
//! real HTTP: both encodings, offer calls, the master's refusals as errors,
//! a refused SUBSCRIBE, failover and teardown ending a subscription, and
//! resubscription as the same framework after the master goes away and
//! comes back, or after its stream goes silent (heartbeats missed).

mod protocol_common;

use std::time::Duration;

use kmesos_mesos::codec::Encoding;
use kmesos_mesos::proto::{Filters, TaskId, TaskState, TaskStatus};
use kmesos_mesos::scheduler::{CallError, Scheduler, SchedulerEvent};
use kmesos_mesos_local::LocalCluster;
use protocol_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offers_flow_in_both_encodings() {
    for encoding in [Encoding::Protobuf, Encoding::Json] {
        let dir = tempfile::tempdir().expect("temp dir");
        let cluster = start_cluster(dir.path()).await;
        let (scheduler, mut events) =
            Scheduler::subscribe(client_config(&cluster.master_url(), None, encoding))
                .expect("client");

        let (framework_id, heartbeat) = subscribed(&mut events).await;
        assert!(!framework_id.value.is_empty(), "{encoding}");
        assert_eq!(heartbeat, Duration::from_secs(1), "{encoding}");
        assert_eq!(scheduler.framework_id(), Some(framework_id));
        let first = offers(&mut events).await;
        next_matching(&mut events, "HEARTBEAT", |e| {
            *e == SchedulerEvent::Heartbeat
        })
        .await;
        let offer = first.first().expect("one offer");
        assert_eq!(offer.hostname, "127.0.0.1", "{encoding}");
        assert!(
            offer.resources.iter().any(|r| r.name == "cpus"),
            "{encoding}"
        );

        // Declined for an hour: only REVIVE brings the agent back.
        let ids = first.iter().filter_map(|o| o.id.clone()).collect();
        let hour = Filters {
            refuse_seconds: Some(3600.0),
        };
        scheduler.decline(ids, Some(hour)).await.expect("DECLINE");
        scheduler.suppress(vec![]).await.expect("SUPPRESS");
        scheduler
            .revive(vec!["kafka".into()])
            .await
            .expect("REVIVE");
        let again = offers(&mut events).await;
        assert_eq!(
            again.first().map(|o| &o.agent_id),
            Some(&offer.agent_id),
            "{encoding}"
        );
        assert_ne!(
            again.first().map(|o| &o.id),
            Some(&offer.id),
            "{encoding}: fresh offer id"
        );

        cluster.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_failover_and_teardown() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster = start_cluster(dir.path()).await;
    let master = cluster.master_url();
    let (first, mut first_events) =
        Scheduler::subscribe(client_config(&master, None, Encoding::Json)).expect("client");
    let (framework_id, _) = subscribed(&mut first_events).await;

    // A 4xx answer carries the master's reason.
    let bogus = TaskStatus {
        task_id: Some(TaskId {
            value: "nope".into(),
        }),
        state: TaskState::TaskRunning as i32,
        agent_id: Some(kmesos_mesos::proto::AgentId { value: "S0".into() }),
        uuid: Some(vec![1, 2, 3]),
        ..Default::default()
    };
    match first.acknowledge(&bogus).await {
        Err(error @ CallError::Status { .. }) => {
            assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
            assert!(error.to_string().contains("Not a valid UUID"), "{error}");
        }
        other => panic!("expected a 400, got {other:?}"),
    }
    // Reconciliation answers have no uuid: nothing to acknowledge.
    let unreliable = TaskStatus {
        uuid: None,
        ..bogus
    };
    assert_eq!(first.acknowledge(&unreliable).await.ok(), Some(false));

    // Another client subscribing with the same id takes over.
    let (second, mut second_events) = Scheduler::subscribe(client_config(
        &master,
        Some(framework_id.clone()),
        Encoding::Protobuf,
    ))
    .expect("client");
    assert_eq!(subscribed(&mut second_events).await.0, framework_id);
    let rest = end_of(&mut first_events).await;
    assert_eq!(
        rest.last(),
        Some(&SchedulerEvent::Error("Framework failed over".into())),
        "{rest:?}"
    );
    assert!(!rest
        .iter()
        .any(|e| matches!(e, SchedulerEvent::Subscribed { .. })));
    assert!(matches!(
        first.revive(vec![]).await,
        Err(CallError::NotSubscribed(_))
    ));

    // TEARDOWN ends the stream without resubscribing, and the id is gone.
    second.teardown().await.expect("TEARDOWN");
    let rest = end_of(&mut second_events).await;
    assert!(
        !rest.iter().any(|e| matches!(
            e,
            SchedulerEvent::Subscribed { .. } | SchedulerEvent::Disconnected(_)
        )),
        "{rest:?}"
    );
    let (_, mut third_events) =
        Scheduler::subscribe(client_config(&master, Some(framework_id), Encoding::Json))
            .expect("client");
    let refused = end_of(&mut third_events).await;
    assert_eq!(
        refused,
        vec![SchedulerEvent::Error("Framework has been removed".into())]
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resubscribes_as_the_same_framework_when_the_master_returns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster = start_cluster(dir.path()).await;
    let address = cluster.master_addr();
    let (scheduler, mut events) =
        Scheduler::subscribe(client_config(&cluster.master_url(), None, Encoding::Json))
            .expect("client");
    let (framework_id, _) = subscribed(&mut events).await;

    cluster.shutdown().await;
    next_matching(&mut events, "Disconnected", |e| {
        matches!(e, SchedulerEvent::Disconnected(_))
    })
    .await;
    assert!(!scheduler.is_subscribed());

    // A new master on the same address: the client keeps retrying and
    // fails over to it with its framework id.
    let restarted = LocalCluster::start(cluster_config(address, dir.path()))
        .await
        .expect("master restarts on the same address");
    let (resubscribed_id, _) = subscribed(&mut events).await;
    assert_eq!(resubscribed_id, framework_id);
    assert!(scheduler.is_subscribed());
    let offer = offers(&mut events).await;
    assert!(!offer.is_empty());
    restarted.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resubscribes_when_heartbeats_stop_arriving() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster = start_cluster(dir.path()).await;
    let relay = Relay::start(cluster.master_addr()).await;
    let mut config = client_config(&format!("http://{}", relay.address), None, Encoding::Json);
    config.missed_heartbeats = 3;
    let (scheduler, mut events) = Scheduler::subscribe(config).expect("client");
    let (framework_id, heartbeat) = subscribed(&mut events).await;
    assert_eq!(heartbeat, Duration::from_secs(1));
    next_matching(&mut events, "HEARTBEAT", |e| {
        *e == SchedulerEvent::Heartbeat
    })
    .await;

    relay.freeze();
    let lost = next_matching(&mut events, "Disconnected", |e| {
        matches!(e, SchedulerEvent::Disconnected(_))
    })
    .await;
    assert_eq!(
        lost,
        SchedulerEvent::Disconnected("no event from the master for 3s".into())
    );
    let (again, _) = subscribed(&mut events).await;
    assert_eq!(again, framework_id);
    assert!(scheduler.is_subscribed());
    scheduler
        .revive(vec![])
        .await
        .expect("calls work on the new subscription");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_subscribe_ends_with_the_servers_answer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cluster = start_cluster(dir.path()).await;
    // An agent is no master: it has no /api/v1/scheduler.
    let agent = cluster.agents().first().expect("one agent").address;
    let (scheduler, mut events) =
        Scheduler::subscribe(client_config(&agent.to_string(), None, Encoding::Json))
            .expect("client");
    let seen = end_of(&mut events).await;
    let [SchedulerEvent::Error(message)] = seen.as_slice() else {
        panic!("expected one Error, got {seen:?}");
    };
    assert!(message.starts_with("SUBSCRIBE refused: "), "{message}");
    assert!(
        message.contains("/api/v1/scheduler answered 404"),
        "{message}"
    );
    assert!(!scheduler.is_subscribed());
    cluster.shutdown().await;
}
