//! `kmesos show`: prints a plan saved with `kmesos plan --out`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use engine::Plan;

/// Print a saved plan.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  kmesos plan examples/quickstart --out plan.json\n  kmesos show plan.json\n  kmesos show --json plan.json"
)]
pub struct Args {
    /// The plan file written by `kmesos plan --out`.
    planfile: PathBuf,
    /// Print it as JSON (see docs/plan-format.md).
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let origin = args.planfile.display().to_string();
    let text = crate::configuration::read_text(&args.planfile)?;
    let plan = Plan::from_json(&text, &origin)?;
    if args.json {
        print!("{}", engine::render::json::render(&plan));
    } else {
        print!(
            "{}",
            engine::render::text::render(&plan, std::io::stdout().is_terminal())
        );
    }
    Ok(ExitCode::SUCCESS)
}
