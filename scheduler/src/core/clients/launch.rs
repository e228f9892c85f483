//! Building a client instance's LAUNCH: the same executor as brokers, the
//! Kafka distribution the cluster runs (for a tansu cluster, the one the
//! scheduler serves) for its performance tools, a command client's own
//! URIs, and the client's launch contract in `TaskInfo.data`.

use engine::config::{ClientKind, ClientSpec, KafkaKind};
use engine::state::ClusterState;
use kmesos_executor::launch::{ClientLaunch, ClientTask, Workload, LAUNCH_VERSION};
use mesos::proto::command_info::Uri;
use mesos::proto::{Resource, TaskInfo};

use super::InstanceKey;
use crate::core::config::CoreConfig;
use crate::core::launch::{distribution, executor, kafka_archive, task_under, TaskIds};

/// One instance launch, placed on an offer.
pub(super) struct InstanceLaunch<'a> {
    pub key: &'a InstanceKey,
    pub spec: &'a ClientSpec,
    pub cluster_state: &'a ClusterState,
    pub task_id: &'a str,
    pub agent_id: &'a str,
    pub framework_id: Option<&'a str>,
    /// The agent's `kafka.java_home` attribute.
    pub java_home: Option<&'a str>,
    pub bootstrap_servers: Vec<String>,
    pub resources: Vec<Resource>,
}

/// The TaskInfo for `launch`, or why it cannot be built.
pub(super) fn task_info(config: &CoreConfig, launch: InstanceLaunch) -> Result<TaskInfo, String> {
    let (cluster, name, instance) = launch.key;
    let who = format!("client {name} of cluster {cluster}");
    let kafka = &launch.cluster_state.kafka;
    // A tansu cluster names no distribution: the tools come from the one served.
    let dist = match kafka.kind {
        KafkaKind::Apache => kafka.dist.as_deref(),
        KafkaKind::Tansu => None,
    };
    let artifact = distribution(config, dist).map_err(|why| format!("{who}: {why}"))?;
    let (archive, uri) = kafka_archive(artifact);
    let spec = launch.spec;
    let workload = match spec.kind {
        ClientKind::Producer => Workload::Producer {
            rate: spec.rate.unwrap_or(ClientSpec::DEFAULT_RATE),
            message_size: spec
                .message_size
                .unwrap_or(ClientSpec::DEFAULT_MESSAGE_SIZE),
        },
        ClientKind::Consumer => Workload::Consumer,
        ClientKind::Command => Workload::Command {
            command: spec.command.clone().unwrap_or_default(),
        },
    };
    let contract = ClientLaunch {
        version: LAUNCH_VERSION,
        client: ClientTask {
            cluster: cluster.clone(),
            name: name.clone(),
            instance: *instance,
            bootstrap_servers: launch.bootstrap_servers,
            topic: spec.topic.clone().unwrap_or_default(),
            workload,
            properties: spec.properties.clone(),
            distribution: archive,
            sha256: Some(artifact.sha256.clone()),
            heap_mib: u32::try_from(spec.mem / 2).unwrap_or(u32::MAX).max(1),
            java_home: launch.java_home.map(str::to_string),
        },
    };
    contract.check().map_err(|e| format!("{who}: {e}"))?;
    let data = contract.to_bytes().map_err(|e| e.to_string())?;
    let described = format!("kmesos client {name} instance {instance} of {cluster}");
    // A command client's own URIs, fetched as Mesos fetches a command
    // task's: into the sandbox, archives unpacked, not cached.
    let mut fetch = vec![uri];
    fetch.extend(spec.uris.iter().map(|value| Uri {
        value: value.clone(),
        executable: Some(false),
        extract: Some(true),
        cache: Some(false),
        output_file: None,
    }));
    let executor = executor(
        config,
        launch.task_id,
        launch.framework_id,
        described,
        fetch,
    );
    let task = TaskIds {
        name: format!("{cluster}.client-{name}-{instance}"),
        task_id: launch.task_id,
        agent_id: launch.agent_id,
    };
    Ok(task_under(config, task, launch.resources, executor, data))
}
