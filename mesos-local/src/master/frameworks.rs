//! The framework registry: SUBSCRIBE (new, or failover with the framework's
//! id, which closes the old stream with "Framework failed over"), a closed
//! stream (the framework is kept for `failover_timeout`), and removal
//! (TEARDOWN or timeout: executors shut down, id never usable again).

use std::net::IpAddr;
use std::time::Duration;

use tokio::time::Instant;

use mesos::proto::scheduler::{call, event, Event};
use mesos::proto::{Address, FrameworkId, MasterInfo};

use super::{Framework, Master, Subscription, MESOS_VERSION};
use crate::messages::{AgentCommand, SchedulerEvents};

impl Master {
    pub(super) fn subscribe(
        &mut self,
        subscribe: call::Subscribe,
        stream_id: String,
        events: SchedulerEvents,
    ) {
        let Some(mut info) = subscribe.framework_info else {
            return;
        };
        let roles = info.roles.iter().chain(info.role.as_ref());
        if let Some(problem) = roles.filter_map(|r| role_problem(r)).next() {
            let _ = events.send(error_event(&problem));
            return;
        }
        let requested = info.id.as_ref().map(|id| id.value.clone());
        if let Some(id) = &requested {
            if self.removed_frameworks.contains(id) {
                let _ = events.send(error_event("Framework has been removed"));
                return;
            }
        }
        let id = match requested {
            Some(id) => id,
            None => {
                let id = format!("{}-{:04}", self.setup_id, self.next_framework);
                self.next_framework += 1;
                self.save_checkpoint();
                id
            }
        };
        info.id = Some(FrameworkId { value: id.clone() });
        let suppressed = subscribe.suppressed_roles.into_iter().collect();
        match self.frameworks.get_mut(&id) {
            Some(framework) => {
                // Failover: user and checkpoint cannot change, as on Mesos.
                info.user = framework.info.user.clone();
                info.checkpoint = framework.info.checkpoint;
                framework.info = info;
                framework.suppressed = suppressed;
                framework.failover_deadline = None;
                if let Some(old) = framework.subscription.take() {
                    let _ = old.events.send(error_event("Framework failed over"));
                }
                tracing::info!(framework_id = %id, "framework failed over");
            }
            None => {
                tracing::info!(framework_id = %id, name = %info.name, "framework subscribed");
                let framework = Framework {
                    info,
                    subscription: None,
                    suppressed,
                    failover_deadline: None,
                    tasks: Default::default(),
                    completed: Vec::new(),
                };
                self.frameworks.insert(id.clone(), framework);
            }
        }
        self.remove_offers_of(&id);
        let subscribed = Event {
            r#type: Some(event::Type::Subscribed as i32),
            subscribed: Some(event::Subscribed {
                framework_id: Some(FrameworkId { value: id.clone() }),
                heartbeat_interval_seconds: Some(self.heartbeat.as_secs_f64()),
                master_info: Some(self.master_info()),
            }),
            ..Default::default()
        };
        let _ = events.send(subscribed);
        if let Some(framework) = self.frameworks.get_mut(&id) {
            framework.subscription = Some(Subscription { stream_id, events });
        }
        self.allocate();
    }

    pub(super) fn master_info(&self) -> MasterInfo {
        let ip = match self.address.ip() {
            IpAddr::V4(v4) => u32::from(v4),
            IpAddr::V6(_) => 0,
        };
        MasterInfo {
            id: self.setup_id.clone(),
            ip,
            port: u32::from(self.address.port()),
            pid: Some(format!("master@{}", self.address)),
            hostname: Some(self.address.ip().to_string()),
            version: Some(MESOS_VERSION.to_string()),
            address: Some(Address {
                hostname: Some(self.address.ip().to_string()),
                ip: Some(self.address.ip().to_string()),
                port: i32::from(self.address.port()),
            }),
        }
    }

    /// The subscription's connection closed: keep the framework for its
    /// failover timeout, without offers.
    pub(super) fn stream_closed(&mut self, stream_id: &str) {
        // An old stream of a framework that failed over matches nothing.
        let Some((framework_id, framework)) = self.frameworks.iter_mut().find(|(_, f)| {
            f.subscription
                .as_ref()
                .is_some_and(|s| s.stream_id == stream_id)
        }) else {
            return;
        };
        let framework_id = framework_id.clone();
        let framework_id = framework_id.as_str();
        framework.subscription = None;
        let timeout = framework.info.failover_timeout.unwrap_or(0.0);
        let timeout = if timeout.is_finite() && timeout > 0.0 {
            Duration::try_from_secs_f64(timeout).unwrap_or(Duration::MAX)
        } else {
            Duration::ZERO
        };
        tracing::info!(framework_id, ?timeout, "framework disconnected");
        framework.failover_deadline = Some(
            Instant::now()
                .checked_add(timeout)
                .unwrap_or_else(far_future),
        );
        self.remove_offers_of(framework_id);
        if timeout.is_zero() {
            self.remove_framework(framework_id);
        }
    }

    pub(super) fn expire_failovers(&mut self) {
        let now = Instant::now();
        let expired: Vec<String> = self
            .frameworks
            .iter()
            .filter(|(_, f)| f.failover_deadline.is_some_and(|d| d <= now))
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            tracing::info!(framework_id = %id, "failover timeout expired");
            self.remove_framework(&id);
        }
    }

    /// TEARDOWN or failover timeout: shut down its executors on every agent
    /// and close its stream; the id cannot subscribe again.
    pub(super) fn remove_framework(&mut self, framework_id: &str) {
        self.remove_offers_of(framework_id);
        self.filters.remove_framework(framework_id);
        let Some(framework) = self.frameworks.remove(framework_id) else {
            return;
        };
        self.removed_frameworks.insert(framework_id.to_string());
        let agents: Vec<String> = self.agents.keys().cloned().collect();
        for agent_id in agents {
            self.command(
                &agent_id,
                AgentCommand::ShutdownFramework {
                    framework_id: framework_id.to_string(),
                },
            );
        }
        for agent in self.agents.values_mut() {
            agent.executors.retain(|(fw, _), _| fw != framework_id);
        }
        tracing::info!(
            framework_id,
            tasks = framework.tasks.len(),
            "framework removed"
        );
        // Dropping the subscription ends its stream.
        drop(framework);
    }
}

/// Why `role` is not a role name, as the real master says when it refuses a
/// framework subscribing with it: a role is `*` or a path of components that
/// are each a valid directory name — not empty, not `.` or `..`, not starting
/// with `-`, without whitespace, control characters or backslashes.
fn role_problem(role: &str) -> Option<String> {
    if role == "*" {
        return None;
    }
    let component_ok = |c: &str| {
        !c.is_empty()
            && c != "."
            && c != ".."
            && !c.starts_with('-')
            && !c
                .chars()
                .any(|ch| ch.is_whitespace() || ch.is_control() || ch == '\\')
    };
    if role.split('/').all(component_ok) {
        None
    } else {
        Some(format!(
            "Role '{role}' is invalid: a role is '*' or names of valid directories separated by '/' (none empty, '.' or '..', starting with '-', or holding whitespace or a backslash)"
        ))
    }
}

pub(super) fn error_event(message: &str) -> Event {
    Event {
        r#type: Some(event::Type::Error as i32),
        error: Some(event::Error {
            message: message.to_string(),
        }),
        ..Default::default()
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600)
}
