//! InitProducerId: a producer id for an idempotent producer. On Kafka any
//! broker allocates ids for the whole cluster, so the first live broker's
//! answer is passed through. tansu brokers each keep their own producer
//! table and refuse a Produce from a producer id they did not hand out
//! (UNKNOWN_PRODUCER_ID) or at an epoch other than its own latest, while an
//! idempotent producer (the default of the Java client and kafka-python)
//! writes with one id and epoch to every partition's leader. So a new
//! non-transactional producer gets an id and epoch that every live tansu
//! broker has allocated: each broker allocates one, and those behind the
//! highest allocate again until they reach it. (tansu 0.6 with sqlite
//! answers producer id 1 every time, with the next epoch; the ordering of
//! id, then epoch, covers that and a broker that numbers ids.) Allocations
//! made only here stay in step, so one allocation per broker is the usual
//! cost. Transactions, and re-initialising an existing producer, are left
//! to the first live broker, the transaction coordinator that
//! FindCoordinator names for tansu.

use futures::future::join_all;
use kafka_protocol::messages::{InitProducerIdRequest, InitProducerIdResponse, ProducerId};

use super::{failure_code, Cluster, ClusterKind, LiveBroker};
use crate::error::code::COORDINATOR_NOT_AVAILABLE;

/// How many ids one broker may allocate to catch up with the others before
/// the request fails. Brokers fall behind only when clients bypass the
/// endpoint or a broker joins with a fresh table.
const MAX_CATCH_UP: usize = 10_000;

/// How often the brokers may be brought level before the request fails: a
/// broker passes the others' id only while clients allocate on it directly.
const MAX_ROUNDS: usize = 5;

pub(crate) async fn init_producer_id(
    cluster: &Cluster,
    request: InitProducerIdRequest,
) -> InitProducerIdResponse {
    let brokers = cluster.brokers();
    let fresh = request.transactional_id.is_none() && request.producer_id.0 < 0;
    let result = if cluster.backend.kind() == ClusterKind::Tansu && fresh {
        // One allocation at a time, so concurrent producers cannot interleave.
        let _turn = cluster.producer_ids.lock().await;
        common_id(cluster, &brokers, &request).await
    } else {
        first_answer(cluster, &brokers, &request).await
    };
    match result {
        Ok(answer) => answer,
        Err(code) => InitProducerIdResponse::default()
            .with_error_code(code)
            .with_producer_id(ProducerId(-1))
            .with_producer_epoch(-1),
    }
}

/// The answer of the first live broker that gives one.
async fn first_answer(
    cluster: &Cluster,
    brokers: &[LiveBroker],
    request: &InitProducerIdRequest,
) -> Result<InitProducerIdResponse, i16> {
    let mut failure = COORDINATOR_NOT_AVAILABLE;
    for broker in brokers {
        match cluster.links.call(broker, request).await {
            Ok((_, answer)) => return Ok(answer),
            Err(e) => {
                tracing::warn!(
                    broker = broker.node_id,
                    "InitProducerId on broker failed: {e}"
                );
                failure = failure_code(&e);
            }
        }
    }
    Err(failure)
}

/// Where a broker's producer allocation stands: id, then epoch.
fn position(answer: &InitProducerIdResponse) -> (i64, i16) {
    (answer.producer_id.0, answer.producer_epoch)
}

/// A fresh producer id and epoch allocated on every live broker.
async fn common_id(
    cluster: &Cluster,
    brokers: &[LiveBroker],
    request: &InitProducerIdRequest,
) -> Result<InitProducerIdResponse, i16> {
    if brokers.is_empty() {
        return Err(COORDINATOR_NOT_AVAILABLE);
    }
    let firsts = join_all(brokers.iter().map(|b| allocate(cluster, b, request))).await;
    let mut answers = firsts.into_iter().collect::<Result<Vec<_>, _>>()?;
    for _ in 0..MAX_ROUNDS {
        let target = answers.iter().map(position).max().unwrap_or((-1, -1));
        if answers.iter().all(|a| position(a) == target) {
            return Ok(answers.swap_remove(0));
        }
        for (broker, answer) in brokers.iter().zip(answers.iter_mut()) {
            let mut tries = 0;
            while position(answer) < target {
                tries += 1;
                if tries > MAX_CATCH_UP {
                    tracing::warn!(
                        broker = broker.node_id,
                        ?target,
                        "broker's producer ids are too far behind the others'"
                    );
                    return Err(COORDINATOR_NOT_AVAILABLE);
                }
                *answer = allocate(cluster, broker, request).await?;
            }
        }
    }
    tracing::warn!("brokers' producer ids keep moving apart");
    Err(COORDINATOR_NOT_AVAILABLE)
}

/// One producer id from `broker`, or the error code to give the client.
async fn allocate(
    cluster: &Cluster,
    broker: &LiveBroker,
    request: &InitProducerIdRequest,
) -> Result<InitProducerIdResponse, i16> {
    match cluster.links.call(broker, request).await {
        Ok((_, answer)) if answer.error_code == 0 => Ok(answer),
        Ok((_, answer)) => Err(answer.error_code),
        Err(e) => {
            tracing::warn!(
                broker = broker.node_id,
                "InitProducerId on broker failed: {e}"
            );
            Err(failure_code(&e))
        }
    }
}
