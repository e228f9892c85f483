//! The kmesos executor binary.
fn main() {}
