//! DescribeConfigs, IncrementalAlterConfigs and AlterConfigs on BROKER and
//! TOPIC resources. Broker configs come from the backend (what kmesos
//! rendered, per broker or cluster-wide: see [`BrokerTarget`]); topic configs
//! from the backend when kmesos manages the topic, else from the brokers.
//! Sensitive values are never handed out.
//!
//! Broker changes: only dynamic properties, as Kafka allows; a request naming
//! a static one is refused whole with INVALID_REQUEST and Kafka's message. On
//! Kafka the change is applied through the live broker; tansu has no runtime
//! broker configs, so there the backend's record is the change (the scheduler
//! renders it into the broker's config). Either way the backend hears of it.

use futures::future::join_all;
use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult,
};
use kafka_protocol::messages::incremental_alter_configs_request::AlterableConfig;
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::{
    alter_configs_response, incremental_alter_configs_response, AlterConfigsRequest,
    AlterConfigsResponse, DescribeConfigsRequest, DescribeConfigsResponse,
    IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, MetadataRequest, TopicName,
};
use kafka_protocol::protocol::StrBytes;

use super::{failure_code, Cluster, ClusterKind, LiveBroker, TopicChange};
use crate::configs::{
    described_entries, is_sensitive, ConfigChange, ConfigEntry, ConfigResource, OP_DELETE, OP_SET,
};
use crate::error::code::{INVALID_REQUEST, UNKNOWN_SERVER_ERROR, UNKNOWN_TOPIC_OR_PARTITION};
use crate::error::KafkaError;

/// An error code and message for one resource.
type Refusal = (i16, String);

fn text(s: impl Into<String>) -> StrBytes {
    StrBytes::from_string(s.into())
}

pub(crate) async fn describe_configs(
    cluster: &Cluster,
    request: DescribeConfigsRequest,
) -> DescribeConfigsResponse {
    let mut results = Vec::new();
    for asked in request.resources {
        let described = match ConfigResource::from_kafka(asked.resource_type, &asked.resource_name)
        {
            Some(ConfigResource::Broker(name)) => broker_entries(cluster, &name),
            Some(ConfigResource::Topic(name)) => topic_entries(cluster, &name).await,
            None => Err((
                INVALID_REQUEST,
                format!(
                    "the kmesos endpoint describes BROKER and TOPIC configs, not resource type {}",
                    asked.resource_type
                ),
            )),
        };
        let result = DescribeConfigsResult::default()
            .with_resource_type(asked.resource_type)
            .with_resource_name(asked.resource_name.clone());
        results.push(match described {
            Ok(entries) => {
                let wanted = |e: &ConfigEntry| {
                    asked
                        .configuration_keys
                        .as_ref()
                        .is_none_or(|keys| keys.iter().any(|k| k.as_str() == e.name))
                };
                result.with_configs(
                    entries
                        .iter()
                        .filter(|e| wanted(e))
                        .map(|e| describe_entry(e, asked.resource_type))
                        .collect(),
                )
            }
            Err((code, message)) => result
                .with_error_code(code)
                .with_error_message(Some(text(message))),
        });
    }
    DescribeConfigsResponse::default().with_results(results)
}

/// One entry as Kafka describes it; sensitive values go out as null.
fn describe_entry(entry: &ConfigEntry, resource_type: i8) -> DescribeConfigsResourceResult {
    let sensitive = entry.sensitive || is_sensitive(&entry.name);
    DescribeConfigsResourceResult::default()
        .with_name(text(entry.name.clone()))
        .with_value(if sensitive {
            None
        } else {
            entry.value.clone().map(text)
        })
        .with_read_only(entry.read_only)
        .with_config_source(entry.source.kafka_code(resource_type))
        .with_is_sensitive(sensitive)
}

fn broker_entries(cluster: &Cluster, name: &str) -> Result<Vec<ConfigEntry>, Refusal> {
    match broker_target(cluster, name)? {
        BrokerTarget::ClusterDefault => Ok(cluster.backend.cluster_broker_config()),
        BrokerTarget::Live(broker) => cluster
            .backend
            .broker_config(broker.node_id)
            .ok_or_else(|| not_live(name)),
    }
}

/// What a BROKER resource names.
enum BrokerTarget {
    /// The cluster-wide broker default, which Kafka names with the empty
    /// name (librdkafka refuses that name; the Java client and kafka-python
    /// send it).
    ClusterDefault,
    Live(LiveBroker),
}

fn broker_target(cluster: &Cluster, name: &str) -> Result<BrokerTarget, Refusal> {
    if name.is_empty() {
        return Ok(BrokerTarget::ClusterDefault);
    }
    let id: i32 = name.parse().map_err(|_| {
        (
            INVALID_REQUEST,
            format!("broker resource name must be a broker id, not {name:?}"),
        )
    })?;
    cluster
        .brokers()
        .into_iter()
        .find(|b| b.node_id == id)
        .map(BrokerTarget::Live)
        .ok_or_else(|| not_live(name))
}

fn not_live(name: &str) -> Refusal {
    (
        INVALID_REQUEST,
        format!("broker {name} is not a live broker of this cluster"),
    )
}

async fn topic_entries(cluster: &Cluster, topic: &str) -> Result<Vec<ConfigEntry>, Refusal> {
    let brokers = cluster.brokers();
    let first = brokers
        .first()
        .ok_or_else(|| (UNKNOWN_SERVER_ERROR, "no live broker".to_string()))?;
    let exists = MetadataRequest::default()
        .with_topics(Some(vec![
            MetadataRequestTopic::default().with_name(Some(TopicName(text(topic))))
        ]))
        .with_allow_auto_topic_creation(false);
    let (_, metadata) = cluster
        .links
        .call(first, &exists)
        .await
        .map_err(broker_failure)?;
    if let Some(t) = metadata.topics.iter().find(|t| t.error_code != 0) {
        return Err((
            t.error_code,
            format!("topic {topic}: {}", crate::error_name(t.error_code)),
        ));
    }
    if metadata.topics.is_empty() {
        return Err((
            UNKNOWN_TOPIC_OR_PARTITION,
            format!("topic {topic} does not exist"),
        ));
    }
    if let Some(managed) = cluster.backend.topic_config(topic) {
        return Ok(managed);
    }
    let (_, described) = cluster
        .links
        .call(
            first,
            &ConfigResource::Topic(topic.to_string()).describe_request(),
        )
        .await
        .map_err(broker_failure)?;
    described_entries(described).map_err(|(code, message)| (code, message.unwrap_or_default()))
}

fn broker_failure(e: KafkaError) -> Refusal {
    (failure_code(&e), e.to_string())
}

pub(crate) async fn incremental_alter_configs(
    cluster: &Cluster,
    request: IncrementalAlterConfigsRequest,
) -> IncrementalAlterConfigsResponse {
    let resources = request.resources.into_iter().map(|r| {
        let changes = r.configs.iter().map(incremental_change).collect();
        (r.resource_type, r.resource_name, changes)
    });
    let responses = alter_each(
        cluster,
        resources,
        request.validate_only,
        |t, name, code, message| {
            incremental_alter_configs_response::AlterConfigsResourceResponse::default()
                .with_resource_type(t)
                .with_resource_name(name)
                .with_error_code(code)
                .with_error_message(message)
        },
    )
    .await;
    IncrementalAlterConfigsResponse::default().with_responses(responses)
}

/// One IncrementalAlterConfigs operation; APPEND and SUBTRACT (list
/// properties) are not supported.
fn incremental_change(c: &AlterableConfig) -> Result<ConfigChange, Refusal> {
    match (c.config_operation, &c.value) {
        (OP_SET, Some(value)) => Ok(ConfigChange::Set {
            name: c.name.to_string(),
            value: value.to_string(),
        }),
        (OP_SET, None) => Err((INVALID_REQUEST, format!("{}: SET needs a value", c.name))),
        (OP_DELETE, _) => Ok(ConfigChange::Delete {
            name: c.name.to_string(),
        }),
        (op, _) => Err((
            INVALID_REQUEST,
            format!(
                "{}: operation {op} (APPEND/SUBTRACT) is not supported",
                c.name
            ),
        )),
    }
}

/// AlterConfigs (the older, whole-resource API): each given property is set;
/// properties it leaves out are left as they are.
pub(crate) async fn alter_configs(
    cluster: &Cluster,
    request: AlterConfigsRequest,
) -> AlterConfigsResponse {
    let resources = request.resources.into_iter().map(|r| {
        let changes = r
            .configs
            .iter()
            .map(|c| match &c.value {
                Some(value) => ConfigChange::Set {
                    name: c.name.to_string(),
                    value: value.to_string(),
                },
                None => ConfigChange::Delete {
                    name: c.name.to_string(),
                },
            })
            .collect();
        (r.resource_type, r.resource_name, Ok(changes))
    });
    let responses = alter_each(
        cluster,
        resources,
        request.validate_only,
        |t, name, code, message| {
            alter_configs_response::AlterConfigsResourceResponse::default()
                .with_resource_type(t)
                .with_resource_name(name)
                .with_error_code(code)
                .with_error_message(message)
        },
    )
    .await;
    AlterConfigsResponse::default().with_responses(responses)
}

/// Alters each resource (type, name, and its changes or why they could not
/// be read) in turn, answering each with `respond(type, name, error code,
/// error message)`.
async fn alter_each<T>(
    cluster: &Cluster,
    resources: impl Iterator<Item = (i8, StrBytes, Result<Vec<ConfigChange>, Refusal>)>,
    validate_only: bool,
    respond: impl Fn(i8, StrBytes, i16, Option<StrBytes>) -> T,
) -> Vec<T> {
    let mut responses = Vec::new();
    for (resource_type, name, changes) in resources {
        let outcome = match changes {
            Ok(changes) => alter(cluster, resource_type, &name, changes, validate_only).await,
            Err(refusal) => Err(refusal),
        };
        let (code, message) = outcome.err().map_or((0, None), |(c, m)| (c, Some(text(m))));
        responses.push(respond(resource_type, name, code, message));
    }
    responses
}

/// Validates and (unless `validate_only`) applies changes to one resource.
async fn alter(
    cluster: &Cluster,
    resource_type: i8,
    name: &str,
    changes: Vec<ConfigChange>,
    validate_only: bool,
) -> Result<(), Refusal> {
    match ConfigResource::from_kafka(resource_type, name) {
        Some(ConfigResource::Broker(name)) => alter_broker(cluster, &name, changes, validate_only).await,
        Some(ConfigResource::Topic(name)) => alter_topic(cluster, &name, changes, validate_only).await,
        None => Err((
            INVALID_REQUEST,
            format!("the kmesos endpoint alters BROKER and TOPIC configs, not resource type {resource_type}"),
        )),
    }
}

async fn alter_broker(
    cluster: &Cluster,
    name: &str,
    changes: Vec<ConfigChange>,
    validate_only: bool,
) -> Result<(), Refusal> {
    let target = broker_target(cluster, name)?;
    let backend = &cluster.backend;
    // Kafka refuses the whole resource, in these words.
    refuse_any(&changes, "Cannot update these configs dynamically", |n| {
        !backend.is_dynamic_broker_config(n)
    })?;
    if matches!(target, BrokerTarget::ClusterDefault) {
        refuse_any(
            &changes,
            "Cannot update these configs at default cluster level, broker id must be specified",
            |n| backend.is_per_broker_config(n),
        )?;
    }
    if validate_only {
        return Ok(());
    }
    let node = match target {
        BrokerTarget::ClusterDefault => None,
        BrokerTarget::Live(broker) => Some(broker),
    };
    if cluster.backend.kind() == ClusterKind::Kafka {
        // Kafka's own name for the resource: the broker id, or "" cluster-wide.
        let (via, kafka_name) = match &node {
            Some(broker) => (broker.clone(), broker.node_id.to_string()),
            None => (
                cluster
                    .brokers()
                    .into_iter()
                    .next()
                    .ok_or_else(|| (UNKNOWN_SERVER_ERROR, "no live broker".to_string()))?,
                String::new(),
            ),
        };
        forward(
            cluster,
            &[via],
            &ConfigResource::Broker(kafka_name),
            &changes,
        )
        .await?;
    }
    let node = node.map(|b| b.node_id);
    for change in changes {
        cluster.backend.broker_config_changed(node, change);
    }
    Ok(())
}

/// Refuses `changes` with INVALID_REQUEST and Kafka's `why`, naming the
/// properties `refused`, if there are any.
fn refuse_any(
    changes: &[ConfigChange],
    why: &str,
    refused: impl Fn(&str) -> bool,
) -> Result<(), Refusal> {
    let names: Vec<&str> = changes
        .iter()
        .map(ConfigChange::name)
        .filter(|n| refused(n))
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    Err((INVALID_REQUEST, format!("{why}: Set({})", names.join(", "))))
}

async fn alter_topic(
    cluster: &Cluster,
    topic: &str,
    changes: Vec<ConfigChange>,
    validate_only: bool,
) -> Result<(), Refusal> {
    let brokers = cluster.brokers();
    let targets: Vec<LiveBroker> = match cluster.backend.kind() {
        ClusterKind::Tansu => brokers,
        ClusterKind::Kafka => brokers.into_iter().take(1).collect(),
    };
    if targets.is_empty() {
        return Err((UNKNOWN_SERVER_ERROR, "no live broker".to_string()));
    }
    if validate_only {
        return Ok(());
    }
    forward(
        cluster,
        &targets,
        &ConfigResource::Topic(topic.to_string()),
        &changes,
    )
    .await?;
    for change in changes {
        cluster.backend.topic_changed(TopicChange::ConfigChanged {
            name: topic.to_string(),
            change,
        });
    }
    Ok(())
}

/// Applies changes to `resource` on each of `brokers` with
/// IncrementalAlterConfigs; the first error any broker gives is the answer.
async fn forward(
    cluster: &Cluster,
    brokers: &[LiveBroker],
    resource: &ConfigResource,
    changes: &[ConfigChange],
) -> Result<(), Refusal> {
    let request = resource.alter_request(changes);
    let answers = join_all(brokers.iter().map(|b| cluster.links.call(b, &request))).await;
    for answer in answers {
        let (_, response) = answer.map_err(broker_failure)?;
        if let Some(r) = response.responses.iter().find(|r| r.error_code != 0) {
            let message = r
                .error_message
                .as_ref()
                .map(|m| m.to_string())
                .unwrap_or_default();
            return Err((r.error_code, message));
        }
    }
    Ok(())
}
