//! InitProducerId through the endpoint on independent tansu brokers: the
//! producer id and epoch handed to a client are ones that every broker has
//! allocated, even when one broker's allocations had run ahead.

mod support;

use kafka_protocol::messages::InitProducerIdRequest;
use support::{call, frames, TestCluster};

/// A new idempotent producer's InitProducerId (v4) at `addr`: (id, epoch).
async fn init(addr: &str) -> (i64, i16) {
    // No transactional id: an idempotent producer, as clients send it.
    let request = InitProducerIdRequest::default()
        .with_transactional_id(None)
        .with_transaction_timeout_ms(60_000)
        .with_producer_id((-1).into())
        .with_producer_epoch(-1);
    let answer = call(&mut frames(addr).await, &request, 4, 7).await;
    assert_eq!(answer.error_code, 0, "InitProducerId at {addr}: {answer:?}");
    (answer.producer_id.0, answer.producer_epoch)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_producer_id_from_the_endpoint_is_allocated_on_every_broker() {
    let cluster = TestCluster::start(2).await;
    let tansu_1 = cluster.brokers[0].addr();
    let tansu_2 = cluster.brokers[1].addr();
    // Clients that bypass the endpoint take three allocations from broker
    // 2's tansu, so it runs ahead of broker 1's.
    let mut ahead = (0, 0);
    for _ in 0..3 {
        ahead = init(&tansu_2).await;
    }

    // Through the endpoint, and through broker 1's front: each answer is
    // past everything either broker handed out.
    let first = init(&cluster.bootstrap()).await;
    let second = init(&cluster.broker_addr(1)).await;
    assert!(first > ahead, "{first:?} after {ahead:?}");
    assert!(second > first, "{second:?} after {first:?}");

    // Both tansu brokers stand at the same allocation: the next each hands
    // out on its own is the same, so either accepts a producer's id.
    let next_1 = init(&tansu_1).await;
    let next_2 = init(&tansu_2).await;
    assert_eq!(next_1, next_2);
    assert!(next_1 > second, "{next_1:?} after {second:?}");
}
