//! The scheduler API's request bodies, read as its handlers read them: an
//! apply request is submitted to a core whose state the plan was computed
//! against, and a restart request parsed; the same bytes are read as a saved
//! plan (`kmesos apply FILE`, `kmesos show FILE`) and rendered. Every
//! failure must be an error or a refusal, never a panic.
#![no_main]

use engine::{Plan, State};
use libfuzzer_sys::fuzz_target;
use scheduler::core::{CoreState, Event};
use scheduler::wire::{ApplyRequest, OperationRequest};

fuzz_target!(|data: &[u8]| {
    match serde_json::from_slice::<ApplyRequest>(data) {
        Ok(request) => submit(request),
        Err(e) => drop(e.to_string()),
    }
    if let Err(e) = serde_json::from_slice::<OperationRequest>(data) {
        drop(e.to_string());
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Plan::from_json(text, "saved.plan") {
        Ok(plan) => drop(engine::render::text::render(&plan, false)),
        Err(e) => drop(e.to_string()),
    }
});

/// Submits the apply to a core on an empty state of the plan's lineage and
/// serial, so that it is checked beyond being current.
fn submit(request: ApplyRequest) {
    let mut state = State::new(request.plan.lineage.clone());
    state.serial = request.plan.serial;
    let mut core = kmesos_fuzz::subscribed_core(CoreState::from_state(state));
    let submitted = Event::ApplySubmitted {
        plan: Box::new(request.plan),
        config: Box::new(request.config),
        holder: request.holder,
        allow_unavailable: request.allow_unavailable,
    };
    core.handle(submitted, std::time::SystemTime::now());
}
