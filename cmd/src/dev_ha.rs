//! What `kmesos dev --ha` runs beside the embedded Mesos cluster: a
//! ZooKeeper server (Debian's, `tools::ZOOKEEPER`) with its data under the
//! dev directory, and three `kmesos scheduler` processes sharing one
//! ZooKeeper state, on consecutive API ports, each logging to its own file.
//! Killing the leader's process shows a standby take over; everything stops
//! with `kmesos dev`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use mesos_local::ProcessGroup;
use scheduler::zookeeper::{self, ZkLocation, DEFAULT_SESSION_TIMEOUT};
use tokio::process::{Child, Command};

/// How many schedulers run.
pub const SCHEDULERS: u16 = 3;
/// How long ZooKeeper may take to answer once started.
const ZOOKEEPER_DEADLINE: Duration = Duration::from_secs(60);
/// How long a stopped process may take before it is killed.
const GRACE: Duration = Duration::from_secs(10);

/// What the schedulers run with.
pub struct Settings<'a> {
    pub dir: &'a Path,
    pub zookeeper: SocketAddr,
    pub master: String,
    /// The first scheduler's API; the others take the next ports.
    pub api: SocketAddr,
    pub kafka: &'a str,
    pub executor: &'a Path,
    pub tansu: Option<&'a Path>,
    pub distributions: &'a [PathBuf],
}

/// The running ZooKeeper server and schedulers.
pub struct HaSchedulers {
    zookeeper: Process,
    schedulers: Vec<(String, Process)>,
}

/// A child process in a group of its own (ZooKeeper's script starts Java).
struct Process {
    child: Child,
    group: ProcessGroup,
}

impl Process {
    /// SIGTERM to the group, SIGKILL after the grace; the child reaped
    /// meanwhile, so that an exited one does not linger in the group.
    async fn stop(mut self) {
        let _ = tokio::join!(self.group.terminate(GRACE), self.child.wait());
    }
}

impl HaSchedulers {
    pub async fn start(settings: &Settings<'_>) -> Result<HaSchedulers> {
        let script = tools::ZOOKEEPER.find().ok_or_else(|| {
            anyhow!(
                "--ha needs ZooKeeper's server script: {}",
                tools::ZOOKEEPER.looked_for()
            )
        })?;
        let zookeeper = start_zookeeper(&script, settings.dir, settings.zookeeper)?;
        let location = ZkLocation {
            servers: settings.zookeeper.to_string(),
            root: "/kmesos-dev".into(),
        };
        wait_answering(&location).await?;
        let mut schedulers = Vec::new();
        for index in 0..SCHEDULERS {
            let port = settings.api.port().checked_add(index).ok_or_else(|| {
                anyhow!(
                    "--api {}: no room for {SCHEDULERS} ports after it",
                    settings.api
                )
            })?;
            let api = SocketAddr::new(settings.api.ip(), port);
            let process = start_scheduler(settings, &location, api, index)?;
            schedulers.push((format!("http://{api}"), process));
        }
        Ok(HaSchedulers {
            zookeeper,
            schedulers,
        })
    }

    /// Every scheduler's URL, comma-separated, as the CLI takes them.
    pub fn urls(&self) -> String {
        let urls: Vec<&str> = self
            .schedulers
            .iter()
            .map(|(url, _)| url.as_str())
            .collect();
        urls.join(",")
    }

    /// One line per scheduler: its URL and process id.
    pub fn describe(&self) -> Vec<String> {
        self.schedulers
            .iter()
            .map(|(url, process)| format!("  scheduler {url} (pid {})", process.group.0))
            .collect()
    }

    /// Stops the schedulers, then ZooKeeper.
    pub async fn stop(self) {
        futures::future::join_all(self.schedulers.into_iter().map(|(_, p)| p.stop())).await;
        self.zookeeper.stop().await;
    }
}

fn start_zookeeper(script: &Path, dir: &Path, address: SocketAddr) -> Result<Process> {
    let home = dir.join("zookeeper");
    std::fs::create_dir_all(home.join("data"))
        .with_context(|| format!("cannot create {}", home.display()))?;
    let config = home.join("zoo.cfg");
    std::fs::write(
        &config,
        format!(
            "tickTime=1000\ndataDir={}\nclientPort={}\nclientPortAddress={}\nadmin.enableServer=false\n",
            home.join("data").display(),
            address.port(),
            address.ip()
        ),
    )?;
    let mut command = Command::new(script);
    command
        .arg("start-foreground")
        .arg(&config)
        .env("ZOO_LOG_DIR", &home);
    spawn(command, &home.join("server.log"))
}

fn start_scheduler(
    settings: &Settings<'_>,
    location: &ZkLocation,
    api: SocketAddr,
    index: u16,
) -> Result<Process> {
    let me = std::env::current_exe().context("cannot find the kmesos binary's path")?;
    let mut command = Command::new(me);
    command
        .arg("scheduler")
        .args(["--master", &settings.master])
        .args(["--state", &location.display()])
        .args(["--api", &api.to_string()])
        .args(["--kafka", settings.kafka])
        .arg("--executor")
        .arg(settings.executor);
    if let Some(tansu) = settings.tansu {
        command.arg("--tansu").arg(tansu);
    }
    for dist in settings.distributions {
        command.arg("--dist").arg(dist);
    }
    if std::env::var_os("RUST_LOG").is_none() {
        command.env("RUST_LOG", "info");
    }
    spawn(
        command,
        &settings.dir.join(format!("scheduler-{index}.log")),
    )
}

fn spawn(mut command: Command, log: &Path) -> Result<Process> {
    let output =
        std::fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    command
        .stdin(Stdio::null())
        .stdout(output.try_clone()?)
        .stderr(output)
        .process_group(0)
        .kill_on_drop(true);
    let child = command
        .spawn()
        .context("cannot start a process of kmesos dev --ha")?;
    let pid = child.id().ok_or_else(|| {
        anyhow!(
            "a process of kmesos dev --ha exited at once; see {}",
            log.display()
        )
    })?;
    let group = ProcessGroup(i32::try_from(pid)?);
    Ok(Process { child, group })
}

async fn wait_answering(location: &ZkLocation) -> Result<()> {
    let started = Instant::now();
    loop {
        if zookeeper::connect(location, DEFAULT_SESSION_TIMEOUT)
            .await
            .is_ok()
        {
            return Ok(());
        }
        if started.elapsed() > ZOOKEEPER_DEADLINE {
            bail!(
                "ZooKeeper did not answer on {} within {ZOOKEEPER_DEADLINE:?}",
                location.servers
            );
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}
