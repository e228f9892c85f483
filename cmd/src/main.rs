//! The `kmesos` command. Each subcommand lives in its own file under
//! `commands/`; adding one is a new file plus a variant of [`Command`].
//! What commands share has a module of its own: reading a configuration
//! (`configuration`), reaching the scheduler (`scheduler_args`,
//! `scheduler_client`), the state to plan against (`live_state`), submitting
//! a plan (`plan_submission`), what the live scheduler adds to a plan
//! (`plan_availability`, `plan_placement`) and following it (`progress`), plus the
//! runtime, logging, error reporting and the agents' port range.
//! The work happens in the library crates (`engine` for configuration, plans
//! and rendering); this binary reads files, parses arguments and prints.

mod async_runtime;
mod commands;
mod configuration;
mod dev_ha;
mod error_report;
mod live_state;
mod logging;
mod plan_availability;
mod plan_placement;
mod plan_submission;
mod port_range;
mod progress;
mod scheduler_args;
mod scheduler_client;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

// The scheduler's Kafka endpoint decodes untrusted frames; see the allocator's
// module for why huge allocations must not abort the process.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: kafka::ReserveHugeAllocations = kafka::ReserveHugeAllocations;

#[derive(Parser)]
#[command(
    name = "kmesos",
    version,
    about = "Kafka on Mesos, Terraform-style: describe clusters in HCL, see the plan, apply it"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Validate(commands::validate::Args),
    Fmt(commands::fmt::Args),
    Plan(commands::plan::Args),
    Show(commands::show::Args),
    Apply(commands::apply::Args),
    Destroy(commands::destroy::Args),
    State(commands::state::Args),
    Broker(commands::broker::Args),
    Client(commands::client::Args),
    Rebalance(commands::rebalance::Args),
    Scheduler(commands::scheduler::Args),
    MesosLocal(commands::mesos_local::Args),
    Dev(commands::dev::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(args) => commands::validate::run(args),
        Command::Fmt(args) => commands::fmt::run(args),
        Command::Plan(args) => commands::plan::run(args),
        Command::Show(args) => commands::show::run(args),
        Command::Apply(args) => commands::apply::run(args),
        Command::Destroy(args) => commands::destroy::run(args),
        Command::State(args) => commands::state::run(args),
        Command::Broker(args) => commands::broker::run(args),
        Command::Client(args) => commands::client::run(args),
        Command::Rebalance(args) => commands::rebalance::run(args),
        Command::Scheduler(args) => commands::scheduler::run(args),
        Command::MesosLocal(args) => commands::mesos_local::run(args),
        Command::Dev(args) => commands::dev::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            error_report::report(&e);
            ExitCode::from(error_report::EXIT_ERROR)
        }
    }
}
