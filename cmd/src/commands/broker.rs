//! `kmesos broker restart ID` and `kmesos broker log ID`: operations on one
//! broker that are not configuration changes. A restart runs as a one-step
//! apply (it takes the apply lock) and is followed like one.

use std::process::ExitCode;

use anyhow::Result;

use crate::async_runtime::runtime;
use crate::progress::follow;
use crate::scheduler_args::Target;
use crate::scheduler_client::{explain, holder};

/// Operate on one broker.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: BrokerCommand,
    /// The cluster (needed when the scheduler manages more than one).
    #[arg(long, global = true)]
    cluster: Option<String>,
    #[command(flatten)]
    target: Target,
}

#[derive(clap::Subcommand)]
enum BrokerCommand {
    /// Stop the broker gracefully and start it again on its agent (its data stays).
    Restart { id: u32 },
    /// Print the last lines of the broker's output, from its sandbox.
    Log {
        id: u32,
        /// How many lines.
        #[arg(long, default_value_t = 100)]
        lines: usize,
        /// Show stderr instead of stdout.
        #[arg(long, conflicts_with = "file")]
        stderr: bool,
        /// Show a file of the broker's sandbox instead, by its relative
        /// path (e.g. kafka-app-logs/server.log for Apache Kafka's own log).
        #[arg(long, value_name = "PATH")]
        file: Option<String>,
    },
}

pub fn run(args: Args) -> Result<ExitCode> {
    let client = args.target.client()?;
    runtime()?.block_on(async {
        let cluster = client.cluster(args.cluster).await?;
        match args.command {
            BrokerCommand::Restart { id } => {
                let accepted = client
                    .restart_broker(&cluster, id, &holder())
                    .await
                    .map_err(explain)?;
                println!(
                    "Restarting broker {id} of cluster {cluster} (apply {}).",
                    accepted.apply_id
                );
                follow(&client, &accepted.apply_id).await
            }
            BrokerCommand::Log {
                id,
                lines,
                stderr,
                file,
            } => {
                let stream = match (file, stderr) {
                    (Some(path), _) => format!("file:{path}"),
                    (None, true) => "stderr".to_string(),
                    (None, false) => "stdout".to_string(),
                };
                let log = client
                    .broker_log(&cluster, id, &stream, lines)
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
