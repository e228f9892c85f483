//! Starting and ending executors. A task for an executor not yet running
//! gets a fresh sandbox, its URIs fetched, its volumes linked and its process
//! started in its own group (a fetch or spawn failure fails the task); then
//! the executor has the registration timeout to SUBSCRIBE. When the process
//! exits, its live tasks get terminal updates and the master is told.

use nix::sys::signal::Signal;

use mesos::proto::task_status::Reason;
use mesos::proto::{
    executor_info, CommandInfo, ExecutorId, ExecutorInfo, FrameworkInfo, TaskInfo, TaskState,
};

use super::dirs::AgentDirs;
use super::ending::shutdown_grace;
use super::env::{executor_env, RunFacts};
use super::fetch::{fetch_all, FetchUri};
use super::process::{spawn, wait_status, ProcessGroup, Program};
use super::{volume_dir, Agent, AgentMsg, AgentTask, ExecutorKey, ExecutorKind, ExecutorRun};
use crate::messages::{AgentReport, VolumeMount};

impl Agent {
    pub(super) fn run_task(
        &mut self,
        framework: FrameworkInfo,
        task: TaskInfo,
        volumes: Vec<VolumeMount>,
    ) {
        let framework_id = framework
            .id
            .as_ref()
            .map(|f| f.value.clone())
            .unwrap_or_default();
        let task_id = task
            .task_id
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default();
        let (info, kind) = match &task.executor {
            Some(executor) => (executor.clone(), ExecutorKind::Custom),
            None => (
                command_executor_info(&framework_id, &task),
                ExecutorKind::Command { killing: false },
            ),
        };
        let executor_id = info
            .executor_id
            .as_ref()
            .map(|e| e.value.clone())
            .unwrap_or_default();
        let key = (framework_id.clone(), executor_id.clone());
        if let Some(run) = self.executors.get_mut(&key) {
            // A running executor: link new volumes, then deliver (or queue) the task.
            for mount in &volumes {
                if let Err(e) = volume_dir(&self.dirs, mount).and_then(|dir| {
                    AgentDirs::link_volume(&run.sandbox, &mount.container_path, &dir)
                }) {
                    tracing::warn!(%e, "cannot link volume into a running executor's sandbox");
                }
            }
            run.tasks.insert(
                task_id.clone(),
                AgentTask {
                    info: task,
                    state: TaskState::TaskStaging,
                    delivered: false,
                },
            );
            self.deliver_queued(&key);
            return;
        }
        let container_id = uuid::Uuid::new_v4().to_string();
        let sandbox =
            match self
                .dirs
                .create_sandbox(&self.id, &framework_id, &executor_id, &container_id)
            {
                Ok(s) => s,
                Err(e) => {
                    let status = self.agent_status(
                        &task_id,
                        &executor_id,
                        TaskState::TaskFailed,
                        Reason::ReasonContainerLaunchFailed,
                        &format!("Cannot create sandbox: {e}"),
                    );
                    self.enqueue(&framework_id, &executor_id, status);
                    return;
                }
            };
        self.report(AgentReport::ExecutorStarted {
            framework_id: framework_id.clone(),
            executor_id: executor_id.clone(),
            sandbox: sandbox.clone(),
        });
        let links: std::io::Result<()> = volumes.iter().try_for_each(|mount| {
            let dir = volume_dir(&self.dirs, mount)?;
            AgentDirs::link_volume(&sandbox, &mount.container_path, &dir)
        });
        let command = match &kind {
            ExecutorKind::Custom => info.command.clone().unwrap_or_default(),
            ExecutorKind::Command { .. } => task.command.clone().unwrap_or_default(),
        };
        let grace = shutdown_grace(&info, self.timings.default_grace);
        let facts = RunFacts {
            framework_id: &framework_id,
            executor_id: &executor_id,
            agent_id: &self.id,
            agent_endpoint: &self.endpoint,
            sandbox: &sandbox,
            checkpoint: framework.checkpoint.unwrap_or(false),
            shutdown_grace: grace,
        };
        let env = executor_env(&facts, Some(&command));
        let mut run = ExecutorRun {
            framework,
            info,
            kind,
            container_id: container_id.clone(),
            sandbox: sandbox.clone(),
            group: None,
            events: None,
            subscribed_once: false,
            tasks: Default::default(),
            ending: None,
        };
        run.tasks.insert(
            task_id,
            AgentTask {
                info: task,
                state: TaskState::TaskStaging,
                delivered: false,
            },
        );
        self.executors.insert(key.clone(), run);
        if let Err(e) = links {
            let _ = self.inbox.send(AgentMsg::Started {
                key,
                container_id,
                result: Err(format!("Cannot link persistent volume: {e}")),
            });
            return;
        }
        let inbox = self.inbox.clone();
        let http = self.http.clone();
        let uris: Vec<FetchUri> = command.uris.iter().map(fetch_uri).collect();
        let program = program_of(&command);
        let cache_dir = self.dirs.fetch_cache();
        tokio::spawn(async move {
            if let Err(e) = fetch_all(&http, &uris, &sandbox, &cache_dir).await {
                let _ = inbox.send(AgentMsg::Started {
                    key,
                    container_id,
                    result: Err(e.to_string()),
                });
                return;
            }
            match spawn(&program, &sandbox, &env) {
                Err(e) => {
                    let _ = inbox.send(AgentMsg::Started {
                        key,
                        container_id,
                        result: Err(format!("Failed to launch: {e}")),
                    });
                }
                Ok(mut spawned) => {
                    let started = AgentMsg::Started {
                        key: key.clone(),
                        container_id: container_id.clone(),
                        result: Ok(spawned.group),
                    };
                    if inbox.send(started).is_err() {
                        // The agent is gone: nobody would ever stop this process.
                        spawned.group.signal(Signal::SIGKILL);
                    }
                    let status = spawned.child.wait().await.ok().map(wait_status);
                    let _ = inbox.send(AgentMsg::Exited {
                        key,
                        container_id,
                        status,
                    });
                }
            }
        });
    }

    pub(super) fn started(
        &mut self,
        key: ExecutorKey,
        container_id: &str,
        result: Result<ProcessGroup, String>,
    ) {
        let Some(run) = self
            .executors
            .get_mut(&key)
            .filter(|r| r.container_id == container_id)
        else {
            // Killed meanwhile (crash, shutdown): make sure nothing survives.
            if let Ok(group) = result {
                group.signal(Signal::SIGKILL);
            }
            return;
        };
        match result {
            Err(problem) => {
                tracing::warn!(agent = %self.id, executor = %key.1, %problem, "executor launch failed");
                run.ending = Some((
                    TaskState::TaskFailed,
                    Reason::ReasonContainerLaunchFailed,
                    problem,
                ));
                self.exited(key, container_id, None);
            }
            Ok(group) => {
                run.group = Some(group);
                if run.ending.is_some() {
                    group.signal(Signal::SIGKILL);
                    return;
                }
                match run.kind {
                    ExecutorKind::Custom => {
                        let inbox = self.inbox.clone();
                        let timeout = self.timings.registration_timeout;
                        let container_id = container_id.to_string();
                        tokio::spawn(async move {
                            tokio::time::sleep(timeout).await;
                            let _ = inbox.send(AgentMsg::RegistrationTimeout { key, container_id });
                        });
                    }
                    ExecutorKind::Command { .. } => self.command_started(&key),
                }
            }
        }
    }
}

/// The ExecutorInfo Mesos synthesises for a command task.
fn command_executor_info(framework_id: &str, task: &TaskInfo) -> ExecutorInfo {
    let task_id = task
        .task_id
        .as_ref()
        .map(|t| t.value.clone())
        .unwrap_or_default();
    let grace = task
        .kill_policy
        .as_ref()
        .and_then(|k| k.grace_period.clone());
    ExecutorInfo {
        executor_id: Some(ExecutorId {
            value: task_id.clone(),
        }),
        framework_id: Some(mesos::proto::FrameworkId {
            value: framework_id.to_string(),
        }),
        name: Some(format!(
            "Command Executor (Task: {task_id}) (Command: {})",
            command_summary(task.command.as_ref())
        )),
        command: task.command.clone(),
        shutdown_grace_period: grace,
        labels: task.labels.clone(),
        r#type: Some(executor_info::Type::Default as i32),
        ..Default::default()
    }
}

fn command_summary(command: Option<&CommandInfo>) -> String {
    let value = command.and_then(|c| c.value.clone()).unwrap_or_default();
    value.chars().take(40).collect()
}

fn program_of(command: &CommandInfo) -> Program {
    let value = command.value.clone().unwrap_or_default();
    if command.shell.unwrap_or(true) {
        Program::Shell(value)
    } else {
        Program::Exec {
            path: value,
            argv: command.arguments.clone(),
        }
    }
}

fn fetch_uri(uri: &mesos::proto::command_info::Uri) -> FetchUri {
    FetchUri {
        value: uri.value.clone(),
        executable: uri.executable.unwrap_or(false),
        extract: uri.extract.unwrap_or(true),
        output_file: uri.output_file.clone(),
        cache: uri.cache.unwrap_or(false),
    }
}
