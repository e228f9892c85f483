//! A scheduler among several on one ZooKeeper state (`--state zk://…`).
//! Until elected it stands by, its daemon prepared: its API answers health,
//! naming the leader, and redirects every other call there. Once elected it opens the state as
//! leader and runs the daemon (which subscribes to Mesos with the state's
//! framework id, so the framework fails over to it and an apply in progress
//! resumes); the moment its ZooKeeper session is lost it stops acting and
//! returns an error, so that its process ends and a standby takes over. A
//! standby that loses its session joins again with a new one.

use std::time::Duration;

use anyhow::{anyhow, Context};
use tokio::sync::watch;
use zookeeper_client::Client;

use crate::api::standby;
use crate::daemon::{Daemon, Options, Prepared};
use crate::store::ZkStore;
use crate::zookeeper::{self, election, ZkLocation};

/// Where the shared state lives and how long a silent session lasts.
pub struct Ensemble {
    pub location: ZkLocation,
    pub session_timeout: Duration,
}

/// Prepares the daemon, stands by, leads once elected, and returns when
/// leading ends, with [`LeadershipEnded`] once elected (the scheduler must
/// not act any more); errors before that are the setup's.
pub async fn run(ensemble: Ensemble, options: Options) -> anyhow::Result<()> {
    let location = &ensemble.location;
    let mut client = zookeeper::connect(location, ensemble.session_timeout)
        .await
        .with_context(|| format!("connecting to ZooKeeper at {}", location.display()))?;
    let prepared = Prepared::new(options)?;
    let api = prepared.api_addr();

    let (leader, leader_seen) = watch::channel(None);
    let (stop_standby, stopped) = tokio::sync::oneshot::channel::<()>();
    let serve = axum::serve(prepared.listener()?, standby::router(leader_seen))
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        });
    let standby = tokio::spawn(async move {
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "the standby API stopped");
        }
    });
    tracing::info!(api = %api, state = %location.display(), "standing by for election");

    // A standby whose session is lost (ZooKeeper down for a while) joins
    // again with a new one: it never acted, so it has nothing to stop.
    let leadership = loop {
        let follower = election::follow_leader(client.clone(), location.clone(), leader.clone());
        let outcome = tokio::select! {
            won = election::campaign(&client, location, prepared.url()) => won.map_err(|e| e.to_string()),
            reason = election::session_lost(&client) => Err(reason),
        };
        follower.abort();
        match outcome {
            Ok(leadership) => break leadership,
            Err(reason) => {
                tracing::warn!(%reason, "standing by without a ZooKeeper session; joining the election again");
                client = reconnect(&ensemble).await;
            }
        }
    };
    let _ = stop_standby.send(());
    let _ = standby.await;
    tracing::info!(api = %api, "elected leader; taking over the framework");

    let leading = async {
        let store = ZkStore::open(location.clone(), leadership).await?;
        let daemon = Daemon::start_prepared(prepared, Box::new(store)).await?;
        daemon
            .wait_unless(async { lost(election::session_lost(&client).await) })
            .await
    };
    leading
        .await
        .map_err(|e| anyhow::Error::new(LeadershipEnded(format!("{e:#}"))))
}

/// Why an elected scheduler stopped: its session was lost, the master
/// failed the framework over to another scheduler, a write was refused by
/// the fence, or its daemon failed. Its process must end so that only the
/// new leader acts.
#[derive(Debug, thiserror::Error)]
#[error("stopped leading: {0}")]
pub struct LeadershipEnded(String);

/// A new session, however long ZooKeeper takes to answer.
async fn reconnect(ensemble: &Ensemble) -> Client {
    loop {
        match zookeeper::connect(&ensemble.location, ensemble.session_timeout).await {
            Ok(client) => return client,
            Err(e) => {
                tracing::warn!(error = %e, "cannot reach ZooKeeper; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

fn lost(reason: String) -> anyhow::Error {
    anyhow!("lost the ZooKeeper session ({reason}); this scheduler stops acting so that only the new leader does")
}
