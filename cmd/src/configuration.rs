//! Reading a configuration: a file, or a directory's `*.hcl` files, with the
//! variable values from `KMESOS_VAR_*` < `--var-file` < `--var`.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use engine::{Config, SourceFile, Vars};

/// Variable options shared by the commands that load a configuration.
#[derive(clap::Args)]
pub struct VarArgs {
    /// Set a variable: NAME=VALUE (repeatable). Wins over --var-file and KMESOS_VAR_NAME.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from an HCL file of `name = value` lines.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_file: Option<PathBuf>,
}

impl VarArgs {
    /// The variable values, in increasing precedence: environment
    /// (`KMESOS_VAR_<name>`), the var file, then `--var`.
    pub fn collect(&self) -> Result<Vars> {
        let mut vars = Vars::new();
        for (key, value) in std::env::vars() {
            if let Some(name) = key.strip_prefix("KMESOS_VAR_") {
                vars.set_from_environment(name, &value);
            }
        }
        if let Some(path) = &self.var_file {
            let file = read_source(path)?;
            vars.read_file(&file)?;
        }
        for assignment in &self.vars {
            vars.set_assignment(assignment)
                .map_err(anyhow::Error::msg)?;
        }
        Ok(vars)
    }
}

fn read_source(path: &Path) -> Result<SourceFile> {
    Ok(SourceFile::new(
        path.display().to_string(),
        read_text(path)?,
    ))
}

/// A file's text; the error names the file, and for bytes that are not
/// UTF-8 the line and column.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    engine::diagnostics::utf8_text(&path.display().to_string(), bytes)
        .map_err(|d| anyhow::anyhow!("{d}"))
}

/// The `*.hcl` files of a directory (sorted), or the file itself.
pub fn hcl_files(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        if !path.exists() {
            anyhow::bail!("{} does not exist", path.display());
        }
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let entries =
        fs::read_dir(path).with_context(|| format!("cannot read directory {}", path.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read directory {}", path.display()))?;
        let p = entry.path();
        if p.extension().is_some_and(|e| e == "hcl") && p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    if files.is_empty() {
        anyhow::bail!("{} holds no .hcl files", path.display());
    }
    Ok(files)
}

/// Loads the configuration at `path` (file or directory) with its variables.
pub fn load_config(path: &Path, vars: &VarArgs) -> Result<Config> {
    let sources = hcl_files(path)?
        .iter()
        .map(|p| read_source(p))
        .collect::<Result<Vec<_>>>()?;
    let vars = vars.collect()?;
    Ok(engine::load(&sources, &vars)?)
}
