//! The Kafka request decoder the admin endpoint and the brokers' fronts run
//! on every frame a client sends: any payload must decode or be refused with
//! a `FrameError`, never panic. Arrays announcing billions of elements are
//! survived by the allocator the `kmesos` and executor binaries install.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOCATOR: kafka::ReserveHugeAllocations = kafka::ReserveHugeAllocations;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = kafka::frame::decode_request(bytes::Bytes::copy_from_slice(data)) {
        drop(e.to_string());
    }
});
