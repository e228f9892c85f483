//! Where the daemons' `tracing` output goes: stderr, filtered by `RUST_LOG`
//! (default info), or for `kmesos dev` in a terminal a log file, keeping
//! the terminal for the apply's progress.

use std::path::{Path, PathBuf};

/// Logs to stderr, filtered by RUST_LOG (default: info).
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_writer(std::io::stderr)
        .try_init();
}

/// Logs to `file` instead, when a person watches the terminal and has not
/// asked for logs there (RUST_LOG): `kmesos dev` keeps the terminal for the
/// apply's progress. Otherwise (tests, CI, a service manager) as
/// [`init_logging`]. Returns the file when it is used.
pub fn init_logging_beside(file: &Path) -> Option<PathBuf> {
    use std::io::IsTerminal;
    if std::env::var_os("RUST_LOG").is_some() || !std::io::stderr().is_terminal() {
        init_logging();
        return None;
    }
    let Ok(log) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
    else {
        init_logging();
        return None;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(log))
        .try_init();
    Some(file.to_path_buf())
}

fn log_filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
}
