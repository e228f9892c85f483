//! Offer filters on the embedded cluster: a DECLINE with a long
//! refuse_seconds keeps the agent's resources away until REVIVE; SUPPRESS
//! stops offers until REVIVE; every offer has a fresh id.

mod common;

use std::time::Duration;

use common::*;
use mesos::proto::Filters;
use mesos::scheduler::{SchedulerConfig, SchedulerEvent};

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
    let cluster = start(1, dir.path()).await;
    let master = cluster.master_url();
    // Subscribed suppressed: no offer at all.
    let mut config = SchedulerConfig::new(master.as_str(), framework_info(None, 3600));
    config.suppressed_roles = vec!["kafka".into()];
    let mut fw = TestFramework::subscribe_config(config).await;
    assert_eq!(
        offers_within(&mut fw, QUIET).await,
        0,
        "subscribed suppressed"
    );

    fw.scheduler.revive(vec!["kafka".into()]).await.unwrap();
    let offer = fw.offer().await;
    assert_eq!(
        offer
            .allocation_info
            .clone()
            .and_then(|a| a.role)
            .as_deref(),
        Some("kafka")
    );

    // SUPPRESS keeps the outstanding offer valid, but once it is declined
    // (with no filter) nothing new is offered.
    fw.scheduler.suppress(vec![]).await.unwrap();
    let no_filter = Filters {
        refuse_seconds: Some(0.0),
    };
    fw.scheduler
        .decline(vec![offer.id.clone().unwrap()], Some(no_filter))
        .await
        .unwrap();
    assert_eq!(offers_within(&mut fw, QUIET).await, 0, "suppressed");
    fw.scheduler.revive(vec![]).await.unwrap();
    assert_ne!(fw.offer().await.id, offer.id);
    cluster.shutdown().await;
}
