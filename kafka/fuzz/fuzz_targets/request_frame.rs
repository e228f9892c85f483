//! Fuzzes the endpoint's request decoder: any frame payload must decode or be
//! refused with an error, never panic. Run: `cargo fuzz run request_frame`
//! from kafka/ (needs cargo-fuzz and a nightly toolchain).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kmesos_kafka::frame::decode_request(bytes::Bytes::copy_from_slice(data));
});
