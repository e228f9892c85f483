//! tansu: a single process configured by its command line. It stores data in
//! sqlite with the data volume as its working directory (its `sqlite://`
//! paths are relative to the working directory) and advertises the agent's
//! hostname and the offered port. It listens on that port itself, or, when
//! the cluster has a Kafka endpoint, on a free loopback port behind the
//! executor's front (`kafka::front`), which holds the offered port.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;

use super::{BrokerCommand, RenderError, RenderedBroker};
use crate::artifact;
use crate::launch::{LaunchSpec, TansuProgram};
use kafka::front::FrontPlan;

/// The sqlite database tansu keeps in its working directory (the volume).
pub const TANSU_DATABASE: &str = "tansu.db";

pub(super) fn render(
    spec: &LaunchSpec,
    tansu: &TansuProgram,
    sandbox: &Path,
    data_dir: &Path,
    probe_addr: SocketAddr,
) -> Result<RenderedBroker, RenderError> {
    let program = artifact::resolve(sandbox, &tansu.binary);
    artifact::verify(&program, tansu.sha256.as_deref())?;
    refuse_dotenv(data_dir)?;
    if !spec.properties.is_empty() {
        // tansu has no Kafka broker properties; say so rather than pretend.
        let names: Vec<&str> = spec.properties.keys().map(String::as_str).collect();
        tracing::warn!(properties = ?names, "tansu ignores Kafka broker properties");
    }
    // The probe goes to the broker's port either way: behind a front, the
    // front passes the executor's ApiVersions (client id `kmesos`) to tansu,
    // so an answer means the port clients use works end to end.
    let (listen, front) = match &tansu.endpoint {
        None => (SocketAddr::from(([0, 0, 0, 0], spec.port)), None),
        Some(endpoint) => {
            let behind = free_loopback_port().map_err(|source| RenderError::Io {
                path: data_dir.to_path_buf(),
                source,
            })?;
            let front = FrontPlan {
                listen: SocketAddr::from(([0, 0, 0, 0], spec.port)),
                broker: behind,
                endpoint: endpoint.clone(),
            };
            (behind, Some(front))
        }
    };
    // `--flag=value`: a cluster id is base64url and may begin with '-',
    // which as a separate argument would be read as a flag.
    let args = [
        "broker",
        &format!("--cluster-id={}", spec.cluster_id),
        "--listener-url",
        &format!("tcp://{listen}"),
        "--advertised-listener-url",
        &format!("tcp://{}", spec.endpoint()),
        "--storage-engine",
        &format!("sqlite://{TANSU_DATABASE}"),
    ]
    .map(str::to_string)
    .to_vec();
    Ok(RenderedBroker {
        prepare: None,
        run: BrokerCommand {
            program,
            args,
            // Plain text in broker.stdout, for people and status messages.
            env: BTreeMap::from([("NO_COLOR".to_string(), "1".to_string())]),
            working_dir: data_dir.to_path_buf(),
        },
        probe_addr,
        files: Vec::new(),
        front,
    })
}

/// A loopback port free now, for tansu behind the front. Another process
/// could take it before tansu binds it; tansu then fails to start and the
/// task fails like any broker that cannot listen.
fn free_loopback_port() -> std::io::Result<SocketAddr> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()
}

/// tansu loads a `.env` file from its working directory or any parent,
/// which would silently change its settings: refuse to start over one.
fn refuse_dotenv(data_dir: &Path) -> Result<(), RenderError> {
    match data_dir
        .ancestors()
        .map(|dir| dir.join(".env"))
        .find(|p| p.exists())
    {
        Some(path) => Err(RenderError::Unsafe {
            path,
            message: "tansu would read this .env file and override its settings; remove it".into(),
        }),
        None => Ok(()),
    }
}
