//! A client instance's task: render its properties and command line, start
//! the performance tool or command (TASK_RUNNING once it is started: a
//! client has no port to probe), then wait for it to exit (TASK_FAILED: a workload runs
//! until it is stopped) or for a kill (SIGTERM, grace, TASK_KILLED).

use mesos::proto::task_status::Reason;
use mesos::proto::TaskState;

use super::{failed, stop, Outcome, Supervisor};
use crate::broker::{Broker, BrokerLogs};
use crate::launch::{ClientTask, Workload};
use crate::render::render_client;

impl Supervisor {
    pub(super) async fn client(&mut self, client: ClientTask) -> Outcome {
        let who = format!(
            "client {} instance {} of {}",
            client.name, client.instance, client.cluster
        );
        let command = match render_client(&client, &self.sandbox) {
            Ok(command) => command,
            Err(e) => return failed(Reason::ReasonTaskInvalid, format!("{who}: {e}")),
        };
        let logs = BrokerLogs::of_client(&self.sandbox);
        let mut process = match Broker::start(&command, &logs) {
            Ok(process) => process,
            Err(e) => return failed(Reason::ReasonCommandExecutorFailed, format!("{who}: {e}")),
        };
        let servers = client.bootstrap_servers.join(",");
        let doing = match client.workload {
            Workload::Producer { rate, message_size } => format!(
                "producing {rate} messages/s of {message_size} bytes to {}",
                client.topic
            ),
            Workload::Consumer => format!("consuming {} in group {}", client.topic, client.name),
            Workload::Command { command } => format!("running `{command}`"),
        };
        tracing::info!(pid = process.pid(), %servers, "{who} started: {doing}");
        self.report
            .send(
                TaskState::TaskRunning,
                format!("{who} {doing} through {servers}"),
                None,
                None,
            )
            .await;
        tokio::select! {
            exit = process.exited() => match exit {
                Ok(exit) => failed(Reason::ReasonCommandExecutorFailed, format!("{who} {exit}")),
                Err(e) => failed(Reason::ReasonCommandExecutorFailed, format!("{who}: {e}")),
            },
            Some(grace) = self.kills.recv() => Outcome::Killed {
                reason: None,
                message: format!("{who} stopped: {}", stop(&mut process, grace).await),
            },
        }
    }
}
