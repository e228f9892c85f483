//! The environment a Mesos agent gives an executor (and a command task):
//! ids, the agent endpoint, the sandbox, checkpointing and grace period in
//! stout's duration format; then `CommandInfo.environment`, which overrides.

use std::path::Path;
use std::time::Duration;

use mesos::proto::CommandInfo;

/// Facts about one executor run that go into its environment.
pub struct RunFacts<'a> {
    pub framework_id: &'a str,
    pub executor_id: &'a str,
    pub agent_id: &'a str,
    pub agent_endpoint: &'a str,
    pub sandbox: &'a Path,
    pub checkpoint: bool,
    pub shutdown_grace: Duration,
}

pub fn executor_env(facts: &RunFacts<'_>, command: Option<&CommandInfo>) -> Vec<(String, String)> {
    let sandbox = facts.sandbox.display().to_string();
    let mut env = vec![
        ("MESOS_FRAMEWORK_ID", facts.framework_id.to_string()),
        ("MESOS_EXECUTOR_ID", facts.executor_id.to_string()),
        ("MESOS_AGENT_ENDPOINT", facts.agent_endpoint.to_string()),
        ("MESOS_SLAVE_ID", facts.agent_id.to_string()),
        (
            "MESOS_SLAVE_PID",
            format!("slave(1)@{}", facts.agent_endpoint),
        ),
        ("MESOS_DIRECTORY", sandbox.clone()),
        ("MESOS_SANDBOX", sandbox),
        (
            "MESOS_CHECKPOINT",
            if facts.checkpoint { "1" } else { "0" }.to_string(),
        ),
        ("MESOS_HTTP_COMMAND_EXECUTOR", "1".to_string()),
        (
            "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD",
            format_duration(facts.shutdown_grace),
        ),
    ];
    if facts.checkpoint {
        env.push(("MESOS_RECOVERY_TIMEOUT", "15mins".to_string()));
        env.push(("MESOS_SUBSCRIPTION_BACKOFF_MAX", "2secs".to_string()));
    }
    let mut env: Vec<(String, String)> = env.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let variables = command
        .and_then(|c| c.environment.as_ref())
        .map(|e| e.variables.as_slice())
        .unwrap_or_default();
    for var in variables {
        let value = var.value.clone().unwrap_or_default();
        env.retain(|(k, _)| *k != var.name);
        env.push((var.name.clone(), value));
    }
    env
}

/// stout's duration format: the largest unit that gives a whole number
/// (`5secs`, `250ms`, `15mins`).
pub fn format_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    const UNITS: [(u128, &str); 8] = [
        (7 * 24 * 3600 * 1_000_000_000, "weeks"),
        (24 * 3600 * 1_000_000_000, "days"),
        (3600 * 1_000_000_000, "hrs"),
        (60 * 1_000_000_000, "mins"),
        (1_000_000_000, "secs"),
        (1_000_000, "ms"),
        (1_000, "us"),
        (1, "ns"),
    ];
    if ns == 0 {
        return "0ns".to_string();
    }
    for (size, name) in UNITS {
        if ns.is_multiple_of(size) {
            return format!("{}{name}", ns / size);
        }
    }
    format!("{ns}ns")
}

#[cfg(test)]
mod tests {
    use super::*;
    use mesos::proto::{environment::Variable, Environment};

    #[test]
    fn durations_use_the_largest_whole_unit() {
        assert_eq!(format_duration(Duration::from_secs(5)), "5secs");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_secs(900)), "15mins");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn command_environment_overrides_the_agent_one() {
        let facts = RunFacts {
            framework_id: "F",
            executor_id: "E",
            agent_id: "S0",
            agent_endpoint: "127.0.0.2:5051",
            sandbox: Path::new("/sb"),
            checkpoint: true,
            shutdown_grace: Duration::from_secs(5),
        };
        let command = CommandInfo {
            environment: Some(Environment {
                variables: vec![Variable {
                    name: "MESOS_SANDBOX".into(),
                    value: Some("/mine".into()),
                    r#type: None,
                }],
            }),
            ..Default::default()
        };
        let env = executor_env(&facts, Some(&command));
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("MESOS_SANDBOX"), Some("/mine"));
        assert_eq!(get("MESOS_AGENT_ENDPOINT"), Some("127.0.0.2:5051"));
        assert_eq!(get("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"), Some("5secs"));
        assert_eq!(get("MESOS_CHECKPOINT"), Some("1"));
    }
}
