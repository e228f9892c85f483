//! ZooKeeper as the home of highly available schedulers: the
//! `zk://HOST:PORT[,HOST:PORT…]/PATH` location, the session each scheduler
//! holds, and the nodes under PATH: `PATH/state` (the state document, see
//! `store::ZkStore`) and `PATH/leader` (the election, see [`election`]).

pub mod election;

use std::time::Duration;

use zookeeper_client::Client;

/// The session timeout schedulers ask ZooKeeper for unless told otherwise.
pub const DEFAULT_SESSION_TIMEOUT: Duration = Duration::from_secs(6);

/// A parsed `zk://` state location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZkLocation {
    /// `host:port[,host:port…]`, as ZooKeeper clients take it.
    pub servers: String,
    /// The node everything lives under, e.g. `/kmesos/prod`.
    pub root: String,
}

impl ZkLocation {
    /// `None` when `location` is not a `zk://` location; otherwise the
    /// parsed location or what is wrong with it.
    pub fn parse(location: &str) -> Option<Result<ZkLocation, String>> {
        let rest = location.strip_prefix("zk://")?;
        Some(Self::parse_rest(rest).map_err(|why| {
            format!("invalid ZooKeeper state location {location:?}: {why} (expected zk://HOST:PORT[,HOST:PORT…]/PATH)")
        }))
    }

    fn parse_rest(rest: &str) -> Result<ZkLocation, String> {
        let (servers, path) = match rest.find('/') {
            Some(slash) => rest.split_at(slash),
            None => return Err("no PATH after the servers".into()),
        };
        if servers.is_empty() {
            return Err("no servers".into());
        }
        for server in servers.split(',') {
            let port = server
                .rsplit_once(':')
                .map(|(host, port)| (host, port.parse::<u16>()));
            match port {
                Some((host, Ok(port))) if !host.is_empty() && port > 0 => {}
                _ => return Err(format!("server {server:?} is not HOST:PORT")),
            }
        }
        let root = path.trim_end_matches('/');
        if root.is_empty() {
            return Err("PATH is empty; name a node such as /kmesos".into());
        }
        if root
            .split('/')
            .skip(1)
            .any(|part| part.is_empty() || part == "." || part == "..")
        {
            return Err(format!("PATH {path:?} has an empty, `.` or `..` part"));
        }
        Ok(ZkLocation {
            servers: servers.to_string(),
            root: root.to_string(),
        })
    }

    /// The node holding the state document.
    pub fn state_node(&self) -> String {
        format!("{}/state", self.root)
    }

    /// The parent of the candidates' ephemeral nodes.
    pub fn election_node(&self) -> String {
        format!("{}/leader", self.root)
    }

    /// The location as given back (for messages).
    pub fn display(&self) -> String {
        format!("zk://{}{}", self.servers, self.root)
    }
}

/// Opens a session with the ensemble.
pub async fn connect(
    location: &ZkLocation,
    session_timeout: Duration,
) -> Result<Client, zookeeper_client::Error> {
    Client::connector()
        .with_session_timeout(session_timeout)
        .with_connection_timeout(session_timeout)
        .connect(&location.servers)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_names_servers_and_a_root() {
        let location = ZkLocation::parse("zk://zk1:2181,zk2:2182/kmesos/prod/")
            .unwrap()
            .unwrap();
        assert_eq!(location.servers, "zk1:2181,zk2:2182");
        assert_eq!(location.state_node(), "/kmesos/prod/state");
        assert_eq!(location.election_node(), "/kmesos/prod/leader");
        assert_eq!(location.display(), "zk://zk1:2181,zk2:2182/kmesos/prod");
    }

    #[test]
    fn other_schemes_are_not_zookeeper() {
        assert!(ZkLocation::parse("file:state.json").is_none());
    }

    #[test]
    fn malformed_locations_say_what_is_wrong() {
        for (location, why) in [
            ("zk://zk1:2181", "no PATH"),
            ("zk:///kmesos", "no servers"),
            ("zk://zk1/kmesos", "not HOST:PORT"),
            ("zk://zk1:0/kmesos", "not HOST:PORT"),
            ("zk://zk1:2181/", "PATH is empty"),
            ("zk://zk1:2181/a//b", "empty"),
            ("zk://zk1:2181/a/../b", "`..`"),
        ] {
            let err = ZkLocation::parse(location).unwrap().unwrap_err();
            assert!(err.contains(why), "{location}: {err}");
        }
    }
}
