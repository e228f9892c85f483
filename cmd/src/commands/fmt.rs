//! `kmesos fmt`: rewrites HCL files in the canonical layout (comments kept);
//! with `--check`, only reports the files that would change; with
//! `--recursive`, also the files in subdirectories (as `terraform fmt
//! -recursive`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use engine::SourceFile;

/// Exit status of `fmt --check` when a file is not formatted.
const EXIT_WOULD_CHANGE: u8 = 3;

/// Rewrite configuration files in the canonical layout.
#[derive(clap::Args)]
#[command(
    after_help = "Prints the files it changed. Exit status: 0 done (or nothing to change), 1 error,\n3 with --check when a file would change.\n\nExample:\n  kmesos fmt examples/production\n  kmesos fmt --check --recursive examples/"
)]
pub struct Args {
    /// Do not write; exit with 3 if any file would change.
    #[arg(long)]
    check: bool,
    /// Also format the .hcl files of every subdirectory (hidden ones
    /// skipped).
    #[arg(long)]
    recursive: bool,
    /// .hcl files, or directories whose .hcl files are formatted.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut changed = false;
    let mut errors = engine::Diagnostics::default();
    let mut files = Vec::new();
    for path in &args.paths {
        if args.recursive && path.is_dir() {
            tree_hcl_files(path, &mut files)?;
        } else {
            files.extend(crate::configuration::hcl_files(path)?);
        }
    }
    for file in files {
        let text = crate::configuration::read_text(&file)?;
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
    if !errors.is_empty() {
        return Err(errors.into());
    }
    Ok(if args.check && changed {
        ExitCode::from(EXIT_WOULD_CHANGE)
    } else {
        ExitCode::SUCCESS
    })
}

/// Every `*.hcl` file under `dir`, directory by directory in name order;
/// hidden directories (`.git`, `.kmesos`) are skipped.
fn tree_hcl_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("cannot read directory {}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("cannot read directory {}", dir.display()))?;
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if path.is_dir() && !hidden {
            tree_hcl_files(&path, files)?;
        } else if path.is_file() && path.extension().is_some_and(|e| e == "hcl") {
            files.push(path);
        }
    }
    Ok(())
}
