//! The kmesos command.
fn main() {}
