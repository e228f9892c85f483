//! The Mesos JSON decoder, on every envelope kmesos reads: events for its
//! scheduler and executor clients, calls for the embedded master and agents.
//! What decodes must re-encode stably; the rest must be a `DecodeError`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mesos::codec::Encoding;

fuzz_target!(|data: &[u8]| kmesos_fuzz::decode_envelopes(Encoding::Json, data));
