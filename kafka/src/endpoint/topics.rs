//! CreateTopics, DeleteTopics and CreatePartitions, carried out on the live
//! brokers with their Kafka error codes passed back. For a Kafka cluster one
//! broker carries each request to the controller; for tansu every broker
//! carries it, so every broker keeps every topic (see [`ClusterKind`]).

use futures::future::join_all;
use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::create_topics_response::CreatableTopicResult;
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::{
    CreatePartitionsRequest, CreatePartitionsResponse, CreateTopicsRequest, CreateTopicsResponse,
    DeleteTopicsRequest, DeleteTopicsResponse, MetadataRequest, TopicName,
};
use kafka_protocol::protocol::{Request, StrBytes};

use super::{failure_code, Cluster, ClusterKind, TopicChange};
use crate::error::code::{
    INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS,
    UNKNOWN_SERVER_ERROR, UNKNOWN_TOPIC_OR_PARTITION,
};
use crate::error::KafkaError;

/// Per-topic outcomes in a topic response, whatever the API.
trait TopicResults: Default {
    /// Each topic's name, error code and message, mutable.
    fn results(&mut self) -> Vec<(String, &mut i16, &mut Option<StrBytes>)>;
    /// Adds a result for a topic no broker answered for.
    fn push_failure(&mut self, name: &str, code: i16, message: String);
}

/// Implements [`TopicResults`] for a response whose results are the list
/// `$list` of `$result`s. The three APIs differ only in how a result holds
/// its topic's name: `$name` reads it from result `$t`, `$named` wraps name
/// `$n` for a new result.
macro_rules! topic_results {
    ($response:ty, $list:ident, $result:ty, |$t:ident| $name:expr, |$n:ident| $named:expr) => {
        impl TopicResults for $response {
            fn results(&mut self) -> Vec<(String, &mut i16, &mut Option<StrBytes>)> {
                self.$list
                    .iter_mut()
                    .map(|$t| ($name, &mut $t.error_code, &mut $t.error_message))
                    .collect()
            }
            fn push_failure(&mut self, name: &str, code: i16, message: String) {
                let $n = TopicName(StrBytes::from_string(name.to_string()));
                self.$list.push(
                    <$result>::default()
                        .with_name($named)
                        .with_error_code(code)
                        .with_error_message(Some(StrBytes::from_string(message))),
                );
            }
        }
    };
}

topic_results!(
    CreateTopicsResponse,
    topics,
    CreatableTopicResult,
    |t| t.name.0.to_string(),
    |n| n
);
topic_results!(
    DeleteTopicsResponse,
    responses,
    DeletableTopicResult,
    |t| t.name.as_ref().map(|n| n.0.to_string()).unwrap_or_default(),
    |n| Some(n)
);
topic_results!(
    CreatePartitionsResponse,
    results,
    CreatePartitionsTopicResult,
    |t| t.name.0.to_string(),
    |n| n
);

/// Sends `request` to the brokers that must carry it out and merges their
/// answers into one, topic by topic.
///
/// The first broker (node id order) that answers speaks for the cluster. On
/// tansu the others then carry the same change; a topic whose change failed
/// on one of them reports that broker's error, except `benign`, the error
/// that means the broker already was as asked (it is brought in line).
async fn carry_out<R>(
    cluster: &Cluster,
    request: &R,
    all_brokers: bool,
    benign: i16,
    topics: &[String],
) -> R::Response
where
    R: Request + Clone,
    R::Response: TopicResults,
{
    let brokers = cluster.brokers();
    let targets = if all_brokers { brokers.len() } else { 1 };
    let mut answers: Vec<(i32, Result<R::Response, KafkaError>)> = Vec::new();
    if all_brokers {
        let calls = brokers.iter().map(|b| cluster.links.call(b, request));
        for (b, result) in brokers.iter().zip(join_all(calls).await) {
            answers.push((b.node_id, result.map(|(_, r)| r)));
        }
    } else {
        // Any one broker reaches the controller; try them in order.
        for b in &brokers {
            let result = cluster.links.call(b, request).await.map(|(_, r)| r);
            let answered = result.is_ok();
            answers.push((b.node_id, result));
            if answered {
                break;
            }
        }
    }
    let first_code = answers
        .iter()
        .find_map(|(_, r)| r.as_ref().err())
        .map_or(UNKNOWN_SERVER_ERROR, failure_code);
    let failures: Vec<String> = answers
        .iter()
        .filter_map(|(id, r)| r.as_ref().err().map(|e| format!("broker {id}: {e}")))
        .collect();
    let mut answered = answers
        .into_iter()
        .filter_map(|(id, r)| r.ok().map(|r| (id, r)));
    let Some((_, mut merged)) = answered.next() else {
        let mut none = R::Response::default();
        let why = if targets == 0 {
            "no live broker".to_string()
        } else {
            failures.join("; ")
        };
        for topic in topics {
            none.push_failure(topic, first_code, why.clone());
        }
        return none;
    };
    let mut others: Vec<(i32, R::Response)> = answered.collect();
    let unreachable = all_brokers && !failures.is_empty();
    for (name, code, message) in merged.results() {
        if *code != 0 {
            continue;
        }
        if unreachable {
            *code = UNKNOWN_SERVER_ERROR;
            *message = Some(StrBytes::from_string(format!(
                "not carried out on every broker: {}",
                failures.join("; ")
            )));
            continue;
        }
        for (id, other) in others.iter_mut() {
            let found = other.results().into_iter().find(|(n, _, _)| *n == name);
            if let Some((_, other_code, other_message)) = found {
                if *other_code != 0 && *other_code != benign {
                    *code = *other_code;
                    let detail = other_message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_default();
                    *message = Some(StrBytes::from_string(format!("on broker {id}: {detail}")));
                    break;
                }
            }
        }
    }
    merged
}

fn every_broker(cluster: &Cluster) -> bool {
    cluster.backend.kind() == ClusterKind::Tansu
}

/// Names of the topics in `results` that succeeded.
fn succeeded<T: TopicResults>(response: &mut T) -> Vec<String> {
    response
        .results()
        .into_iter()
        .filter(|(_, code, _)| **code == 0)
        .map(|(name, _, _)| name)
        .collect()
}

pub(crate) async fn create_topics(
    cluster: &Cluster,
    request: CreateTopicsRequest,
) -> CreateTopicsResponse {
    let names: Vec<String> = request
        .topics
        .iter()
        .map(|t| t.name.0.to_string())
        .collect();
    if request.validate_only && every_broker(cluster) {
        // tansu ignores validate_only and creates the topic: validate here.
        return validate_new_topics(cluster, &request).await;
    }
    let all = every_broker(cluster);
    let mut response = carry_out(cluster, &request, all, TOPIC_ALREADY_EXISTS, &names).await;
    if !request.validate_only {
        let done = succeeded(&mut response);
        for topic in request
            .topics
            .iter()
            .filter(|t| done.contains(&t.name.0.to_string()))
        {
            cluster.backend.topic_changed(TopicChange::Created {
                name: t_name(&topic.name),
                partitions: topic.num_partitions,
                replication_factor: topic.replication_factor,
                configs: topic
                    .configs
                    .iter()
                    .map(|c| {
                        (
                            c.name.to_string(),
                            c.value.as_ref().map(|v| v.to_string()).unwrap_or_default(),
                        )
                    })
                    .collect(),
            });
        }
    }
    response
}

pub(crate) async fn delete_topics(
    cluster: &Cluster,
    request: DeleteTopicsRequest,
) -> DeleteTopicsResponse {
    // v6 names topics in `topics`, older versions in `topic_names`; brokers
    // may speak either, so send both.
    let mut names: Vec<TopicName> = request.topic_names.clone();
    names.extend(request.topics.iter().filter_map(|t| t.name.clone()));
    names.dedup();
    let mut states = request.topics.clone();
    states.extend(
        request
            .topic_names
            .iter()
            .map(|n| DeleteTopicState::default().with_name(Some(n.clone()))),
    );
    let forwarded = DeleteTopicsRequest::default()
        .with_topic_names(names.clone())
        .with_topics(states)
        .with_timeout_ms(request.timeout_ms);
    let names: Vec<String> = names.iter().map(t_name).collect();
    let all = every_broker(cluster);
    // tansu 0.6 (sqlite) deletes every topic when asked to delete one: the
    // backend hears of every topic that is gone afterwards, not only those
    // named, so the state does not silently drift from the brokers.
    let before = if all {
        existing_topics(cluster).await.ok()
    } else {
        None
    };
    let mut response =
        carry_out(cluster, &forwarded, all, UNKNOWN_TOPIC_OR_PARTITION, &names).await;
    let mut deleted = succeeded(&mut response);
    if let (Some(before), Ok(after)) = (before, existing_topics(cluster).await) {
        let vanished: Vec<String> = before
            .into_iter()
            .filter(|t| !after.contains(t) && !deleted.contains(t))
            .collect();
        deleted.extend(vanished);
    }
    for name in deleted {
        cluster.backend.topic_changed(TopicChange::Deleted { name });
    }
    response
}

pub(crate) async fn create_partitions(
    cluster: &Cluster,
    request: CreatePartitionsRequest,
) -> CreatePartitionsResponse {
    let names: Vec<String> = request.topics.iter().map(|t| t_name(&t.name)).collect();
    let all = every_broker(cluster) && !request.validate_only;
    // A broker that already has the new count answers INVALID_PARTITIONS; that
    // is not benign in general, so every broker's error is reported.
    let mut response = carry_out(cluster, &request, all, 0, &names).await;
    if !request.validate_only {
        let done = succeeded(&mut response);
        for topic in request
            .topics
            .iter()
            .filter(|t| done.contains(&t_name(&t.name)))
        {
            cluster
                .backend
                .topic_changed(TopicChange::PartitionsIncreased {
                    name: t_name(&topic.name),
                    total: topic.count,
                });
        }
    }
    response
}

/// Checks new topics as a Kafka controller would, without creating them:
/// a legal name, a partition count and replication factor that are either
/// given (at least 1) or left to the default (-1), and no such topic yet.
async fn validate_new_topics(
    cluster: &Cluster,
    request: &CreateTopicsRequest,
) -> CreateTopicsResponse {
    let existing = existing_topics(cluster).await;
    let mut response = CreateTopicsResponse::default();
    for topic in &request.topics {
        let name = t_name(&topic.name);
        let refusal = match &existing {
            Err(why) => Some((UNKNOWN_SERVER_ERROR, why.clone())),
            Ok(_) if !legal_topic_name(&name) => Some((
                INVALID_TOPIC_EXCEPTION,
                format!(
                    "{name:?} is not a legal topic name: up to 249 of [a-zA-Z0-9._-], not . or .."
                ),
            )),
            Ok(_) if topic.num_partitions == 0 || topic.num_partitions < -1 => Some((
                INVALID_PARTITIONS,
                format!(
                    "Number of partitions must be larger than 0, not {}",
                    topic.num_partitions
                ),
            )),
            Ok(_) if topic.replication_factor == 0 || topic.replication_factor < -1 => Some((
                INVALID_REPLICATION_FACTOR,
                format!(
                    "Replication factor must be larger than 0, not {}",
                    topic.replication_factor
                ),
            )),
            Ok(names) if names.contains(&name) => Some((
                TOPIC_ALREADY_EXISTS,
                format!("Topic '{name}' already exists."),
            )),
            Ok(_) => None,
        };
        match refusal {
            Some((code, message)) => response.push_failure(&name, code, message),
            None => response.topics.push(
                kafka_protocol::messages::create_topics_response::CreatableTopicResult::default()
                    .with_name(topic.name.clone())
                    .with_num_partitions(topic.num_partitions)
                    .with_replication_factor(topic.replication_factor),
            ),
        }
    }
    response
}

/// Kafka's rule for topic names.
fn legal_topic_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 249
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The topics the first broker that answers knows.
async fn existing_topics(cluster: &Cluster) -> Result<Vec<String>, String> {
    let mut why = "no live broker".to_string();
    for broker in cluster.brokers() {
        match cluster
            .links
            .call(&broker, &MetadataRequest::default().with_topics(None))
            .await
        {
            Ok((_, metadata)) => {
                return Ok(metadata
                    .topics
                    .iter()
                    .filter_map(|t| t.name.as_ref())
                    .map(t_name)
                    .collect())
            }
            Err(e) => why = format!("broker {}: {e}", broker.node_id),
        }
    }
    Err(why)
}

fn t_name(name: &TopicName) -> String {
    name.0.to_string()
}
