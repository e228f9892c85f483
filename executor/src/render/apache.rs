//! Apache Kafka in KRaft mode: a `server.properties` in the sandbox (node id,
//! roles, listeners on the offered ports advertised with the agent's
//! hostname, the controller quorum, log dirs on the volume, rack, then the
//! merged cluster and broker properties) and a log4j2 configuration; a
//! one-time storage format of the volume (`kafka.tools.StorageTool`), then
//! the broker (`kafka.Kafka`), both run by the JVM straight from the
//! distribution's `libs/` with the heap from the contract.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

use super::{java, write_properties, BrokerCommand, PrepareStep, RenderError, RenderedBroker};
use crate::artifact;
use crate::launch::{ApacheProgram, LaunchSpec};

/// The rendered configuration, in the sandbox (rewritten at every launch).
pub const SERVER_PROPERTIES: &str = "server.properties";
/// Kafka's partition data, under the data volume.
pub const KAFKA_LOG_DIRS: &str = "kafka-logs";
/// Written on the volume once `kafka-storage.sh format` has succeeded.
pub const FORMAT_MARKER: &str = ".kmesos-formatted";
/// Kafka's own log files (server.log), in the sandbox.
pub const KAFKA_APP_LOGS: &str = "kafka-app-logs";
/// The rendered log4j2 configuration, in the sandbox.
pub const LOG4J2_PROPERTIES: &str = "log4j2.properties";

/// The broker's main class, and the storage tool that formats a log dir.
const BROKER_MAIN: &str = "kafka.Kafka";
const STORAGE_TOOL: &str = "kafka.tools.StorageTool";
/// The format step is a short-lived JVM: it needs no broker-sized heap.
const FORMAT_HEAP_MIB: u32 = 256;

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
    let java = java::binary(apache.java_home.as_deref())?;
    let config = sandbox.join(SERVER_PROPERTIES);
    let log_dirs = data_dir.join(KAFKA_LOG_DIRS);
    let properties = server_properties(spec, apache, &log_dirs);
    let comment = format!(
        "Rendered by kmesos-executor for cluster {} broker {}; rewritten at every launch.",
        spec.cluster, spec.broker_id
    );
    write_properties(&config, &comment, &properties)?;
    let logging = sandbox.join(LOG4J2_PROPERTIES);
    let app_logs = sandbox.join(KAFKA_APP_LOGS);
    std::fs::write(&logging, log4j2_properties(&app_logs)).map_err(RenderError::io(&logging))?;

    let config_arg = config.display().to_string();
    let class_path = format!("{}/libs/*", home.display());
    // The JVM options both the format step and the broker run with.
    let jvm = |heap_mib: u32, main_class: &str, args: Vec<String>| {
        let mut all = vec![
            format!("-Xms{heap_mib}m"),
            format!("-Xmx{heap_mib}m"),
            "-XX:+UseG1GC".to_string(),
            "-XX:MaxGCPauseMillis=20".to_string(),
            // A broker out of memory is better dead (relaunched) than limping.
            "-XX:+ExitOnOutOfMemoryError".to_string(),
            "-Djava.awt.headless=true".to_string(),
            format!("-Dlog4j2.configurationFile={}", logging.display()),
            format!("-Dkafka.logs.dir={}", app_logs.display()),
            "-cp".to_string(),
            class_path.clone(),
            main_class.to_string(),
        ];
        all.extend(args);
        BrokerCommand {
            program: java.clone(),
            args: all,
            env: BTreeMap::new(),
            working_dir: sandbox.to_path_buf(),
        }
    };
    let format = jvm(
        FORMAT_HEAP_MIB.min(apache.heap_mib),
        STORAGE_TOOL,
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
    );
    let run = jvm(apache.heap_mib, BROKER_MAIN, vec![config_arg]);
    Ok(RenderedBroker {
        prepare: Some(PrepareStep {
            command: format,
            marker: data_dir.join(FORMAT_MARKER),
        }),
        run,
        probe_addr,
        files: vec![config, logging],
        front: None,
    })
}

/// Kafka's logging: everything from INFO up to `server.log` (10 MiB, three
/// files kept, so a long-lived broker cannot fill the sandbox), warnings and
/// errors also on standard output, which lands in `broker.stdout`.
fn log4j2_properties(app_logs: &Path) -> String {
    let server_log = app_logs.join("server.log");
    let rolled = app_logs.join("server.log.%i");
    format!(
        "# Rendered by kmesos-executor; rewritten at every launch.
status = warn
# Kafka logs its controlled shutdown from its own shutdown hook: log4j's
# must not close the appenders first.
shutdownHook = disable
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_OUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
appender.console.filter.level.type = ThresholdFilter
appender.console.filter.level.level = warn
appender.server.type = RollingFile
appender.server.name = server
appender.server.fileName = {server_log}
appender.server.filePattern = {rolled}
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
appender.server.policies.type = Policies
appender.server.policies.size.type = SizeBasedTriggeringPolicy
appender.server.policies.size.size = 10MB
appender.server.strategy.type = DefaultRolloverStrategy
appender.server.strategy.max = 3
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
rootLogger.appenderRef.server.ref = server
",
        server_log = server_log.display(),
        rolled = rolled.display(),
    )
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
