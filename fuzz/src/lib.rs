//! What several fuzz targets share: decoding the Mesos API envelopes, and a
//! scheduler core as the daemon builds it.
//!
//! Each target in `fuzz_targets/` feeds libFuzzer's bytes to one of kmesos's
//! readers of untrusted input; their invariant is that bad input gives an
//! error, never a panic. `scripts/fuzz.sh` builds and runs them.

use std::time::SystemTime;

use mesos::codec::{Codec, Encoding};
use mesos::proto::{executor, scheduler as api};
use scheduler::core::{Artifact, Core, CoreConfig, CoreState, Event, Program};

/// Decodes `bytes` as each envelope kmesos reads off the wire: the events
/// its scheduler and executor clients receive and the calls the embedded
/// master and agents receive. What decodes must re-encode to a fixed point:
/// decoding its encoding gives a message with the same encoding.
pub fn decode_envelopes(encoding: Encoding, bytes: &[u8]) {
    decode_and_reencode::<api::Event>(encoding, bytes);
    decode_and_reencode::<api::Call>(encoding, bytes);
    decode_and_reencode::<executor::Event>(encoding, bytes);
    decode_and_reencode::<executor::Call>(encoding, bytes);
}

fn decode_and_reencode<M: Codec>(encoding: Encoding, bytes: &[u8]) {
    match encoding.decode::<M>(bytes) {
        Ok(message) => {
            let encoded = encoding.encode(&message);
            let again = encoding
                .decode::<M>(&encoded)
                .unwrap_or_else(|e| panic!("a decoded message re-encodes to what fails: {e}"));
            assert_eq!(
                encoding.encode(&again),
                encoded,
                "re-encoding is not stable"
            );
        }
        Err(e) => drop(e.to_string()),
    }
}

/// The decision core over `doc` as a (re)started scheduler runs it, once
/// subscribed: recorded tasks are reconciled and an apply in progress resumes.
pub fn subscribed_core(doc: CoreState) -> Core {
    let executor = Artifact {
        uri: "http://127.0.0.1:7000/artifacts/kmesos-executor".into(),
        sha256: "0".repeat(64),
    };
    let tansu = Program::Installed("/usr/local/bin/tansu".into());
    let mut core = Core::new(CoreConfig::new("kafka", executor, tansu), doc);
    let framework_id = "fuzz-framework".to_string();
    core.handle(Event::Subscribed { framework_id }, SystemTime::now());
    core
}
