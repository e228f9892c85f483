//! Building a broker's LAUNCH: the TaskInfo with its ExecutorInfo (the agent
//! fetches the executor and the broker program from the scheduler; the
//! executor's sha256 is checked by the command before it runs, the broker's
//! by the executor) and the launch contract in `TaskInfo.data`.

use engine::config::{BrokerSpec, KafkaKind};
use engine::state::ClusterState;
use kmesos_executor::launch::{
    ApacheProgram, BrokerProgram, LaunchSpec, TansuProgram, Voter, LAUNCH_VERSION,
};
use mesos::proto::command_info::Uri;
use mesos::proto::{
    environment, executor_info, AgentId, CommandInfo, DurationInfo, Environment, ExecutorId,
    ExecutorInfo, FrameworkId, KillPolicy, Resource, TaskId, TaskInfo,
};

use super::config::{Artifact, CoreConfig, Program};
use super::resources::VOLUME_PATH;

/// The executor's file name in the sandbox.
const EXECUTOR_FILE: &str = "kmesos-executor";
/// The tansu binary's file name in the sandbox, when fetched.
const TANSU_FILE: &str = "tansu";
/// The Kafka distribution archive's file name in the sandbox.
const KAFKA_FILE: &str = "kafka.tgz";
/// The agent attribute naming the JVM that runs Apache Kafka there.
pub const JAVA_HOME_ATTRIBUTE: &str = "kafka.java_home";

/// One broker launch, placed on an offer.
pub struct Launch<'a> {
    pub cluster: &'a str,
    pub cluster_state: &'a ClusterState,
    pub cluster_id: &'a str,
    pub id: u32,
    pub spec: &'a BrokerSpec,
    pub task_id: &'a str,
    pub agent_id: &'a str,
    pub framework_id: Option<&'a str>,
    pub hostname: &'a str,
    pub rack: Option<&'a str>,
    /// The agent's [`JAVA_HOME_ATTRIBUTE`], for Apache Kafka.
    pub java_home: Option<&'a str>,
    pub port: u16,
    /// For `apache`: the controller quorum, and this broker's controller
    /// port if it is a voter.
    pub quorum: &'a [Voter],
    pub controller_port: Option<u16>,
    pub resources: Vec<Resource>,
}

/// The TaskInfo for `launch`, or why it cannot be built.
pub fn task_info(config: &CoreConfig, launch: Launch) -> Result<TaskInfo, String> {
    let (program, fetch) = broker_program(config, &launch)?;
    let contract = LaunchSpec {
        version: LAUNCH_VERSION,
        cluster: launch.cluster.to_string(),
        cluster_id: launch.cluster_id.to_string(),
        broker_id: launch.id,
        port: launch.port,
        advertised_host: launch.hostname.to_string(),
        rack: launch.rack.map(str::to_string),
        properties: launch.spec.effective_config(&launch.cluster_state.config),
        data_dir: VOLUME_PATH.to_string(),
        broker: program,
    };
    contract
        .check()
        .map_err(|e| format!("broker {} of cluster {}: {e}", launch.id, launch.cluster))?;
    let data = contract.to_bytes().map_err(|e| e.to_string())?;
    let name = format!("kmesos broker {} of {}", launch.id, launch.cluster);
    let executor = executor(config, launch.task_id, launch.framework_id, name, fetch);
    let task = TaskIds {
        name: format!("{}.broker-{}", launch.cluster, launch.id),
        task_id: launch.task_id,
        agent_id: launch.agent_id,
    };
    Ok(task_under(config, task, launch.resources, executor, data))
}

/// A task's name and ids.
pub(super) struct TaskIds<'a> {
    pub name: String,
    pub task_id: &'a str,
    pub agent_id: &'a str,
}

/// A task run by `executor` with the launch contract `data`, killed with
/// the scheduler's grace period.
pub(super) fn task_under(
    config: &CoreConfig,
    ids: TaskIds,
    resources: Vec<Resource>,
    executor: ExecutorInfo,
    data: Vec<u8>,
) -> TaskInfo {
    TaskInfo {
        name: ids.name,
        task_id: Some(TaskId {
            value: ids.task_id.to_string(),
        }),
        agent_id: Some(AgentId {
            value: ids.agent_id.to_string(),
        }),
        resources,
        executor: Some(executor),
        data: Some(data),
        kill_policy: Some(KillPolicy {
            grace_period: Some(kill_grace(config)),
        }),
        ..Default::default()
    }
}

/// The kill policy's grace period: the scheduler's `kill_grace`.
fn kill_grace(config: &CoreConfig) -> DurationInfo {
    DurationInfo {
        nanoseconds: i64::try_from(config.kill_grace.as_nanos()).unwrap_or(i64::MAX),
    }
}

/// The task's own executor (its id is the task's), fetched with `fetch`
/// from the scheduler. The agent runs the command with /bin/sh in the
/// sandbox: nothing runs unless the fetched executor is the file the
/// scheduler served.
pub(super) fn executor(
    config: &CoreConfig,
    task_id: &str,
    framework_id: Option<&str>,
    name: String,
    fetch: Vec<Uri>,
) -> ExecutorInfo {
    // Artifact URIs name their content's sha256, so agents cache them: one
    // copy per agent, however many tasks it runs.
    let mut uris = vec![Uri {
        value: config.executor.uri.clone(),
        executable: Some(true),
        extract: Some(false),
        cache: Some(true),
        output_file: Some(EXECUTOR_FILE.to_string()),
    }];
    uris.extend(fetch);
    let sha = &config.executor.sha256;
    let command = format!(
        "if echo '{sha}  {EXECUTOR_FILE}' | sha256sum -c --status -; then exec ./{EXECUTOR_FILE}; \
         else echo '{EXECUTOR_FILE}: sha256 is not {sha}, the one the scheduler announced' >&2; exit 1; fi"
    );
    ExecutorInfo {
        executor_id: Some(ExecutorId {
            value: task_id.to_string(),
        }),
        framework_id: framework_id.map(|f| FrameworkId {
            value: f.to_string(),
        }),
        name: Some(name),
        r#type: Some(executor_info::Type::Custom as i32),
        command: Some(CommandInfo {
            uris,
            environment: Some(Environment {
                variables: vec![environment::Variable {
                    name: "KMESOS_EXECUTOR_SHA256".to_string(),
                    value: Some(sha.clone()),
                    r#type: None,
                }],
            }),
            value: Some(command),
            shell: Some(true),
            ..Default::default()
        }),
        shutdown_grace_period: Some(kill_grace(config)),
        ..Default::default()
    }
}

/// The URI the agent fetches `artifact` from, cached, as `file` in the sandbox.
fn fetched(artifact: &Artifact, file: &str) -> Uri {
    Uri {
        value: artifact.uri.clone(),
        executable: Some(true),
        extract: Some(false),
        cache: Some(true),
        output_file: Some(file.to_string()),
    }
}

/// A Kafka distribution archive, kept as the archive: the executor checks
/// its sha256, then unpacks it.
pub(super) fn kafka_archive(artifact: &Artifact) -> (String, Uri) {
    let mut uri = fetched(artifact, KAFKA_FILE);
    uri.executable = Some(false);
    (KAFKA_FILE.to_string(), uri)
}

/// The broker program for the launch contract, and what the agent fetches for it.
fn broker_program(
    config: &CoreConfig,
    launch: &Launch,
) -> Result<(BrokerProgram, Vec<Uri>), String> {
    let kafka = &launch.cluster_state.kafka;
    // tansu brokers do not know each other: a front on each sends clients'
    // cluster-wide requests to the scheduler's endpoint for the cluster.
    let endpoint = kafka
        .endpoint
        .as_deref()
        .map(|addr| reachable_endpoint(addr, &config.executor.uri));
    match kafka.kind {
        KafkaKind::Tansu => Ok(match &config.tansu {
            Program::Installed(path) => (
                BrokerProgram::Tansu(TansuProgram {
                    binary: path.clone(),
                    sha256: None,
                    endpoint,
                }),
                Vec::new(),
            ),
            Program::Fetched(artifact) => (
                BrokerProgram::Tansu(TansuProgram {
                    binary: TANSU_FILE.to_string(),
                    sha256: Some(artifact.sha256.clone()),
                    endpoint,
                }),
                vec![fetched(artifact, TANSU_FILE)],
            ),
        }),
        KafkaKind::Apache => {
            let artifact = distribution(config, kafka.dist.as_deref())
                .map_err(|why| format!("cluster {}: {why}", launch.cluster))?;
            let heap = launch.spec.heap.unwrap_or(launch.spec.mem / 2).max(1);
            let (distribution, uri) = kafka_archive(artifact);
            let program = ApacheProgram {
                distribution,
                sha256: Some(artifact.sha256.clone()),
                heap_mib: u32::try_from(heap).unwrap_or(u32::MAX),
                java_home: launch.java_home.map(str::to_string),
                quorum: launch.quorum.to_vec(),
                controller_port: launch.controller_port,
            };
            Ok((BrokerProgram::Apache(program), vec![uri]))
        }
    }
}

/// The distribution a cluster runs: the one its `kafka.dist` names, or,
/// when it names none, the only one the scheduler serves.
pub(super) fn distribution<'c>(
    config: &'c CoreConfig,
    dist: Option<&str>,
) -> Result<&'c Artifact, String> {
    if let Some(dist) = dist {
        return config
            .distributions
            .get(dist)
            .ok_or_else(|| format!("the scheduler does not serve the distribution {dist:?}"));
    }
    // Each distribution is listed under its path and its file name.
    let mut served = config.distributions.values();
    match served.next() {
        Some(first) if served.all(|a| a.sha256 == first.sha256) => Ok(first),
        Some(_) => Err("kafka.dist must name one of the distributions the scheduler serves".into()),
        None => Err(
            "kind = \"apache\" needs an Apache Kafka distribution, and the scheduler serves none \
             (kmesos scheduler --dist PATH)"
                .into(),
        ),
    }
}

/// The endpoint address as agents reach it: an endpoint bound to every
/// interface (`0.0.0.0:9092`, `[::]:9092`) is reached at the host agents
/// fetch the executor from.
fn reachable_endpoint(addr: &str, scheduler_uri: &str) -> String {
    let Some((host, port)) = addr.rsplit_once(':') else {
        return addr.to_string();
    };
    if !matches!(host, "0.0.0.0" | "[::]" | "::" | "") {
        return addr.to_string();
    }
    let authority = scheduler_uri
        .split_once("://")
        .map_or(scheduler_uri, |(_, rest)| rest)
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    let scheduler_host = match authority.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h,
        _ => authority,
    };
    format!("{scheduler_host}:{port}")
}

#[cfg(test)]
mod tests {
    use super::reachable_endpoint;

    #[test]
    fn an_endpoint_on_every_interface_is_reached_at_the_scheduler_host() {
        let uri = "http://sched.internal:7000/artifacts/kmesos-executor?sha256=ab";
        assert_eq!(
            reachable_endpoint("0.0.0.0:9092", uri),
            "sched.internal:9092"
        );
        assert_eq!(reachable_endpoint("[::]:9093", uri), "sched.internal:9093");
        assert_eq!(reachable_endpoint("10.0.0.5:9092", uri), "10.0.0.5:9092");
        assert_eq!(
            reachable_endpoint("0.0.0.0:9092", "http://[fd00::1]:7000/x"),
            "[fd00::1]:9092"
        );
    }
}
