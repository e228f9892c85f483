//! `GET /master/state`: the cluster as JSON, in the shape of the real
//! master's `/state` where it overlaps (`id`, `version`, `agents`,
//! `frameworks` with their `tasks`), plus a flat `tasks` list (live and
//! recently completed) carrying each task's agent URL and `sandbox`
//! directory, which is what `kmesos broker log` needs to read a broker's
//! logs through the agent's `/files/read`, and every status update it had
//! (`statuses`, oldest first, with their timestamps).

use serde_json::{json, Value};

use mesos::proto::JsonMessage;

use super::convert::bag_to;
use super::{Agent, Master, Task};

impl Master {
    pub(super) fn state_json(&self) -> Value {
        let agents: Vec<Value> = self
            .agents
            .iter()
            .map(|(id, a)| agent_json(id, a, self))
            .collect();
        let mut all_tasks = Vec::new();
        let frameworks: Vec<Value> = self
            .frameworks
            .iter()
            .map(|(id, f)| {
                let tasks: Vec<Value> = f.tasks.values().map(|t| self.task_json(id, t)).collect();
                let completed: Vec<Value> =
                    f.completed.iter().map(|t| self.task_json(id, t)).collect();
                all_tasks.extend(tasks.iter().chain(&completed).cloned());
                json!({
                    "id": id,
                    "name": f.info.name,
                    "user": f.info.user,
                    "principal": f.info.principal,
                    "roles": f.roles(),
                    "suppressed_roles": f.suppressed,
                    "failover_timeout": f.info.failover_timeout.unwrap_or(0.0),
                    "connected": f.subscription.is_some(),
                    "active": f.subscription.is_some(),
                    "tasks": tasks,
                    "completed_tasks": completed,
                })
            })
            .collect();
        json!({
            "id": self.setup_id,
            "version": super::MESOS_VERSION,
            "hostname": self.address.ip().to_string(),
            "pid": format!("master@{}", self.address),
            "agents": agents,
            "frameworks": frameworks,
            "tasks": all_tasks,
            "outstanding_offers": self.offers.len(),
        })
    }

    fn task_json(&self, framework_id: &str, task: &Task) -> Value {
        let agent = self.agents.get(&task.agent_id);
        let sandbox = task.sandbox.as_ref().map(|p| p.display().to_string());
        let resources: Vec<Value> = bag_to(&task.resources, None, true)
            .iter()
            .map(JsonMessage::to_json)
            .collect();
        json!({
            "id": task.info.task_id.as_ref().map(|t| t.value.clone()),
            "name": task.info.name,
            "framework_id": framework_id,
            "agent_id": task.agent_id,
            "executor_id": task.executor_id,
            "state": task.state.as_str_name(),
            "agent_url": agent.map(|a| a.link.url.clone()),
            "sandbox": sandbox,
            "resources": resources,
            "statuses": task.statuses.iter().map(JsonMessage::to_json).collect::<Vec<_>>(),
        })
    }
}

fn agent_json(id: &str, agent: &Agent, master: &Master) -> Value {
    let info = &agent.link.info;
    let attributes: serde_json::Map<String, Value> = info
        .attributes
        .iter()
        .map(|a| {
            (
                a.name.clone(),
                json!(a.text.as_ref().map(|t| t.value.clone())),
            )
        })
        .collect();
    let total: Vec<Value> = bag_to(&agent.link.total, None, true)
        .iter()
        .map(JsonMessage::to_json)
        .collect();
    let free: Vec<Value> = bag_to(&master.available(id), None, true)
        .iter()
        .map(JsonMessage::to_json)
        .collect();
    json!({
        "id": id,
        "hostname": info.hostname,
        "port": info.port,
        "url": agent.link.url,
        "active": agent.unreachable_since.is_none(),
        "attributes": attributes,
        "resources_full": total,
        "unallocated_resources_full": free,
        "executors": agent.executors.iter().map(|((fw, ex), e)| json!({
            "framework_id": fw,
            "executor_id": ex,
            "sandbox": e.sandbox.as_ref().map(|p| p.display().to_string()),
        })).collect::<Vec<_>>(),
    })
}
