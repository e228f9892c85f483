//! Supervises the broker process: starts it in its own process group with
//! stdout/stderr going to files in the sandbox (read by `kmesos broker log`),
//! waits until it answers a Kafka ApiVersions probe, notices when it exits
//! (exit code and the last log lines), and stops it gracefully: SIGTERM to
//! the group, up to a grace period, then SIGKILL. A [`Broker`] that is
//! dropped while its process runs kills the whole group, so no broker
//! outlives its executor.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io;
use std::net::SocketAddr;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use tokio::process::{Child, Command};
use tokio::time::Instant;

use crate::render::{BrokerCommand, PrepareStep};

/// The broker's output files, in the sandbox.
pub const STDOUT_FILE: &str = "broker.stdout";
pub const STDERR_FILE: &str = "broker.stderr";

/// A client instance's output files, in the sandbox.
pub const CLIENT_STDOUT_FILE: &str = "client.stdout";
pub const CLIENT_STDERR_FILE: &str = "client.stderr";

/// How many lines of each output file a failure report carries.
pub const REPORT_LINES: usize = 10;

/// Each probe attempt (connect + ApiVersions) is bounded by this.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// Pause between probe attempts while the broker starts.
const PROBE_INTERVAL: Duration = Duration::from_millis(100);

/// The files the broker (and its preparation step) write their output to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerLogs {
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

impl BrokerLogs {
    /// `broker.stdout` and `broker.stderr` in `sandbox`.
    pub fn in_sandbox(sandbox: &Path) -> BrokerLogs {
        BrokerLogs {
            stdout: sandbox.join(STDOUT_FILE),
            stderr: sandbox.join(STDERR_FILE),
        }
    }

    /// `client.stdout` and `client.stderr` in `sandbox`.
    pub fn of_client(sandbox: &Path) -> BrokerLogs {
        BrokerLogs {
            stdout: sandbox.join(CLIENT_STDOUT_FILE),
            stderr: sandbox.join(CLIENT_STDERR_FILE),
        }
    }

    /// The last `lines` lines of each non-empty output file, labelled with
    /// the file name, for a status message.
    pub fn tail(&self, lines: usize) -> String {
        let mut out = Vec::new();
        for path in [&self.stderr, &self.stdout] {
            let last = last_lines(path, lines).unwrap_or_default();
            if !last.is_empty() {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default();
                out.push(format!("--- last lines of {name} ---\n{}", last.join("\n")));
            }
        }
        out.join("\n")
    }

    fn open(&self) -> Result<(File, File), BrokerError> {
        Ok((append(&self.stdout)?, append(&self.stderr)?))
    }
}

/// How the broker (or its preparation step) ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerExit {
    /// The exit code, when it exited by itself.
    pub code: Option<i32>,
    /// The signal that ended it, when one did.
    pub signal: Option<i32>,
    /// The end of its output (see [`BrokerLogs::tail`]).
    pub last_lines: String,
}

impl BrokerExit {
    fn new(status: ExitStatus, logs: &BrokerLogs) -> BrokerExit {
        BrokerExit {
            code: status.code(),
            signal: status.signal(),
            last_lines: logs.tail(REPORT_LINES),
        }
    }

    /// True for exit code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

impl BrokerExit {
    /// How it ended, in one line: `exited with code 1`.
    pub fn summary(&self) -> String {
        match (self.code, self.signal) {
            (Some(code), _) => format!("exited with code {code}"),
            (None, Some(signal)) => match Signal::try_from(signal) {
                Ok(name) => format!("was killed by signal {signal} ({name})"),
                Err(_) => format!("was killed by signal {signal}"),
            },
            (None, None) => "ended with an unknown status".to_string(),
        }
    }
}

/// The summary, then the last log lines.
impl fmt::Display for BrokerExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())?;
        if !self.last_lines.is_empty() {
            write!(f, "\n{}", self.last_lines)?;
        }
        Ok(())
    }
}

/// Why the broker could not be started or did not come up.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("cannot start {program}: {source}")]
    Spawn { program: PathBuf, source: io::Error },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{program} {exit}")]
    PrepareFailed { program: PathBuf, exit: BrokerExit },
    #[error("the broker {0}")]
    Exited(BrokerExit),
    #[error(
        "the broker did not answer Kafka ApiVersions on {addr} within {waited:?}: {last_error}"
    )]
    NotReady {
        addr: SocketAddr,
        waited: Duration,
        last_error: String,
    },
}

/// Runs a preparation step to completion, unless its marker says it already
/// ran on this volume; writes the marker when it succeeds.
pub async fn prepare(step: &PrepareStep, logs: &BrokerLogs) -> Result<(), BrokerError> {
    if step.marker.exists() {
        return Ok(());
    }
    // Supervised like the broker, so that a kill during the format stops it.
    let mut process = Broker::start(&step.command, logs)?;
    let exit = process.exited().await?;
    if !exit.success() {
        return Err(BrokerError::PrepareFailed {
            program: step.command.program.clone(),
            exit,
        });
    }
    std::fs::write(&step.marker, b"").map_err(|source| BrokerError::Io {
        path: step.marker.clone(),
        source,
    })
}

/// A running broker process (the leader of its own process group).
#[derive(Debug)]
pub struct Broker {
    child: Child,
    group: Pid,
    logs: BrokerLogs,
    exit: Option<BrokerExit>,
}

impl Broker {
    /// Starts the broker's command in a new process group.
    pub fn start(command: &BrokerCommand, logs: &BrokerLogs) -> Result<Broker, BrokerError> {
        let child = spawn(command, logs)?;
        let pid = child.id().ok_or_else(|| BrokerError::Spawn {
            program: command.program.clone(),
            source: io::Error::other("the process ended before its id was read"),
        })?;
        let group = Pid::from_raw(pid as i32);
        Ok(Broker {
            child,
            group,
            logs: logs.clone(),
            exit: None,
        })
    }

    /// The broker's process id (also its process group id).
    pub fn pid(&self) -> u32 {
        self.group.as_raw() as u32
    }

    /// Probes the broker until it answers ApiVersions on `addr`, failing if
    /// it exits first or does not answer within `deadline`.
    pub async fn wait_ready(
        &mut self,
        addr: SocketAddr,
        deadline: Duration,
    ) -> Result<(), BrokerError> {
        let started = Instant::now();
        let target = addr.to_string();
        loop {
            if let Some(exit) = self.try_exit()? {
                return Err(BrokerError::Exited(exit));
            }
            let last_error = match kafka::probe(&target, PROBE_TIMEOUT).await {
                Ok(_) => return Ok(()),
                Err(e) => e.to_string(),
            };
            if started.elapsed() >= deadline {
                return Err(BrokerError::NotReady {
                    addr,
                    waited: started.elapsed(),
                    last_error,
                });
            }
            tokio::time::sleep(PROBE_INTERVAL).await;
        }
    }

    /// Waits until the broker exits by itself. Cancel-safe: use it in a
    /// `select!` next to kill requests.
    pub async fn exited(&mut self) -> Result<BrokerExit, BrokerError> {
        if let Some(exit) = &self.exit {
            return Ok(exit.clone());
        }
        let status = self
            .child
            .wait()
            .await
            .map_err(|source| self.io_error(source))?;
        Ok(self.record(status))
    }

    /// Stops the broker: SIGTERM to its group, up to `grace` for it to exit,
    /// then SIGKILL. Returns how it ended.
    pub async fn stop(&mut self, grace: Duration) -> Result<BrokerExit, BrokerError> {
        if let Some(exit) = self.try_exit()? {
            return Ok(exit);
        }
        self.signal(Signal::SIGTERM);
        if let Ok(exit) = tokio::time::timeout(grace, self.exited()).await {
            return exit;
        }
        tracing::warn!(
            pid = self.pid(),
            ?grace,
            "broker ignored SIGTERM for the grace period; sending SIGKILL"
        );
        self.signal(Signal::SIGKILL);
        self.exited().await
    }

    fn try_exit(&mut self) -> Result<Option<BrokerExit>, BrokerError> {
        if self.exit.is_none() {
            if let Some(status) = self
                .child
                .try_wait()
                .map_err(|source| self.io_error(source))?
            {
                self.record(status);
            }
        }
        Ok(self.exit.clone())
    }

    fn record(&mut self, status: ExitStatus) -> BrokerExit {
        let exit = BrokerExit::new(status, &self.logs);
        self.exit = Some(exit.clone());
        exit
    }

    fn signal(&self, signal: Signal) {
        // ESRCH only means the group is already gone.
        if let Err(e) = killpg(self.group, signal) {
            tracing::debug!(pid = self.pid(), %signal, error = %e, "signalling the broker's group");
        }
    }

    fn io_error(&self, source: io::Error) -> BrokerError {
        BrokerError::Io {
            path: PathBuf::from(format!("broker process {}", self.pid())),
            source,
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if self.exit.is_none() {
            self.signal(Signal::SIGKILL);
        }
    }
}

fn spawn(command: &BrokerCommand, logs: &BrokerLogs) -> Result<Child, BrokerError> {
    let (stdout, stderr) = logs.open()?;
    let mut broker = Command::new(&command.program);
    // Its own process group (below) takes it out of the group an agent kills
    // when the executor goes: have the kernel stop it when the executor dies,
    // as a container's cgroup would. The signal follows the spawning thread,
    // a runtime worker that lives as long as the executor; SIGTERM lets
    // Kafka shut down cleanly.
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        broker.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(Signal::SIGTERM).map_err(std::io::Error::from)
        });
    }
    broker
        .args(&command.args)
        .envs(&command.env)
        .current_dir(&command.working_dir)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        // Its own group, so that stopping it reaches every process it forks
        // (kafka-server-start.sh → java) and nothing else.
        .process_group(0)
        .kill_on_drop(false)
        .spawn()
        .map_err(|source| BrokerError::Spawn {
            program: command.program.clone(),
            source,
        })
}

fn append(path: &Path) -> Result<File, BrokerError> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|source| BrokerError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// Longer lines are cut: a status message should stay a few KiB.
const MAX_LINE: usize = 400;

/// The last `n` lines of a file, reading at most its final 64 KiB.
fn last_lines(path: &Path, n: usize) -> io::Result<Vec<String>> {
    use std::io::{Read, Seek, SeekFrom};
    const WINDOW: u64 = 64 * 1024;
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    file.seek(SeekFrom::Start(len.saturating_sub(WINDOW)))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(n);
    Ok(lines
        .get(start..)
        .unwrap_or_default()
        .iter()
        .map(|line| match line.char_indices().nth(MAX_LINE) {
            Some((cut, _)) => format!("{}…", line.get(..cut).unwrap_or(line)),
            None => line.to_string(),
        })
        .collect())
}
