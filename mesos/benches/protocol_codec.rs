//! Event decoding speed, the client's hot path: an OFFERS event with 100
//! offers (one per agent, each with cpus, mem, disk, ports and two
//! attributes) decoded and encoded in both encodings, and RecordIO
//! splitting of a stream of such records.

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kmesos_mesos::codec::Encoding;
use kmesos_mesos::proto::scheduler::{event, Event};
use kmesos_mesos::recordio::{encode_record, RecordDecoder};
use tokio_util::codec::Decoder;

fn offers_event(count: usize) -> Event {
    let template = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/json/scheduler_event_offers.json"
    ))
    .expect("fixture");
    let one: Event = Encoding::Json.decode(&template).expect("fixture decodes");
    let offer = one
        .offers
        .and_then(|o| o.offers.into_iter().next())
        .expect("an offer");
    let offers = (0..count)
        .map(|i| {
            let mut offer = offer.clone();
            if let Some(id) = offer.id.as_mut() {
                id.value = format!("{}-{i}", id.value);
            }
            offer
        })
        .collect();
    Event {
        r#type: Some(event::Type::Offers as i32),
        offers: Some(event::Offers { offers }),
        ..Default::default()
    }
}

fn codecs(c: &mut Criterion) {
    let event = offers_event(100);
    let mut group = c.benchmark_group("offers_event_100");
    for encoding in [Encoding::Protobuf, Encoding::Json] {
        let bytes = encoding.encode(&event);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("decode {encoding}"), |b| {
            b.iter(|| {
                encoding
                    .decode::<Event>(black_box(&bytes))
                    .expect("decodes")
            })
        });
        group.bench_function(format!("encode {encoding}"), |b| {
            b.iter(|| encoding.encode(black_box(&event)))
        });
    }
    group.finish();
}

fn framing(c: &mut Criterion) {
    let record = Encoding::Json.encode(&offers_event(1));
    let mut stream = BytesMut::new();
    for _ in 0..1000 {
        encode_record(&record, &mut stream);
    }
    let mut group = c.benchmark_group("recordio");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function("split 1000 records", |b| {
        b.iter(|| {
            let mut buffer = stream.clone();
            let mut decoder = RecordDecoder::default();
            let mut count = 0;
            while let Ok(Some(_)) = decoder.decode(&mut buffer) {
                count += 1;
            }
            assert_eq!(count, 1000);
        })
    });
    group.finish();
}

criterion_group!(benches, codecs, framing);
criterion_main!(benches);
