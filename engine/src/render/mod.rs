//! Rendering a plan for people (text) and programs (JSON). Renderers only read
//! the plan; they compute nothing about what changes.

pub mod json;
pub mod text;
