//! Starting executor (and command-task) processes the way a Mesos agent does:
//! in the sandbox as working directory, stdout/stderr to sandbox files, and in
//! a process group of their own, so that a kill reaches everything the
//! executor started (brokers included) and an executor library that signals
//! its own group cannot hit the cluster's process.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use tokio::process::{Child, Command};

/// What to run: a shell command line, or a program with its argv.
#[derive(Debug, Clone, PartialEq)]
pub enum Program {
    /// `/bin/sh -c <line>` (CommandInfo.shell = true, the default).
    Shell(String),
    /// Exec `path` with `argv` (argv[0] included, as CommandInfo.arguments).
    Exec { path: String, argv: Vec<String> },
}

/// A process started in its own group.
#[derive(Debug)]
pub struct Spawned {
    pub child: Child,
    pub group: ProcessGroup,
}

/// A process group id; signalling it reaches every process in the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessGroup(pub i32);

impl ProcessGroup {
    /// Sends `signal` to the group; a group that is already gone is fine.
    pub fn signal(self, signal: Signal) {
        if let Err(e) = killpg(Pid::from_raw(self.0), signal) {
            if e != nix::errno::Errno::ESRCH {
                tracing::warn!(pgid = self.0, %e, "killpg failed");
            }
        }
    }

    /// True while any process of the group is alive.
    pub fn alive(self) -> bool {
        killpg(Pid::from_raw(self.0), None).is_ok()
    }

    /// SIGTERM, then SIGKILL once `grace` has passed with the group still alive.
    pub async fn terminate(self, grace: Duration) {
        self.signal(Signal::SIGTERM);
        let deadline = tokio::time::Instant::now() + grace;
        while self.alive() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if self.alive() {
            self.signal(Signal::SIGKILL);
        }
    }
}

/// Starts `program` in `sandbox` with exactly `env` added to a clean
/// environment holding only PATH and HOME, its output to
/// `<sandbox>/stdout` and `<sandbox>/stderr`.
pub fn spawn(
    program: &Program,
    sandbox: &Path,
    env: &[(String, String)],
) -> std::io::Result<Spawned> {
    let mut cmd = match program {
        Program::Shell(line) => {
            let mut c = Command::new("/bin/sh");
            c.arg("-c").arg(line);
            c
        }
        Program::Exec { path, argv } => {
            let mut c = Command::new(resolve(path, sandbox));
            if let Some((arg0, rest)) = argv.split_first() {
                c.arg0(arg0).args(rest);
            }
            c
        }
    };
    cmd.env_clear();
    for inherited in ["PATH", "HOME", "RUST_LOG", "LANG", "TMPDIR"] {
        if let Some(v) = std::env::var_os(inherited) {
            cmd.env(inherited, v);
        }
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(sandbox)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(sandbox.join("stdout"))?)
        .stderr(std::fs::File::create(sandbox.join("stderr"))?)
        .process_group(0)
        // Should the watcher be dropped with the runtime, the child dies too.
        .kill_on_drop(true);
    let child = spawn_retrying_busy(&mut cmd)?;
    let pid = child
        .id()
        .ok_or_else(|| std::io::Error::other("child exited before its pid was read"))?;
    let pgid = i32::try_from(pid).map_err(|_| std::io::Error::other("pid out of range"))?;
    Ok(Spawned {
        child,
        group: ProcessGroup(pgid),
    })
}

/// Spawns `cmd`, trying again while its executable is busy. A file the
/// fetcher has just written can still be open for writing in another
/// process for a moment: one forked by another thread of the agent before
/// the fetcher closed it, and not yet at its own exec. exec then fails with
/// ETXTBSY until that process gets there, which takes milliseconds.
fn spawn_retrying_busy(cmd: &mut Command) -> std::io::Result<Child> {
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            spawned => return spawned,
        }
    }
}

/// A relative executable path is looked up in the sandbox first (where the
/// fetcher put it), as `./name` would be; anything else is left to PATH.
fn resolve(path: &str, sandbox: &Path) -> PathBuf {
    let in_sandbox = sandbox.join(path);
    if !Path::new(path).is_absolute() && in_sandbox.is_file() {
        in_sandbox
    } else {
        PathBuf::from(path)
    }
}

/// The raw wait status Mesos reports in FAILURE events (exit code << 8, or
/// the signal number).
pub fn wait_status(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status.into_raw()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn shell_program_runs_in_sandbox_with_env_in_own_group() {
        let dir = tempfile::tempdir().unwrap();
        let env = vec![("GREETING".to_string(), "hi".to_string())];
        let mut p = spawn(
            &Program::Shell("echo $GREETING; pwd; ps -o pgid= $$".into()),
            dir.path(),
            &env,
        )
        .unwrap();
        let status = p.child.wait().await.unwrap();
        assert!(status.success());
        let out = std::fs::read_to_string(dir.path().join("stdout")).unwrap();
        let lines: Vec<&str> = out.lines().map(str::trim).collect();
        assert_eq!(lines[0], "hi");
        assert_eq!(
            Path::new(lines[1]).canonicalize().unwrap(),
            dir.path().canonicalize().unwrap()
        );
        assert_eq!(lines[2], p.group.0.to_string());
        assert_ne!(p.group.0, nix::unistd::getpgrp().as_raw());
    }

    #[tokio::test]
    async fn an_executable_still_open_for_writing_elsewhere_starts_once_closed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        let writer = std::fs::File::create(&path).unwrap();
        std::fs::write(&path, "#!/bin/sh\necho started\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        // Another process holds the file open for writing for a moment, as
        // a process forked while the fetcher was writing it does.
        let mut holder = std::process::Command::new("sleep")
            .arg("0.3")
            .stdout(writer)
            .spawn()
            .unwrap();
        let program = Program::Exec {
            path: path.to_string_lossy().into_owned(),
            argv: vec!["run".into()],
        };
        let mut p = spawn(&program, dir.path(), &[]).unwrap();
        assert!(p.child.wait().await.unwrap().success());
        assert!(holder.wait().unwrap().success());
        let out = std::fs::read_to_string(dir.path().join("stdout")).unwrap();
        assert_eq!(out.trim(), "started");
    }

    #[tokio::test]
    async fn terminate_kills_a_group_that_ignores_sigterm() {
        let dir = tempfile::tempdir().unwrap();
        let line = "trap '' TERM; sleep 60 & wait";
        let mut p = spawn(&Program::Shell(line.into()), dir.path(), &[]).unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        p.group.terminate(Duration::from_millis(300)).await;
        let status = tokio::time::timeout(Duration::from_secs(30), p.child.wait())
            .await
            .unwrap()
            .unwrap();
        assert!(!status.success());
        // The orphaned `sleep` is reaped by init, shortly after.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while p.group.alive() && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(!p.group.alive());
    }
}
