//! `kmesos rebalance [CLUSTER]`: spread an Apache Kafka cluster's replicas
//! and preferred leaders over all its brokers now, as `rebalance = true`
//! does after an apply adds brokers. It runs as a one-step apply (it takes
//! the apply lock) and is followed like one.

use std::process::ExitCode;

use anyhow::Result;

use crate::async_runtime::runtime;
use crate::progress::follow;
use crate::scheduler_args::Target;
use crate::scheduler_client::{explain, holder};

/// Spread a cluster's replicas and leaders over all its brokers.
#[derive(clap::Args)]
pub struct Args {
    /// The cluster (needed when the scheduler manages more than one).
    cluster: Option<String>,
    #[command(flatten)]
    target: Target,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let client = args.target.client()?;
    runtime()?.block_on(async {
        let cluster = client.cluster(args.cluster).await?;
        let accepted = client
            .rebalance(&cluster, &holder())
            .await
            .map_err(explain)?;
        println!(
            "Rebalancing cluster {cluster} (apply {}).",
            accepted.apply_id
        );
        follow(&client, &accepted.apply_id).await
    })
}
