//! The RecordIO reader of the SUBSCRIBE event streams. The first byte sets
//! the size of the chunks the rest arrives in; the records (and whether the
//! stream fails) must not depend on it, and each record is decoded as a
//! scheduler event, as the client does. Bad framing must be a `RecordIoError`.
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use mesos::codec::Encoding;
use mesos::proto::scheduler::Event;
use mesos::recordio::{RecordDecoder, RecordIoError};
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    let Some((&first, stream)) = data.split_first() else {
        return;
    };
    let whole = records(&[stream]);
    let chunks: Vec<&[u8]> = stream.chunks(usize::from(first % 32) + 1).collect();
    assert_eq!(
        whole,
        records(&chunks),
        "the stream read depends on chunking"
    );
    for record in &whole.0 {
        if let Err(e) = Encoding::Json.decode::<Event>(record) {
            drop(e.to_string());
        }
    }
});

/// The records of a stream arriving in `chunks`, and whether an error ended it.
fn records(chunks: &[&[u8]]) -> (Vec<Bytes>, bool) {
    let mut decoder = RecordDecoder::default();
    let mut buffer = BytesMut::new();
    let mut records = Vec::new();
    for chunk in chunks {
        buffer.extend_from_slice(chunk);
        loop {
            match decoder.decode(&mut buffer) {
                Ok(Some(record)) => records.push(record),
                Ok(None) => break,
                Err(e) => return (records, failed(e)),
            }
        }
    }
    loop {
        match decoder.decode_eof(&mut buffer) {
            Ok(Some(record)) => records.push(record),
            Ok(None) => return (records, false),
            Err(e) => return (records, failed(e)),
        }
    }
}

/// Renders the error, as the client reports it; true.
fn failed(error: RecordIoError) -> bool {
    drop(error.to_string());
    true
}
