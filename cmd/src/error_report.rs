//! How `kmesos` reports an error: on stderr, configuration errors one per
//! line, and exit status 1.

use engine::Diagnostics;

/// Exit status for any error (bad input, unreadable file).
pub const EXIT_ERROR: u8 = 1;

/// Prints an error to stderr; configuration errors one per line.
pub fn report(e: &anyhow::Error) {
    match e.downcast_ref::<Diagnostics>() {
        Some(diags) => eprintln!("{diags}"),
        None => eprintln!("error: {e:#}"),
    }
}
