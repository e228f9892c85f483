//! What a daemon needs before it may act, made ready ahead: the API's
//! listening socket and URL, the artifacts agents fetch (hashed once, which
//! takes seconds for a Kafka distribution) and the core's configuration
//! naming them. A standby prepares while it waits, so that once elected it
//! only loads the state and subscribes.

use std::net::SocketAddr;

use anyhow::Context;

use super::{Options, ROLE};
use crate::artifacts::Artifacts;
use crate::core::{Artifact, CoreConfig, Program};

/// A daemon ready to start.
pub struct Prepared {
    pub(super) listener: std::net::TcpListener,
    pub(super) api_addr: SocketAddr,
    pub(super) url: String,
    pub(super) artifacts: Artifacts,
    pub(super) config: CoreConfig,
    pub(super) options: Options,
}

impl Prepared {
    /// Binds the API's address and hashes the artifacts.
    pub fn new(options: Options) -> anyhow::Result<Prepared> {
        let listener = std::net::TcpListener::bind(options.api)
            .with_context(|| format!("cannot listen on {} for the API", options.api))?;
        listener.set_nonblocking(true)?;
        let api_addr = listener.local_addr()?;
        let url = options
            .advertised_url
            .clone()
            .unwrap_or_else(|| format!("http://{api_addr}"));

        let mut artifacts = Artifacts::new(url.clone());
        let executor = artifacts.add(&options.executor, true)?.clone();
        let executor = Artifact {
            uri: artifacts.uri(&executor),
            sha256: executor.sha256,
        };
        let tansu = match &options.tansu {
            Some(path) => {
                let tansu = artifacts.add(path, true)?.clone();
                Program::Fetched(Artifact {
                    uri: artifacts.uri(&tansu),
                    sha256: tansu.sha256,
                })
            }
            None => Program::Installed("tansu".into()),
        };
        let mut config = CoreConfig::new(ROLE, executor, tansu);
        config.principal = Some("kmesos".into());
        config.kafka = options.kafka.clone();
        for path in &options.distributions {
            let served = artifacts.add(path, false)?.clone();
            let artifact = Artifact {
                uri: artifacts.uri(&served),
                sha256: served.sha256.clone(),
            };
            config
                .distributions
                .insert(path.display().to_string(), artifact.clone());
            config.distributions.insert(served.name, artifact);
        }
        if let Some(tune) = options.tune {
            tune(&mut config);
        }
        Ok(Prepared {
            listener,
            api_addr,
            url,
            artifacts,
            config,
            options,
        })
    }

    /// The API's address.
    pub fn api_addr(&self) -> SocketAddr {
        self.api_addr
    }

    /// The API's URL as others reach it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Another handle on the API's socket, for serving before the daemon
    /// starts (a standby's API).
    pub fn listener(&self) -> std::io::Result<tokio::net::TcpListener> {
        tokio::net::TcpListener::from_std(self.listener.try_clone()?)
    }
}
