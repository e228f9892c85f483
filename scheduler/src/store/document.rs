//! The stored document: `{"state": <state document>, "scheduler": <core
//! bookkeeping>}`. A bare state document (as `kmesos state pull` prints it)
//! is read too, with empty bookkeeping, so an operator can seed a scheduler,
//! unless secrets in it were redacted. Anything else is refused with the
//! engine's messages (not a kmesos state, unsupported version, corrupt at
//! line:column).

use engine::sensitive::REDACTED;
use engine::state::StateError;
use engine::State;

use crate::core::CoreState;

/// Reads a stored document; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<CoreState, StateError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| StateError::NotAState {
            origin: origin.to_string(),
            detail: format!("not JSON ({e})"),
        })?;
    let doc = match value.get("state") {
        // A bare state document, or something foreign: the engine tells which.
        None => CoreState::from_state(State::parse(text, origin)?),
        Some(inner) => {
            // The state's own checks first (ours? which version?), then the
            // whole document, whose errors carry line and column in the file.
            State::parse(&inner.to_string(), origin)?;
            serde_json::from_str(text).map_err(|e| StateError::Corrupt {
                origin: origin.to_string(),
                line: e.line(),
                column: e.column(),
                detail: e.to_string(),
            })?
        }
    };
    if let Some(secret) = doc.state.redacted_secret() {
        return Err(StateError::NotAState {
            origin: origin.to_string(),
            detail: format!(
                "it is a redacted copy (`kmesos state pull` output): {secret} is \"{REDACTED}\", not the secret the brokers need; start the scheduler on its own state file"
            ),
        });
    }
    Ok(doc)
}

/// The document as pretty JSON, secrets included (the file is private).
pub fn to_json(doc: &CoreState) -> String {
    // Serializing plain data into a String cannot fail.
    serde_json::to_string_pretty(doc).unwrap_or_default()
}
