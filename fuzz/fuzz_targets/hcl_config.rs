//! The HCL loader and evaluator, as `kmesos validate` and `kmesos plan` use
//! them: a file's bytes are checked to be UTF-8, loaded (parsed, variables
//! resolved, expressions evaluated, the model checked) and, when valid,
//! planned against an empty state and rendered. Every failure must be a
//! diagnostic, never a panic.
#![no_main]

use engine::{SourceFile, State, Vars};
use libfuzzer_sys::fuzz_target;

const NAME: &str = "main.hcl";

fuzz_target!(|data: &[u8]| {
    let text = match engine::diagnostics::utf8_text(NAME, data.to_vec()) {
        Ok(text) => text,
        Err(diagnostic) => return drop(diagnostic.to_string()),
    };
    let config = match engine::load(&[SourceFile::new(NAME, text)], &Vars::new()) {
        Ok(config) => config,
        Err(diagnostics) => return drop(diagnostics.to_string()),
    };
    match engine::diff(&config, &State::empty()) {
        Ok(plan) => {
            engine::render::text::render(&plan, false);
            engine::render::json::render(&plan);
        }
        Err(diagnostics) => drop(diagnostics.to_string()),
    }
});
