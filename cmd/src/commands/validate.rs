//! `kmesos validate`: checks a configuration and reports every error, each
//! with its file, line and column.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::configuration::{load_config, VarArgs};

/// Check a configuration for errors, without looking at any state.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  kmesos validate examples/quickstart\n  kmesos validate cluster.hcl --var broker_mem=4096"
)]
pub struct Args {
    /// A .hcl file, or a directory whose .hcl files are read together.
    #[arg(default_value = ".")]
    path: PathBuf,
    #[command(flatten)]
    vars: VarArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let config = load_config(&args.path, &args.vars)?;
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let clusters = config.clusters.values();
    let brokers: usize = clusters.clone().map(|c| c.brokers.len()).sum();
    let topics: usize = clusters.clone().map(|c| c.topics.len()).sum();
    let clients: usize = clusters.map(|c| c.clients.len()).sum();
    println!(
        "The configuration is valid: {}, {}, {}, {}.",
        count(config.clusters.len(), "cluster"),
        count(brokers, "broker"),
        count(topics, "topic"),
        count(clients, "client"),
    );
    Ok(ExitCode::SUCCESS)
}
