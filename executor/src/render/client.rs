//! A client instance: Apache Kafka's performance tools from the cluster's
//! distribution (`org.apache.kafka.tools.ProducerPerformance` or
//! `ConsumerPerformance`, in its `kafka-tools` jar), run by the JVM straight
//! from `libs/` as the brokers are, for as long as the task runs. The
//! bootstrap servers, a consumer's group and the client's properties go to
//! `client.properties` in the sandbox (mode 0600), never to the command line.
//! A command client's line runs under `/bin/sh -c` in the sandbox, with the
//! bootstrap servers, topic and distribution in its environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{java, write_properties, BrokerCommand, RenderError};
use crate::artifact;
use crate::launch::{ClientTask, Workload};

/// The client's rendered properties, in the sandbox.
pub const CLIENT_PROPERTIES: &str = "client.properties";

/// What runs a command client's line.
const SHELL: &str = "/bin/sh";
const PRODUCER_MAIN: &str = "org.apache.kafka.tools.ProducerPerformance";
const CONSUMER_MAIN: &str = "org.apache.kafka.tools.ConsumerPerformance";
/// "Forever": the tools stop after a count of messages, which they need.
const FOREVER: &str = "9223372036854775807";
/// How often the tools print their throughput to `client.stdout`.
const REPORTING_INTERVAL_MS: &str = "5000";

/// Writes the client's properties and returns its command line.
pub fn render_client(client: &ClientTask, sandbox: &Path) -> Result<BrokerCommand, RenderError> {
    let home = artifact::kafka_home(sandbox, &client.distribution, client.sha256.as_deref())?;
    let config = sandbox.join(CLIENT_PROPERTIES);
    let servers = client.bootstrap_servers.join(",");
    let topic = client.topic.clone();
    let config_arg = config.display().to_string();
    let tool = match &client.workload {
        Workload::Producer { rate, message_size } => vec![
            PRODUCER_MAIN.to_string(),
            "--topic".into(),
            topic,
            "--num-records".into(),
            FOREVER.into(),
            "--throughput".into(),
            rate.to_string(),
            "--record-size".into(),
            message_size.to_string(),
            "--producer.config".into(),
            config_arg,
        ],
        Workload::Consumer => vec![
            CONSUMER_MAIN.to_string(),
            "--bootstrap-server".into(),
            servers.clone(),
            "--topic".into(),
            topic,
            "--group".into(),
            client.name.clone(),
            "--messages".into(),
            FOREVER.into(),
            "--timeout".into(),
            FOREVER.into(),
            "--show-detailed-stats".into(),
            "--reporting-interval".into(),
            REPORTING_INTERVAL_MS.into(),
            "--consumer.config".into(),
            config_arg,
        ],
        Workload::Command { command } => return Ok(shell(client, command, &home, sandbox)),
    };

    let java = java::binary(client.java_home.as_deref())?;
    let mut properties = vec![("bootstrap.servers".to_string(), servers)];
    if client.workload == Workload::Consumer {
        properties.push(("group.id".to_string(), client.name.clone()));
    }
    properties.extend(
        client
            .properties
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    let comment = format!(
        "Rendered by kmesos-executor for client {} instance {} of cluster {}; rewritten at every launch.",
        client.name, client.instance, client.cluster
    );
    write_properties(&config, &comment, &properties)?;

    let mut args = vec![
        format!("-Xms{}m", client.heap_mib),
        format!("-Xmx{}m", client.heap_mib),
        "-XX:+ExitOnOutOfMemoryError".to_string(),
        "-Djava.awt.headless=true".to_string(),
        "-cp".to_string(),
        format!("{}/libs/*", home.display()),
    ];
    args.extend(tool);
    Ok(BrokerCommand {
        program: java,
        args,
        env: Default::default(),
        working_dir: sandbox.to_path_buf(),
    })
}

/// A command client's line under the shell, the cluster in its environment.
fn shell(client: &ClientTask, command: &str, home: &Path, sandbox: &Path) -> BrokerCommand {
    let mut env = BTreeMap::from([
        (
            "KAFKA_BOOTSTRAP_SERVERS".to_string(),
            client.bootstrap_servers.join(","),
        ),
        ("KAFKA_HOME".to_string(), home.display().to_string()),
    ]);
    if !client.topic.is_empty() {
        env.insert("KAFKA_TOPIC".to_string(), client.topic.clone());
    }
    BrokerCommand {
        program: PathBuf::from(SHELL),
        args: vec!["-c".to_string(), command.to_string()],
        env,
        working_dir: sandbox.to_path_buf(),
    }
}
