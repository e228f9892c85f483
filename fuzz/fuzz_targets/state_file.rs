//! The state readers: the engine's (`kmesos plan --state`, `kmesos state`),
//! whose states are planned against an empty configuration and rendered, and
//! the scheduler store's, whose documents a restarted scheduler's core takes
//! up. Every failure must be a `StateError`, never a panic.
#![no_main]

use engine::{Config, State};
use libfuzzer_sys::fuzz_target;

const ORIGIN: &str = "state.json";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match State::parse(text, ORIGIN) {
        Ok(state) => {
            state.redacted().to_json();
            match engine::diff(&Config::default(), &state) {
                Ok(plan) => drop(engine::render::text::render(&plan, false)),
                Err(diagnostics) => drop(diagnostics.to_string()),
            }
        }
        Err(e) => drop(e.to_string()),
    }
    match scheduler::store::parse(text, ORIGIN) {
        Ok(doc) => drop(kmesos_fuzz::subscribed_core(doc)),
        Err(e) => drop(e.to_string()),
    }
});
