//! A client instance: Apache Kafka's performance tools from the cluster's
//! distribution (`org.apache.kafka.tools.ProducerPerformance` or
//! `ConsumerPerformance`, in its `kafka-tools` jar), run by the JVM straight
//! from `libs/` as the brokers are, for as long as the task runs. The
//! bootstrap servers, a consumer's group and the client's properties go to
//! `client.properties` in the sandbox (mode 0600), never to the command line.

use std::path::Path;

use super::{java, write_properties, BrokerCommand, RenderError};
use crate::artifact;
use crate::launch::{ClientTask, Workload};

/// The client's rendered properties, in the sandbox.
pub const CLIENT_PROPERTIES: &str = "client.properties";

const PRODUCER_MAIN: &str = "org.apache.kafka.tools.ProducerPerformance";
const CONSUMER_MAIN: &str = "org.apache.kafka.tools.ConsumerPerformance";
/// "Forever": the tools stop after a count of messages, which they need.
const FOREVER: &str = "9223372036854775807";
/// How often the tools print their throughput to `client.stdout`.
const REPORTING_INTERVAL_MS: &str = "5000";

/// Writes the client's properties and returns its command line.
pub fn render_client(client: &ClientTask, sandbox: &Path) -> Result<BrokerCommand, RenderError> {
    let home = artifact::kafka_home(sandbox, &client.distribution, client.sha256.as_deref())?;
    let java = java::binary(client.java_home.as_deref())?;
    let config = sandbox.join(CLIENT_PROPERTIES);
    let servers = client.bootstrap_servers.join(",");
    let mut properties = vec![("bootstrap.servers".to_string(), servers.clone())];
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

    let config = config.display().to_string();
    let topic = client.topic.clone();
    let mut args = vec![
        format!("-Xms{}m", client.heap_mib),
        format!("-Xmx{}m", client.heap_mib),
        "-XX:+ExitOnOutOfMemoryError".to_string(),
        "-Djava.awt.headless=true".to_string(),
        "-cp".to_string(),
        format!("{}/libs/*", home.display()),
    ];
    match client.workload {
        Workload::Producer { rate, message_size } => args.extend([
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
            config,
        ]),
        Workload::Consumer => args.extend([
            CONSUMER_MAIN.to_string(),
            "--bootstrap-server".into(),
            servers,
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
            config,
        ]),
    }
    Ok(BrokerCommand {
        program: java,
        args,
        env: Default::default(),
        working_dir: sandbox.to_path_buf(),
    })
}
