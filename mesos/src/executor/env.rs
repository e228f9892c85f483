//! The environment an agent starts an executor with (MESOS_FRAMEWORK_ID,
//! MESOS_EXECUTOR_ID, MESOS_AGENT_ENDPOINT, the sandbox, grace period and
//! reconnection settings), read into [`ExecutorEnv`] with errors that name
//! the variable, and stout's duration format (`5secs`, `15mins`, `250ms`).

use std::path::PathBuf;
use std::time::Duration;

use crate::proto::{ExecutorId, FrameworkId};

/// Agent defaults, used when a variable is absent.
const DEFAULT_SHUTDOWN_GRACE_PERIOD: Duration = Duration::from_secs(5);
const DEFAULT_SUBSCRIPTION_BACKOFF_MAX: Duration = Duration::from_secs(2);
const DEFAULT_RECOVERY_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// What the agent told the executor through its environment.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutorEnv {
    pub framework_id: FrameworkId,
    pub executor_id: ExecutorId,
    /// `ip:port` of the agent's HTTP server (no scheme, no path).
    pub agent_endpoint: String,
    /// The sandbox as the executor sees it (MESOS_SANDBOX, else
    /// MESOS_DIRECTORY); also its working directory.
    pub sandbox: PathBuf,
    /// The sandbox on the host (MESOS_DIRECTORY), when given.
    pub directory: Option<PathBuf>,
    /// Whether the agent checkpoints this framework, i.e. whether it will
    /// take the executor back after a disconnection.
    pub checkpoint: bool,
    /// How long the executor has to finish after SHUTDOWN.
    pub shutdown_grace_period: Duration,
    /// Longest wait between SUBSCRIBE retries after a disconnection.
    pub subscription_backoff_max: Duration,
    /// How long to keep retrying SUBSCRIBE before giving up.
    pub recovery_timeout: Duration,
}

/// A missing or malformed variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable {variable}: {problem}")]
pub struct EnvError {
    pub variable: &'static str,
    pub problem: String,
}

impl ExecutorEnv {
    /// Reads this process's environment.
    pub fn from_env() -> Result<ExecutorEnv, EnvError> {
        ExecutorEnv::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup` (the process environment, or a map
    /// in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<ExecutorEnv, EnvError> {
        let text =
            |variable: &'static str| lookup(variable).filter(|value| !value.trim().is_empty());
        let required = |variable: &'static str| {
            text(variable).ok_or(EnvError {
                variable,
                problem: "not set; is this process started by a Mesos agent?".into(),
            })
        };
        let duration = |variable: &'static str, default: Duration| match text(variable) {
            None => Ok(default),
            Some(value) => parse_duration(&value).map_err(|problem| EnvError { variable, problem }),
        };

        let agent_endpoint = required("MESOS_AGENT_ENDPOINT")?;
        if agent_endpoint.contains('/') || !agent_endpoint.contains(':') {
            return Err(EnvError {
                variable: "MESOS_AGENT_ENDPOINT",
                problem: format!("expected ip:port, found {agent_endpoint:?}"),
            });
        }
        let directory = text("MESOS_DIRECTORY").map(PathBuf::from);
        let sandbox = match text("MESOS_SANDBOX") {
            Some(sandbox) => PathBuf::from(sandbox),
            None => directory.clone().ok_or(EnvError {
                variable: "MESOS_SANDBOX",
                problem: "not set, and neither is MESOS_DIRECTORY".into(),
            })?,
        };
        let checkpoint = match text("MESOS_CHECKPOINT").as_deref().map(str::trim) {
            None | Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            Some(other) => {
                return Err(EnvError {
                    variable: "MESOS_CHECKPOINT",
                    problem: format!("expected 1 or 0, found {other:?}"),
                })
            }
        };
        Ok(ExecutorEnv {
            framework_id: FrameworkId {
                value: required("MESOS_FRAMEWORK_ID")?,
            },
            executor_id: ExecutorId {
                value: required("MESOS_EXECUTOR_ID")?,
            },
            agent_endpoint,
            sandbox,
            directory,
            checkpoint,
            shutdown_grace_period: duration(
                "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD",
                DEFAULT_SHUTDOWN_GRACE_PERIOD,
            )?,
            subscription_backoff_max: duration(
                "MESOS_SUBSCRIPTION_BACKOFF_MAX",
                DEFAULT_SUBSCRIPTION_BACKOFF_MAX,
            )?,
            recovery_timeout: duration("MESOS_RECOVERY_TIMEOUT", DEFAULT_RECOVERY_TIMEOUT)?,
        })
    }
}

/// Parses a stout duration: a number (fractions allowed) directly followed
/// by `ns`, `us`, `ms`, `secs`, `mins`, `hrs`, `days` or `weeks`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or_else(|| {
            format!("{text:?} has no unit (ns, us, ms, secs, mins, hrs, days, weeks)")
        })?;
    let (number, unit) = text.split_at(split);
    let seconds_per_unit = match unit {
        "ns" => 1e-9,
        "us" => 1e-6,
        "ms" => 1e-3,
        "secs" => 1.0,
        "mins" => 60.0,
        "hrs" => 3600.0,
        "days" => 86400.0,
        "weeks" => 604800.0,
        other => return Err(format!("unknown duration unit {other:?} in {text:?}")),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{number:?} is not a number in {text:?}"))?;
    Duration::try_from_secs_f64(value * seconds_per_unit)
        .map_err(|_| format!("{text:?} is not a valid duration"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> Result<ExecutorEnv, EnvError> {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ExecutorEnv::from_lookup(|name| vars.get(name).cloned())
    }

    const AGENT: [(&str, &str); 4] = [
        ("MESOS_FRAMEWORK_ID", "M-0000"),
        ("MESOS_EXECUTOR_ID", "broker-0-executor"),
        ("MESOS_AGENT_ENDPOINT", "10.0.0.11:5051"),
        ("MESOS_SANDBOX", "/var/sandbox"),
    ];

    #[test]
    fn stout_durations() {
        assert_eq!(parse_duration("5secs"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("15mins"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5hrs"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2weeks"), Ok(Duration::from_secs(1_209_600)));
        assert_eq!(parse_duration("10ns"), Ok(Duration::from_nanos(10)));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("5s").is_err());
        assert!(parse_duration("-1secs").is_err());
        assert!(parse_duration("secs").is_err());
    }

    #[test]
    fn agent_environment_with_defaults() {
        let parsed = env(&AGENT).expect("valid environment");
        assert_eq!(parsed.framework_id.value, "M-0000");
        assert_eq!(parsed.executor_id.value, "broker-0-executor");
        assert_eq!(parsed.agent_endpoint, "10.0.0.11:5051");
        assert_eq!(parsed.sandbox, PathBuf::from("/var/sandbox"));
        assert!(!parsed.checkpoint);
        assert_eq!(parsed.shutdown_grace_period, Duration::from_secs(5));
        assert_eq!(parsed.subscription_backoff_max, Duration::from_secs(2));
        assert_eq!(parsed.recovery_timeout, Duration::from_secs(900));
    }

    #[test]
    fn agent_environment_with_everything_set() {
        let mut pairs = AGENT.to_vec();
        pairs.retain(|(k, _)| *k != "MESOS_SANDBOX");
        pairs.extend([
            ("MESOS_DIRECTORY", "/host/sandbox"),
            ("MESOS_CHECKPOINT", "1"),
            ("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "30secs"),
            ("MESOS_SUBSCRIPTION_BACKOFF_MAX", "500ms"),
            ("MESOS_RECOVERY_TIMEOUT", "1mins"),
        ]);
        let parsed = env(&pairs).expect("valid environment");
        assert_eq!(parsed.sandbox, PathBuf::from("/host/sandbox"));
        assert_eq!(parsed.directory, Some(PathBuf::from("/host/sandbox")));
        assert!(parsed.checkpoint);
        assert_eq!(parsed.shutdown_grace_period, Duration::from_secs(30));
        assert_eq!(parsed.subscription_backoff_max, Duration::from_millis(500));
        assert_eq!(parsed.recovery_timeout, Duration::from_secs(60));
    }

    #[test]
    fn errors_name_the_variable() {
        let without_id: Vec<_> = AGENT
            .iter()
            .copied()
            .filter(|(k, _)| *k != "MESOS_EXECUTOR_ID")
            .collect();
        let error = env(&without_id).expect_err("missing executor id");
        assert_eq!(error.variable, "MESOS_EXECUTOR_ID");
        assert!(error
            .to_string()
            .starts_with("environment variable MESOS_EXECUTOR_ID: not set"));

        let mut bad_grace = AGENT.to_vec();
        bad_grace.push(("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "five seconds"));
        assert_eq!(
            env(&bad_grace).map_err(|e| e.variable),
            Err("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD")
        );

        let mut url_endpoint = AGENT.to_vec();
        url_endpoint.retain(|(k, _)| *k != "MESOS_AGENT_ENDPOINT");
        url_endpoint.push(("MESOS_AGENT_ENDPOINT", "http://10.0.0.11:5051/"));
        assert_eq!(
            env(&url_endpoint).map_err(|e| e.variable),
            Err("MESOS_AGENT_ENDPOINT")
        );

        let mut bad_checkpoint = AGENT.to_vec();
        bad_checkpoint.push(("MESOS_CHECKPOINT", "yes"));
        assert_eq!(
            env(&bad_checkpoint).map_err(|e| e.variable),
            Err("MESOS_CHECKPOINT")
        );

        let no_sandbox: Vec<_> = AGENT
            .iter()
            .copied()
            .filter(|(k, _)| *k != "MESOS_SANDBOX")
            .collect();
        assert_eq!(
            env(&no_sandbox).map_err(|e| e.variable),
            Err("MESOS_SANDBOX")
        );
    }
}
