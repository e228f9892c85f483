//! Leader election among schedulers sharing a ZooKeeper location
//! (ZooKeeper's own recipe, laid out as Curator's `LeaderLatch` lays it
//! out): each candidate creates an ephemeral sequential node under
//! `PATH/leader` holding its API URL, and the lowest sequence leads. The
//! leader's node is also its fence: the store's writes check that it still
//! exists, so a scheduler whose session ended can no longer write.
//!
//! A session is lost when ZooKeeper expires it or the client stays
//! disconnected for a whole session timeout; the leader stops acting then.

use std::time::Duration;

use tokio::sync::watch;
use zookeeper_client::{
    Acls, CheckWriter, Client, CreateMode, Error, LockOptions, LockPrefix, OwnedLockClient,
    SessionState,
};

use super::ZkLocation;

/// The name part of each candidate's node (`_c_<uuid>-latch-<sequence>`).
const CANDIDATE: &str = "latch-";

/// This scheduler's won election: its node, live while its session is.
#[derive(Debug)]
pub struct Leadership {
    /// Dropping it deletes the node, handing leadership on.
    node: OwnedLockClient,
}

impl Leadership {
    /// The session the leadership lives in.
    pub fn client(&self) -> &Client {
        self.node.client()
    }

    /// A multi-write that only commits while this scheduler still leads.
    pub fn fenced_writer(&self) -> CheckWriter<'_> {
        self.node.new_check_writer()
    }
}

/// Joins the election with `url` (this scheduler's API) and waits until it
/// leads.
pub async fn campaign(
    client: &Client,
    location: &ZkLocation,
    url: &str,
) -> Result<Leadership, Error> {
    let dir = location.election_node();
    let prefix = LockPrefix::new_curator(&dir, CANDIDATE)?;
    let options = LockOptions::new(Acls::anyone_all())
        .with_ancestor_options(CreateMode::Persistent.with_acls(Acls::anyone_all()))?;
    let node = client.lock(prefix, url.as_bytes(), options).await?;
    Ok(Leadership {
        node: node.into_owned(),
    })
}

/// The leader's API URL, if a scheduler leads.
pub async fn leader(client: &Client, location: &ZkLocation) -> Result<Option<String>, Error> {
    let dir = location.election_node();
    let children = match client.list_children(&dir).await {
        Err(Error::NoNode) => return Ok(None),
        result => result?,
    };
    let mut candidates: Vec<(u64, &String)> = children
        .iter()
        .filter_map(|name| sequence(name).map(|sequence| (sequence, name)))
        .collect();
    candidates.sort();
    for (_, name) in candidates {
        match client.get_data(&format!("{dir}/{name}")).await {
            Ok((url, _)) => return Ok(Some(String::from_utf8_lossy(&url).into_owned())),
            // Its scheduler left meanwhile: the next one leads.
            Err(Error::NoNode) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// Keeps `seen` at the leader's URL as it changes, from a task that
/// watches the election in `client`'s session (ended by aborting it).
pub fn follow_leader(
    client: Client,
    location: ZkLocation,
    seen: watch::Sender<Option<String>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let dir = location.election_node();
        loop {
            // Watch first, then read: a change in between still wakes us.
            let changed = match client.list_and_watch_children(&dir).await {
                Ok((_, watcher)) => Some(watcher),
                Err(Error::NoNode) => None,
                Err(e) => {
                    tracing::debug!(error = %e, "watching the election");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            match leader(&client, &location).await {
                Ok(url) => {
                    seen.send_replace(url);
                }
                Err(e) => tracing::debug!(error = %e, "reading the leader"),
            }
            match changed {
                Some(watcher) => {
                    watcher.changed().await;
                }
                // No candidate ever ran here: look again shortly.
                None => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
    })
}

/// Resolves when the session is lost, saying how.
pub async fn session_lost(client: &Client) -> String {
    let mut watcher = client.state_watcher();
    let timeout = client.session_timeout();
    let mut state = watcher.state();
    loop {
        state = match state {
            SessionState::Expired => return "ZooKeeper expired the session".into(),
            SessionState::AuthFailed => {
                return "ZooKeeper refused the session's credentials".into()
            }
            SessionState::Closed => return "the ZooKeeper session was closed".into(),
            SessionState::Disconnected => {
                match tokio::time::timeout(timeout, watcher.changed()).await {
                    Ok(next) => next,
                    Err(_) => {
                        return format!(
                            "disconnected from ZooKeeper for a whole session timeout ({}s)",
                            timeout.as_secs_f32()
                        )
                    }
                }
            }
            _ => watcher.changed().await,
        };
    }
}

/// The sequence ZooKeeper appended to a candidate's node name.
fn sequence(name: &str) -> Option<u64> {
    let (_, sequence) = name.rsplit_once(CANDIDATE)?;
    sequence.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::sequence;

    #[test]
    fn the_sequence_is_what_follows_the_candidate_name() {
        assert_eq!(
            sequence("_c_5f0e8a2c-1c1d-4ac4-9b4c-0d6b3c1e2f3a-latch-0000000012"),
            Some(12)
        );
        assert_eq!(sequence("something-else"), None);
    }
}
