//! The JSON plan (docs/plan-format.md): the saved plan file and `--json` output.

use crate::plan::Plan;

/// The plan as pretty JSON. Secrets are already redacted in the plan.
pub fn render(plan: &Plan) -> String {
    // Plain data always serializes.
    serde_json::to_string_pretty(plan).unwrap_or_default() + "\n"
}
