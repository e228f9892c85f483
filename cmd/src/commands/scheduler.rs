//! `kmesos scheduler`: runs the scheduler daemon against a Mesos master
//! until it is stopped (Ctrl-C / SIGTERM) or the master ends the framework.
//! Stopping it leaves the brokers running: the framework fails over when the
//! scheduler comes back with the same state.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use scheduler::daemon::{Daemon, Options};

use super::apply::runtime;

/// Run the scheduler daemon.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  kmesos scheduler --master http://127.0.0.1:5050 --state file:state.json --api 127.0.0.1:7000"
)]
pub struct Args {
    /// The Mesos master (`host:port` or URL).
    #[arg(long, env = "KMESOS_MASTER")]
    master: String,
    /// Where the state lives: file:PATH.
    #[arg(long, value_name = "LOCATION")]
    state: String,
    /// Where the HTTP API listens.
    #[arg(long, default_value = "127.0.0.1:7000")]
    api: SocketAddr,
    /// The API's URL as agents reach it (for fetching the executor and broker).
    #[arg(long, value_name = "URL")]
    advertise: Option<String>,
    /// The Kafka endpoint's address for the first cluster whose
    /// configuration names no `kafka.endpoint`.
    #[arg(long, value_name = "ADDR")]
    kafka: Option<String>,
    /// Require this bearer token on every API call but health.
    #[arg(long, env = "KMESOS_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The executor binary (default: kmesos-executor next to kmesos).
    #[arg(long, value_name = "PATH")]
    executor: Option<PathBuf>,
    /// The tansu binary served to agents (default: found like `kmesos dev` does).
    #[arg(long, value_name = "PATH")]
    tansu: Option<PathBuf>,
    /// An Apache Kafka distribution (.tgz) to serve to agents, named by a
    /// cluster's `kafka.dist` (this path, or its file name); repeatable.
    #[arg(long = "dist", value_name = "PATH")]
    distributions: Vec<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    init_logging();
    let store = scheduler::store::open(&args.state)?;
    let options = Options {
        master: args.master,
        store,
        api: args.api,
        advertised_url: args.advertise,
        kafka: args.kafka,
        token: args.token.filter(|t| !t.is_empty()),
        executor: match args.executor {
            Some(path) => path,
            None => executor_next_to_kmesos()?,
        },
        tansu: args.tansu.or_else(find_tansu),
        distributions: args.distributions,
        tune: None,
    };
    runtime()?.block_on(serve(options))
}

/// Runs the daemon until it stops or a signal arrives.
pub async fn serve(options: Options) -> Result<ExitCode> {
    let daemon = Daemon::start(options).await?;
    tokio::select! {
        result = daemon.wait() => {
            result?;
            Ok(ExitCode::SUCCESS)
        }
        _ = shutdown_signal() => {
            tracing::info!("stopping; brokers keep running until the scheduler returns");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

/// Logs to stderr, filtered by RUST_LOG (default: info).
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_writer(std::io::stderr)
        .try_init();
}

/// Logs to `file` instead, when a person watches the terminal and has not
/// asked for logs there (RUST_LOG): `kmesos dev` keeps the terminal for the
/// apply's progress. Otherwise (tests, CI, a service manager) as
/// [`init_logging`]. Returns the file when it is used.
pub fn init_logging_beside(file: &std::path::Path) -> Option<PathBuf> {
    use std::io::IsTerminal;
    if std::env::var_os("RUST_LOG").is_some() || !std::io::stderr().is_terminal() {
        init_logging();
        return None;
    }
    let Ok(log) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
    else {
        init_logging();
        return None;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(log))
        .try_init();
    Some(file.to_path_buf())
}

fn log_filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
}

/// `kmesos-executor` in the directory of the running `kmesos`.
pub fn executor_next_to_kmesos() -> Result<PathBuf> {
    let me = std::env::current_exe().context("cannot find the kmesos binary's path")?;
    let path = me.with_file_name("kmesos-executor");
    if !path.is_file() {
        anyhow::bail!("the executor {} is missing (build it: cargo build -p kmesos-executor), or pass --executor", path.display());
    }
    Ok(path)
}

/// The tansu binary: $KMESOS_TANSU, then `tansu` on PATH, then the tools
/// dir that scripts/install-tansu.sh fills ($KMESOS_TOOLS/bin, by default
/// $HOME/.cache/kmesos/tools/bin).
pub fn find_tansu() -> Option<PathBuf> {
    let var = std::env::var_os;
    locate_tansu(
        var("KMESOS_TANSU"),
        var("PATH"),
        var("KMESOS_TOOLS"),
        var("HOME"),
    )
}

/// [`find_tansu`] over the given environment values.
fn locate_tansu(
    explicit: Option<OsString>,
    path: Option<OsString>,
    tools: Option<OsString>,
    home: Option<OsString>,
) -> Option<PathBuf> {
    if let Some(path) = explicit.map(PathBuf::from) {
        return path.is_file().then_some(path);
    }
    let on_path = path
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("tansu"))
        .find(|p| p.is_file());
    on_path.or_else(|| {
        let tools = match tools {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(home?).join(".cache/kmesos/tools"),
        };
        let tansu = tools.join("bin/tansu");
        tansu.is_file().then_some(tansu)
    })
}

#[cfg(test)]
mod tests {
    use super::locate_tansu;
    use std::ffi::OsString;
    use std::path::Path;

    fn tansu_in(dir: &Path) -> std::path::PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let file = dir.join("tansu");
        std::fs::write(&file, "").unwrap();
        file
    }

    #[test]
    fn tansu_is_found_by_variable_then_path_then_the_tools_dir() {
        let root = tempfile::tempdir().unwrap();
        let os = |p: &Path| Some(OsString::from(p));
        let tools = root.path().join("tools");
        let installed = tansu_in(&tools.join("bin"));
        let home_default = tansu_in(&root.path().join("home/.cache/kmesos/tools/bin"));
        let on_path = tansu_in(&root.path().join("path"));
        let explicit = tansu_in(&root.path().join("explicit"));
        let empty = os(&root.path().join("nothing-here"));

        assert_eq!(
            locate_tansu(os(&explicit), os(on_path.parent().unwrap()), None, None),
            Some(explicit)
        );
        assert_eq!(
            locate_tansu(None, os(on_path.parent().unwrap()), os(&tools), None),
            Some(on_path)
        );
        assert_eq!(
            locate_tansu(None, empty.clone(), os(&tools), None),
            Some(installed)
        );
        assert_eq!(
            locate_tansu(None, empty.clone(), None, os(&root.path().join("home"))),
            Some(home_default)
        );
        assert_eq!(locate_tansu(None, empty, None, None), None);
        // A $KMESOS_TANSU that names nothing is not silently replaced.
        assert_eq!(
            locate_tansu(os(&root.path().join("missing")), None, os(&tools), None),
            None
        );
    }
}
