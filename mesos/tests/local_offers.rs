//! Offer filters on the embedded cluster: a DECLINE with a long
//! refuse_seconds keeps the agent's resources away until REVIVE; SUPPRESS
//! stops offers until REVIVE; every offer has a fresh id.

mod local_common;

use std::time::Duration;

use kmesos_mesos::proto::Filters;
use kmesos_mesos::scheduler::SchedulerEvent;
use local_common::*;

/// Several allocation rounds (0.2 s each in the test config).
const QUIET: Duration = Duration::from_millis(1500);

async fn offers_within(fw: &mut TestFramework, window: Duration) -> usize {
    let mut seen = 0;
    let deadline = tokio::time::Instant::now() + window;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, fw.events.recv()).await {
        if let SchedulerEvent::Offers(offers) = event {
            seen += offers.len();
        }
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declined_resources_stay_away_until_revive() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let mut fw = TestFramework::subscribe(&cluster.master_url(), None).await;
    let first = fw.offer().await;
    let long = Filters {
        refuse_seconds: Some(3600.0),
    };
    fw.scheduler
        .decline(vec![first.id.clone().unwrap()], Some(long))
        .await
        .unwrap();
    assert_eq!(
        offers_within(&mut fw, QUIET).await,
        0,
        "filtered for an hour"
    );

    fw.scheduler.revive(vec![]).await.unwrap();
    let second = fw.offer().await;
    assert_ne!(second.id, first.id, "a fresh offer id");
    assert_eq!(second.agent_id, first.agent_id);

    // A short filter expires on its own.
    let short = Filters {
        refuse_seconds: Some(0.5),
    };
    fw.scheduler
        .decline(vec![second.id.clone().unwrap()], Some(short))
        .await
        .unwrap();
    let third = fw.offer().await;
    assert_ne!(third.id, second.id);
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suppressed_roles_get_no_offers_until_revive() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(2, dir.path()).await;
    let mut fw = TestFramework::subscribe(&cluster.master_url(), None).await;
    fw.scheduler.suppress(vec!["kafka".into()]).await.unwrap();
    let mut held = Vec::new();
    // Offers made before the SUPPRESS arrived stay valid; return them.
    while let Ok(Some(SchedulerEvent::Offers(offers))) =
        tokio::time::timeout(Duration::from_millis(300), fw.events.recv()).await
    {
        held.extend(offers.into_iter().filter_map(|o| o.id));
    }
    fw.scheduler
        .decline(
            held,
            Some(Filters {
                refuse_seconds: Some(0.0),
            }),
        )
        .await
        .unwrap();
    assert_eq!(offers_within(&mut fw, QUIET).await, 0, "suppressed");

    fw.scheduler.revive(vec!["kafka".into()]).await.unwrap();
    let offer = fw.offer().await;
    assert_eq!(
        offer.allocation_info.and_then(|a| a.role).as_deref(),
        Some("kafka")
    );
    cluster.shutdown().await;
}
