//! Turns a launch contract into what to run: the broker's configuration files
//! on disk, an optional one-time preparation step (Apache Kafka's storage
//! format) and the broker's command line; or a client instance's properties
//! and its performance tool's command line ([`client`]). Nothing is started
//! here; the `broker` module runs what this returns, and tests inspect it.

mod apache;
mod client;
mod java;
mod tansu;

pub use self::client::{render_client, CLIENT_PROPERTIES};

pub use self::apache::{
    FORMAT_MARKER, KAFKA_APP_LOGS, KAFKA_LOG_DIRS, LOG4J2_PROPERTIES, SERVER_PROPERTIES,
};
pub use self::tansu::TANSU_DATABASE;

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::artifact::ArtifactError;
use crate::launch::{BrokerProgram, LaunchSpec};
use kafka::front::FrontPlan;

/// One program invocation, fully spelled out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Added to (and overriding) the executor's own environment.
    pub env: BTreeMap<String, String>,
    pub working_dir: PathBuf,
}

/// A step run to completion once per data volume before the broker starts:
/// skipped when `marker` exists, which is written after it succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrepareStep {
    pub command: BrokerCommand,
    pub marker: PathBuf,
}

/// What the executor runs for one broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedBroker {
    pub prepare: Option<PrepareStep>,
    pub run: BrokerCommand,
    /// Where the executor probes the broker: its port on the loopback
    /// interface (the broker's own listener, or its front's).
    pub probe_addr: SocketAddr,
    /// Configuration files written, for the log and for `kmesos broker log`.
    pub files: Vec<PathBuf>,
    /// The front to run on the broker's port, for tansu with an endpoint.
    pub front: Option<FrontPlan>,
}

/// Why a broker's configuration could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: {message}")]
    Unsafe { path: PathBuf, message: String },
    #[error("no Java runtime for Apache Kafka: {0}")]
    NoJava(String),
}

impl RenderError {
    fn io(path: &Path) -> impl FnOnce(io::Error) -> RenderError + '_ {
        move |source| RenderError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Renders the broker described by `spec` inside `sandbox` (an absolute
/// path: MESOS_SANDBOX). Creates the data directory if the volume is empty,
/// writes configuration files and returns the commands to run.
pub fn render(spec: &LaunchSpec, sandbox: &Path) -> Result<RenderedBroker, RenderError> {
    let data_dir = sandbox.join(&spec.data_dir);
    std::fs::create_dir_all(&data_dir).map_err(RenderError::io(&data_dir))?;
    let probe_addr = SocketAddr::from((Ipv4Addr::LOCALHOST, spec.port));
    match &spec.broker {
        BrokerProgram::Tansu(tansu) => tansu::render(spec, tansu, sandbox, &data_dir, probe_addr),
        BrokerProgram::Apache(apache) => {
            apache::render(spec, apache, sandbox, &data_dir, probe_addr)
        }
    }
}

/// Writes a Java properties file readable by its owner only: properties may
/// hold secrets.
fn write_properties(
    path: &Path,
    comment: &str,
    props: &[(String, String)],
) -> Result<(), RenderError> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(RenderError::io(path))?;
    let to_render_error = |e: java_properties::PropertiesError| RenderError::Unsafe {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut writer = java_properties::PropertiesWriter::new(file);
    writer.write_comment(comment).map_err(to_render_error)?;
    for (key, value) in props {
        writer.write(key, value).map_err(to_render_error)?;
    }
    writer.finish().map_err(to_render_error)
}
