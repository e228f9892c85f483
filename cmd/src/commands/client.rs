//! `kmesos client stats [NAME]`: what each producer and consumer instance
//! last reported (messages and MB per second, a producer's latencies), per
//! instance and summed per client, once or every few seconds (`--watch`);
//! and `kmesos client log NAME [--instance N]`: what a client instance's
//! command wrote (its `client.stdout`, or `client.stderr`), read from its
//! sandbox through the scheduler.

use std::process::ExitCode;

use anyhow::Result;

use crate::async_runtime::runtime;
use crate::scheduler_args::Target;
use crate::scheduler_client::explain;
use scheduler::wire::InstanceStats;

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
    /// Show what each producer and consumer instance last reported.
    Stats {
        /// Only this client.
        name: Option<String>,
        /// Print again every this many seconds, until interrupted.
        #[arg(long, value_name = "SECONDS")]
        watch: Option<u64>,
        /// Print the scheduler's report as JSON.
        #[arg(long, conflicts_with = "watch")]
        json: bool,
    },
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
            ClientCommand::Stats { name, watch, json } => loop {
                let mut report = client.client_stats().await.map_err(explain)?;
                report.instances.retain(|i| {
                    i.cluster == cluster && name.as_ref().is_none_or(|n| *n == i.client)
                });
                if json {
                    println!("{}", serde_json::to_string_pretty(&report)?);
                } else {
                    print!("{}", stats_table(&report.instances));
                }
                let Some(seconds) = watch else {
                    return Ok(ExitCode::SUCCESS);
                };
                tokio::time::sleep(std::time::Duration::from_secs(seconds.max(1))).await;
                println!();
            },
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

/// One row per instance, then per client the sum over its reporting
/// instances.
fn stats_table(instances: &[InstanceStats]) -> String {
    use std::fmt::Write;
    let mut out = format!(
        "{:<16} {:<9} {:>8} {:>12} {:>9} {:>12} {:>12}\n",
        "CLIENT", "KIND", "INSTANCE", "MSG/S", "MB/S", "AVG LATENCY", "MAX LATENCY"
    );
    let ms = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.1} ms"));
    for i in instances {
        let _ = match &i.throughput {
            Some(t) => writeln!(
                out,
                "{:<16} {:<9} {:>8} {:>12.1} {:>9.2} {:>12} {:>12}",
                i.client,
                i.kind,
                i.instance,
                t.messages_per_sec,
                t.mb_per_sec,
                ms(t.avg_latency_ms),
                ms(t.max_latency_ms)
            ),
            None => writeln!(
                out,
                "{:<16} {:<9} {:>8} {}",
                i.client,
                i.kind,
                i.instance,
                i.unreported.as_deref().unwrap_or("no report")
            ),
        };
    }
    let mut clients: Vec<&str> = instances.iter().map(|i| i.client.as_str()).collect();
    clients.dedup();
    for name in clients {
        let reports = instances
            .iter()
            .filter(|i| i.client == name)
            .filter_map(|i| i.throughput.as_ref());
        let (messages, mb) = reports.fold((0.0, 0.0), |(m, b), t| {
            (m + t.messages_per_sec, b + t.mb_per_sec)
        });
        let _ = writeln!(
            out,
            "{name:<16} {:<9} {:>8} {messages:>12.1} {mb:>9.2}",
            "", "all"
        );
    }
    out
}
