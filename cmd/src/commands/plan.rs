//! `kmesos plan`: compares the configuration with the state (the
//! scheduler's, refreshed from the live brokers first, or a state file) and
//! shows what would change; optionally saves the plan for a later `apply`.

use std::fs;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use engine::state::StateError;
use engine::State;

use engine::plan::Availability;

use crate::async_runtime::runtime;
use crate::configuration::{load_config, VarArgs};
use crate::live_state::{live_state, RefreshArgs};
use crate::plan_availability::{self, NO_SCHEDULER};
use crate::plan_placement;
use crate::scheduler_args::SchedulerArgs;

/// Exit status with --detailed-exitcode when the plan has changes.
const EXIT_CHANGES: u8 = 2;

/// Show what would change to make the clusters match the configuration.
#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 success, 1 error; with --detailed-exitcode: 0 no changes,\n1 error, 2 changes present.\n\nExample:\n  kmesos plan examples/quickstart --state state.json --var broker_mem=4096 --out plan.json\n  kmesos show plan.json"
)]
pub struct Args {
    /// A .hcl file, or a directory whose .hcl files are read together.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// The state to plan against (as `kmesos state pull` prints it); a missing
    /// file is an empty state. It is not refreshed: only the scheduler reads
    /// the brokers.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    #[command(flatten)]
    vars: VarArgs,
    /// Save the plan (JSON) to FILE, for `kmesos show` and `kmesos apply`.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Print the plan as JSON (see docs/plan-format.md).
    #[arg(long)]
    json: bool,
    /// Exit with 2 when there are changes, 0 when there are none.
    #[arg(long)]
    detailed_exitcode: bool,
    #[command(flatten)]
    refresh: RefreshArgs,
    #[command(flatten)]
    scheduler: SchedulerArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let config = load_config(&args.path, &args.vars)?;
    let plan = match &args.state {
        Some(_) => {
            let state = read_state(args.state.as_ref())?;
            let mut plan = engine::diff(&config, &state)?;
            plan.availability = Availability::not_possible(&plan, NO_SCHEDULER);
            plan
        }
        None => match live_state(&args.scheduler, &config, args.refresh)? {
            (state, Some(client)) => {
                let plan = engine::diff(&config, &state)?;
                runtime()?.block_on(async {
                    let plan = plan_availability::analyzed(&client, &state, plan).await;
                    plan_placement::previewed(&client, plan).await
                })
            }
            (state, None) => {
                let mut plan = engine::diff(&config, &state)?;
                plan.availability = Availability::not_possible(&plan, NO_SCHEDULER);
                plan
            }
        },
    };
    let json = engine::render::json::render(&plan);
    if let Some(out) = &args.out {
        fs::write(out, &json)
            .with_context(|| format!("cannot write the plan to {}", out.display()))?;
        eprintln!(
            "Saved the plan to {}; `kmesos show {}` prints it.",
            out.display(),
            out.display()
        );
    }
    if args.json {
        print!("{json}");
    } else {
        print!(
            "{}",
            engine::render::text::render(&plan, std::io::stdout().is_terminal())
        );
    }
    plan_availability::refuse_stranded(&plan)?;
    Ok(if args.detailed_exitcode && plan.has_changes() {
        ExitCode::from(EXIT_CHANGES)
    } else {
        ExitCode::SUCCESS
    })
}

fn read_state(path: Option<&PathBuf>) -> Result<State> {
    let Some(path) = path else {
        return Ok(State::empty());
    };
    match fs::read(path) {
        Ok(bytes) => {
            let origin = path.display().to_string();
            let text = engine::diagnostics::utf8_text(&origin, bytes).map_err(StateError::from)?;
            Ok(State::parse(&text, &origin)?)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::empty()),
        Err(e) => Err(e).with_context(|| format!("cannot read the state {}", path.display())),
    }
}
