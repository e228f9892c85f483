//! `kmesos fmt`: rewrites HCL files in the canonical layout (comments kept);
//! with `--check`, only reports the files that would change.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use engine::SourceFile;

/// Exit status of `fmt --check` when a file is not formatted.
const EXIT_WOULD_CHANGE: u8 = 3;

/// Rewrite configuration files in the canonical layout.
#[derive(clap::Args)]
#[command(
    after_help = "Prints the files it changed. Exit status: 0 done (or nothing to change), 1 error,\n3 with --check when a file would change.\n\nExample:\n  kmesos fmt examples/production\n  kmesos fmt --check ."
)]
pub struct Args {
    /// Do not write; exit with 3 if any file would change.
    #[arg(long)]
    check: bool,
    /// .hcl files, or directories whose .hcl files are formatted.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut changed = false;
    let mut errors = engine::Diagnostics::default();
    for path in &args.paths {
        for file in super::hcl_files(path)? {
            let text = fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let source = SourceFile::new(file.display().to_string(), text);
            let formatted = match engine::format::format(&source) {
                Ok(f) => f,
                Err(e) => {
                    errors.0.push(e);
                    continue;
                }
            };
            if formatted != source.text {
                changed = true;
                println!("{}", file.display());
                if !args.check {
                    fs::write(&file, formatted)
                        .with_context(|| format!("cannot write {}", file.display()))?;
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    Ok(if args.check && changed {
        ExitCode::from(EXIT_WOULD_CHANGE)
    } else {
        ExitCode::SUCCESS
    })
}
