//! `kmesos client log NAME [--instance N]`: what a client instance's
//! command wrote (its `client.stdout`, or `client.stderr`), read from its
//! sandbox through the scheduler.

use std::process::ExitCode;

use anyhow::Result;

use crate::async_runtime::runtime;
use crate::scheduler_args::Target;
use crate::scheduler_client::explain;

/// Operate on a client's instances.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: ClientCommand,
    /// The cluster (needed when the scheduler manages more than one).
    #[arg(long, global = true)]
    cluster: Option<String>,
    #[command(flatten)]
    target: Target,
}

#[derive(clap::Subcommand)]
enum ClientCommand {
    /// Print the last lines of an instance's output, from its sandbox.
    Log {
        /// The client's name.
        name: String,
        /// Which instance (from 0).
        #[arg(long, default_value_t = 0)]
        instance: u32,
        /// How many lines.
        #[arg(long, default_value_t = 100)]
        lines: usize,
        /// Show stderr instead of stdout.
        #[arg(long)]
        stderr: bool,
    },
}

pub fn run(args: Args) -> Result<ExitCode> {
    let client = args.target.client()?;
    runtime()?.block_on(async {
        let cluster = client.cluster(args.cluster).await?;
        match args.command {
            ClientCommand::Log {
                name,
                instance,
                lines,
                stderr,
            } => {
                let stream = if stderr { "stderr" } else { "stdout" };
                let log = client
                    .client_log(&cluster, &name, instance, stream, lines)
                    .await
                    .map_err(explain)?;
                for line in log.lines {
                    println!("{line}");
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}
