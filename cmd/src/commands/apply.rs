//! `kmesos apply`: shows the plan, asks for confirmation, hands the change
//! set to the scheduler and follows its progress until it ends. Also the
//! pieces the other scheduler commands share: reaching the scheduler
//! (`--scheduler`, `KMESOS_SCHEDULER`, or the HCL `scheduler` block) and
//! following an apply.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Result};
use engine::{Config, Plan};
use futures::StreamExt;
use scheduler::api::client::{ApiClient, ClientError};
use scheduler::api::wire::ApplyRequest;
use scheduler::core::{Counts, Progress};

use super::VarArgs;

/// How to reach the scheduler's API.
#[derive(clap::Args, Clone)]
pub struct SchedulerArgs {
    /// The scheduler's API URL (default: the configuration's `scheduler` block).
    #[arg(long, global = true, env = "KMESOS_SCHEDULER", value_name = "URL")]
    pub scheduler: Option<String>,
    /// Bearer token for the scheduler's API.
    #[arg(
        long,
        global = true,
        env = "KMESOS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
}

impl SchedulerArgs {
    /// A client of the scheduler named by the flag, the environment, or
    /// `config`'s `scheduler` block, in that order.
    pub fn client(&self, config: Option<&Config>) -> Result<ApiClient> {
        let from_config = config
            .and_then(|c| c.scheduler.as_ref())
            .map(|s| s.address.clone());
        let Some(address) = self.scheduler.clone().or(from_config) else {
            bail!("no scheduler address: pass --scheduler URL, set KMESOS_SCHEDULER, or add a `scheduler {{ address = \"...\" }}` block");
        };
        Ok(ApiClient::new(&address, self.token.clone()))
    }
}

/// Whether to refresh the scheduler's state from the live brokers before
/// planning, as Terraform refreshes.
#[derive(clap::Args, Clone, Copy)]
pub struct RefreshArgs {
    /// Read the Apache Kafka clusters' dynamic configs and topics from their
    /// brokers first and record what changed outside kmesos as drift
    /// (`--refresh=false` plans against the state as recorded).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
}

/// The state to plan against when no `--state` file is given: the live
/// scheduler's, refreshed from the brokers unless `refresh` says not to.
/// With the address only from the configuration's `scheduler` block and
/// nothing answering there, the plan is made against an empty state, with a
/// warning (so a configuration can be planned offline).
pub fn live_state(
    scheduler: &SchedulerArgs,
    config: &Config,
    refresh: RefreshArgs,
) -> Result<engine::State> {
    let explicit = scheduler.scheduler.is_some();
    if !explicit && config.scheduler.is_none() {
        return Ok(engine::State::empty());
    }
    let client = scheduler.client(Some(config))?;
    match runtime()?.block_on(current_state(&client, refresh)) {
        Ok(state) => Ok(state),
        Err(ClientError::Unreachable { url, detail }) if !explicit => {
            eprintln!("warning: no scheduler answers at {url} ({detail}); planning against an empty state");
            Ok(engine::State::empty())
        }
        Err(e) => Err(explain(e)),
    }
}

/// The scheduler's state, refreshed first from the live brokers unless
/// `refresh` says not to; clusters that could not be refreshed are named on
/// stderr, and the plan is made against what the state recorded for them.
pub async fn current_state(
    client: &ApiClient,
    refresh: RefreshArgs,
) -> Result<engine::State, ClientError> {
    if refresh.refresh {
        match client.refresh().await {
            Ok(report) => {
                for outcome in report.clusters {
                    if let Some(why) = outcome.skipped {
                        eprintln!(
                            "warning: cluster {} was not refreshed from its brokers: {why}",
                            outcome.cluster
                        );
                    }
                }
            }
            // A scheduler older than the refresh.
            Err(ClientError::Refused { status: 404, .. }) => {
                eprintln!("warning: the scheduler at {} cannot refresh from the brokers; planning against its state as recorded", client.base_url());
            }
            Err(e) => return Err(e),
        }
    }
    client.state().await
}

/// Which scheduler, for the commands that read no configuration of their
/// own: the flags, or the `scheduler` block of `--config`.
#[derive(clap::Args)]
pub struct Target {
    /// A configuration whose `scheduler` block names the scheduler.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(flatten)]
    vars: VarArgs,
    #[command(flatten)]
    scheduler: SchedulerArgs,
}

impl Target {
    /// The `--config` configuration, if one was named.
    pub fn config(&self) -> Result<Option<Config>> {
        self.config
            .as_ref()
            .map(|path| super::load_config(path, &self.vars))
            .transpose()
    }

    pub fn client(&self) -> Result<ApiClient> {
        self.scheduler.client(self.config()?.as_ref())
    }
}

/// Apply a configuration (or a saved plan) through the scheduler.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  kmesos apply examples/quickstart\n  kmesos plan examples/quickstart --out plan.json && kmesos apply plan.json"
)]
pub struct Args {
    /// A .hcl file or directory of them, or a plan saved by `kmesos plan --out`.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Apply without asking (required when stdin is not a terminal).
    #[arg(long)]
    auto_approve: bool,
    #[command(flatten)]
    vars: VarArgs,
    #[command(flatten)]
    refresh: RefreshArgs,
    #[command(flatten)]
    scheduler: SchedulerArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    runtime()?.block_on(apply(args))
}

async fn apply(args: Args) -> Result<ExitCode> {
    let (plan, config, saved) = match read_saved_plan(&args.path)? {
        Some(plan) => {
            let redacted = format!("\"{}\"", engine::sensitive::REDACTED);
            if serde_json::to_string(&plan.configuration)?.contains(&redacted) {
                bail!(
                    "{} holds secret values, which saved plans never store; apply the configuration itself",
                    args.path.display()
                );
            }
            let config = plan.configuration.clone();
            (plan, config, true)
        }
        None => {
            let config = super::load_config(&args.path, &args.vars)?;
            let client = args.scheduler.client(Some(&config))?;
            let state = current_state(&client, args.refresh).await?;
            let plan = engine::diff(&config, &state)?;
            (plan, config, false)
        }
    };
    let client = args.scheduler.client(Some(&config))?;
    if saved {
        // A saved plan was reviewed when it was made, as with Terraform.
        submit_saved(&client, plan, config).await
    } else {
        submit_and_follow(&client, plan, config, args.auto_approve).await
    }
}

/// How often a plan made from the configuration is recomputed when the
/// state moves under it (task status changes bump the serial too).
const REPLANS: usize = 5;

/// Shows `plan`, asks unless `approved`, submits it and follows it to the end.
/// A plan made here from the configuration (`saved` false) that the state
/// moved under is made again and, if it has the same changes, resubmitted
/// (the operator approved those changes); a saved plan is refused as stale.
pub async fn submit_and_follow(
    client: &ApiClient,
    plan: Plan,
    config: Config,
    approved: bool,
) -> Result<ExitCode> {
    submit_plan(client, plan, config, approved, false).await
}

/// [`submit_and_follow`] for a plan file: never recomputed.
pub async fn submit_saved(client: &ApiClient, plan: Plan, config: Config) -> Result<ExitCode> {
    submit_plan(client, plan, config, true, true).await
}

async fn submit_plan(
    client: &ApiClient,
    mut plan: Plan,
    config: Config,
    approved: bool,
    saved: bool,
) -> Result<ExitCode> {
    print!(
        "{}",
        engine::render::text::render(&plan, std::io::stdout().is_terminal())
    );
    if !plan.has_changes() {
        // The rendering above already says "No changes."
        return Ok(ExitCode::SUCCESS);
    }
    if !approved && !confirm()? {
        println!("\nApply cancelled.");
        return Ok(ExitCode::from(super::EXIT_ERROR));
    }
    let mut replans = 0;
    let accepted = loop {
        let request = ApplyRequest {
            plan: plan.clone(),
            config: config.clone(),
            holder: holder(),
        };
        match client.apply(&request).await {
            Ok(accepted) => break accepted,
            Err(ClientError::Refused { status: 409, body })
                if !saved && body.holder.is_none() && replans < REPLANS =>
            {
                replans += 1;
                let state = client.state().await?;
                let again = engine::diff(&config, &state)?;
                if again.changes != plan.changes {
                    bail!(
                        "{}; the plan is different now: run `kmesos apply` again to review it",
                        body.error
                    );
                }
                plan = again;
            }
            Err(e) => return Err(explain(e)),
        }
    };
    println!(
        "\nApply {} started on {}.",
        accepted.apply_id,
        client.base_url()
    );
    follow(client, &accepted.apply_id).await
}

fn confirm() -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("refusing to ask for confirmation: stdin is not a terminal; pass --auto-approve to apply without asking");
    }
    Ok(dialoguer::Confirm::new()
        .with_prompt("Do you want to perform these actions?")
        .default(false)
        .interact()?)
}

/// Follows apply `apply_id`, printing each step with the time since the
/// apply (and each broker) started, until it ends. Ctrl-C detaches; a lost
/// connection is retried (the scheduler may be restarting).
pub async fn follow(client: &ApiClient, apply_id: &str) -> Result<ExitCode> {
    let started = Instant::now();
    let mut broker_started: BTreeMap<(String, u32), Instant> = BTreeMap::new();
    loop {
        let events = match client.progress(apply_id).await {
            Ok(events) => events,
            Err(ClientError::Refused { status: 404, .. }) => {
                println!("Apply {apply_id} ended while the scheduler was unreachable; `kmesos state list` shows the result.");
                return Ok(ExitCode::SUCCESS);
            }
            Err(e @ ClientError::Unreachable { .. }) => {
                eprintln!("{e}; retrying");
                if wait_or_detach(apply_id, client).await {
                    return Ok(ExitCode::SUCCESS);
                }
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let mut events = std::pin::pin!(events);
        loop {
            let next = tokio::select! {
                next = events.next() => next,
                _ = tokio::signal::ctrl_c() => {
                    detached(apply_id, client);
                    return Ok(ExitCode::SUCCESS);
                }
            };
            match next {
                Some(Ok(event)) => {
                    if let Some(code) = show(&event, started, &mut broker_started) {
                        return Ok(code);
                    }
                }
                Some(Err(e)) => {
                    eprintln!("lost the progress stream ({e}); reconnecting");
                    break;
                }
                None => {
                    eprintln!("the scheduler closed the progress stream; reconnecting");
                    break;
                }
            }
        }
        if wait_or_detach(apply_id, client).await {
            return Ok(ExitCode::SUCCESS);
        }
    }
}

/// Waits a moment before reconnecting; true if Ctrl-C came first.
async fn wait_or_detach(apply_id: &str, client: &ApiClient) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => false,
        _ = tokio::signal::ctrl_c() => {
            detached(apply_id, client);
            true
        }
    }
}

fn detached(apply_id: &str, client: &ApiClient) {
    println!(
        "\nDetached. Apply {apply_id} keeps running on the scheduler at {}; `kmesos state list` shows where it is.",
        client.base_url()
    );
}

/// Prints one event; the exit code when it ends the apply.
fn show(
    event: &Progress,
    started: Instant,
    brokers: &mut BTreeMap<(String, u32), Instant>,
) -> Option<ExitCode> {
    let total = elapsed(started);
    match event {
        Progress::Started { holder, steps, .. } => {
            println!("Applying {steps} change(s) for {holder}.");
        }
        Progress::Broker {
            cluster,
            id,
            phase,
            detail,
            ..
        } => {
            let since = *brokers
                .entry((cluster.clone(), *id))
                .or_insert_with(Instant::now);
            let phase = serde_json::to_value(phase)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let detail = detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default();
            println!(
                "cluster.{cluster}.broker.{id}: {}{detail} [{} elapsed]",
                phase.replace('_', " "),
                elapsed(since)
            );
        }
        Progress::StepDone {
            address, action, ..
        } => {
            println!("{address}: {action} complete [{total} elapsed]");
        }
        Progress::Finished { counts, .. } => {
            println!("\nApply complete! {}", summary(counts));
            return Some(ExitCode::SUCCESS);
        }
        Progress::Failed {
            message, counts, ..
        } => {
            eprintln!(
                "\nApply failed after {total}: {message}\n({})",
                summary(counts)
            );
            return Some(ExitCode::from(super::EXIT_ERROR));
        }
        Progress::Cancelled { counts, .. } => {
            println!("\nApply cancelled after {total}. {}", summary(counts));
            return Some(ExitCode::from(super::EXIT_ERROR));
        }
    }
    None
}

fn summary(c: &Counts) -> String {
    format!(
        "{} created, {} updated, {} restarted, {} destroyed.",
        c.created, c.updated, c.restarted, c.destroyed
    )
}

fn elapsed(since: Instant) -> String {
    let secs = since.elapsed().as_secs();
    if secs >= 60 {
        format!("{}m{}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

/// Who is applying, as shown to anyone who finds the lock taken.
pub fn holder() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    format!("{user}@{host} (pid {})", std::process::id())
}

/// A refusal with its holder spelled out.
pub fn explain(e: ClientError) -> anyhow::Error {
    match &e {
        ClientError::Refused { body, .. } => match (&body.holder, &body.since) {
            (Some(holder), Some(since)) => {
                anyhow::anyhow!("{} (lock held by {holder} since {since})", body.error)
            }
            _ => anyhow::anyhow!("{}", body.error),
        },
        _ => e.into(),
    }
}

/// The plan in `path`, if it is a saved plan file rather than HCL.
fn read_saved_plan(path: &Path) -> Result<Option<Plan>> {
    if path.is_dir() || path.extension().is_some_and(|e| e == "hcl") {
        return Ok(None);
    }
    let text = super::read_text(path)?;
    if !text.trim_start().starts_with('{') {
        return Ok(None);
    }
    Ok(Some(Plan::from_json(&text, &path.display().to_string())?))
}

/// The async runtime the scheduler commands run on.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
