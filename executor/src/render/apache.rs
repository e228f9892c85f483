//! Apache Kafka in KRaft mode: a `server.properties` in the sandbox (node id,
//! roles, listeners on the offered ports advertised with the agent's
//! hostname, the controller quorum, log dirs on the volume, rack, then the
//! merged cluster and broker properties), a one-time `kafka-storage.sh
//! format` of the volume, and `kafka-server-start.sh` with the heap from the
//! contract.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::net::SocketAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::{BrokerCommand, PrepareStep, RenderError, RenderedBroker};
use crate::artifact;
use crate::launch::{ApacheProgram, LaunchSpec};

/// The rendered configuration, in the sandbox (rewritten at every launch).
pub const SERVER_PROPERTIES: &str = "server.properties";
/// Kafka's partition data, under the data volume.
pub const KAFKA_LOG_DIRS: &str = "kafka-logs";
/// Written on the volume once `kafka-storage.sh format` has succeeded.
pub const FORMAT_MARKER: &str = ".kmesos-formatted";
/// Kafka's own log4j files (server.log, controller.log…), in the sandbox.
pub const KAFKA_APP_LOGS: &str = "kafka-app-logs";

const CLIENT_LISTENER: &str = "PLAINTEXT";
const CONTROLLER_LISTENER: &str = "CONTROLLER";

pub(super) fn render(
    spec: &LaunchSpec,
    apache: &ApacheProgram,
    sandbox: &Path,
    data_dir: &Path,
    probe_addr: SocketAddr,
) -> Result<RenderedBroker, RenderError> {
    let home = artifact::kafka_home(sandbox, &apache.distribution, apache.sha256.as_deref())?;
    let config = sandbox.join(SERVER_PROPERTIES);
    let log_dirs = data_dir.join(KAFKA_LOG_DIRS);
    let properties = server_properties(spec, apache, &log_dirs);
    write_properties(&config, spec, &properties)?;

    let config_arg = config.display().to_string();
    let command = |script: &str, args: Vec<String>, env: BTreeMap<String, String>| BrokerCommand {
        program: home.join("bin").join(script),
        args,
        env,
        working_dir: sandbox.to_path_buf(),
    };
    let format = command(
        "kafka-storage.sh",
        vec![
            "format".into(),
            // One argument: a base64url cluster id may begin with '-'.
            format!("--cluster-id={}", spec.cluster_id),
            "--config".into(),
            config_arg.clone(),
            // A crash between format and writing the marker must not wedge
            // the broker: formatting again is then a no-op.
            "--ignore-formatted".into(),
        ],
        BTreeMap::new(),
    );
    let env = BTreeMap::from([
        (
            "KAFKA_HEAP_OPTS".to_string(),
            format!("-Xms{0}m -Xmx{0}m", apache.heap_mib),
        ),
        (
            "LOG_DIR".to_string(),
            sandbox.join(KAFKA_APP_LOGS).display().to_string(),
        ),
    ]);
    let run = command("kafka-server-start.sh", vec![config_arg], env);
    Ok(RenderedBroker {
        prepare: Some(PrepareStep {
            command: format,
            marker: data_dir.join(FORMAT_MARKER),
        }),
        run,
        probe_addr,
        files: vec![config],
        front: None,
    })
}

/// The properties in the order they are written: the ones the executor
/// manages first, then the merged cluster and broker properties (which the
/// launch contract has already checked do not touch the managed ones).
fn server_properties(
    spec: &LaunchSpec,
    apache: &ApacheProgram,
    log_dirs: &Path,
) -> Vec<(String, String)> {
    let quorum = &apache.quorum;
    let voter = apache
        .controller_port
        .filter(|_| quorum.iter().any(|v| v.node_id == spec.broker_id));
    let mut listeners = format!("{CLIENT_LISTENER}://0.0.0.0:{}", spec.port);
    let mut roles = "broker".to_string();
    if let Some(port) = voter {
        listeners.push_str(&format!(",{CONTROLLER_LISTENER}://0.0.0.0:{port}"));
        roles.push_str(",controller");
    }
    let voters: Vec<String> = quorum
        .iter()
        .map(|v| format!("{}@{}:{}", v.node_id, v.host, v.port))
        .collect();
    let mut props = vec![
        ("node.id".to_string(), spec.broker_id.to_string()),
        ("process.roles".to_string(), roles),
        ("listeners".to_string(), listeners),
        (
            "advertised.listeners".to_string(),
            format!("{CLIENT_LISTENER}://{}", spec.endpoint()),
        ),
        (
            "listener.security.protocol.map".to_string(),
            format!("{CLIENT_LISTENER}:PLAINTEXT,{CONTROLLER_LISTENER}:PLAINTEXT"),
        ),
        (
            "inter.broker.listener.name".to_string(),
            CLIENT_LISTENER.to_string(),
        ),
        (
            "controller.listener.names".to_string(),
            CONTROLLER_LISTENER.to_string(),
        ),
        ("controller.quorum.voters".to_string(), voters.join(",")),
        ("log.dirs".to_string(), log_dirs.display().to_string()),
    ];
    if let Some(rack) = &spec.rack {
        props.push(("broker.rack".to_string(), rack.clone()));
    }
    props.extend(spec.properties.iter().map(|(k, v)| (k.clone(), v.clone())));
    props
}

/// Writes the file readable by its owner only: properties may hold secrets.
fn write_properties(
    path: &Path,
    spec: &LaunchSpec,
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
    writer
        .write_comment(&format!(
            "Rendered by kmesos-executor for cluster {} broker {}; rewritten at every launch.",
            spec.cluster, spec.broker_id
        ))
        .map_err(to_render_error)?;
    for (key, value) in props {
        writer.write(key, value).map_err(to_render_error)?;
    }
    writer.finish().map_err(to_render_error)
}
