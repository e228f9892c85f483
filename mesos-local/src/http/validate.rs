//! The call checks the real master and agent make before looking at any
//! state, with their messages (the body of a 400 "Failed to validate ...").

use mesos::proto::{executor, scheduler, task_status::Source, TaskState};

/// A uuid as Mesos accepts it: 16 bytes of an RFC-4122 UUID, version 1-5.
pub fn check_uuid(bytes: &[u8]) -> Result<(), String> {
    let uuid = uuid::Uuid::from_slice(bytes).map_err(|_| "Not a valid UUID".to_string())?;
    match uuid.get_version_num() {
        1..=5 => Ok(()),
        _ => Err("Not a valid UUID".to_string()),
    }
}

pub fn scheduler_call(call: &scheduler::Call) -> Result<(), String> {
    use scheduler::call::Type;
    let Some(kind) = call.r#type else {
        return Err("Expecting 'type' to be present".into());
    };
    if kind == Type::Subscribe as i32 {
        let Some(subscribe) = &call.subscribe else {
            return Err("Expecting 'subscribe' to be present".into());
        };
        let info_id = subscribe
            .framework_info
            .as_ref()
            .and_then(|f| f.id.as_ref());
        if info_id != call.framework_id.as_ref() {
            return Err("'framework_id' differs from 'subscribe.framework_info.id'".into());
        }
        return Ok(());
    }
    if call.framework_id.is_none() {
        return Err("Expecting 'framework_id' to be present".into());
    }
    let missing = |name: &str| Err(format!("Expecting '{name}' to be present"));
    match Type::try_from(kind) {
        Ok(Type::Accept) if call.accept.is_none() => missing("accept"),
        Ok(Type::Decline) if call.decline.is_none() => missing("decline"),
        Ok(Type::Kill) if call.kill.is_none() => missing("kill"),
        Ok(Type::Shutdown) if call.shutdown.is_none() => missing("shutdown"),
        Ok(Type::Reconcile) if call.reconcile.is_none() => missing("reconcile"),
        Ok(Type::Message) if call.message.is_none() => missing("message"),
        Ok(Type::Acknowledge) => match &call.acknowledge {
            None => missing("acknowledge"),
            Some(ack) => check_uuid(&ack.uuid),
        },
        _ => Ok(()),
    }
}

pub fn executor_call(call: &executor::Call) -> Result<(), String> {
    use executor::call::Type;
    let Some(kind) = call.r#type else {
        return Err("Expecting 'type' to be present".into());
    };
    let (executor_id, framework_id) = match (&call.executor_id, &call.framework_id) {
        (None, _) => return Err("Expecting 'executor_id' to be present".into()),
        (_, None) => return Err("Expecting 'framework_id' to be present".into()),
        (Some(e), Some(f)) => (e.value.as_str(), f.value.as_str()),
    };
    match Type::try_from(kind) {
        Ok(Type::Subscribe) if call.subscribe.is_none() => {
            Err("Expecting 'subscribe' to be present".into())
        }
        Ok(Type::Message) if call.message.is_none() => {
            Err("Expecting 'message' to be present".into())
        }
        Ok(Type::Update) => {
            let Some(status) = call.update.as_ref().and_then(|u| u.status.as_ref()) else {
                return Err("Expecting 'update' to be present".into());
            };
            let Some(uuid) = &status.uuid else {
                return Err("Expecting 'uuid' to be present".into());
            };
            check_uuid(uuid)?;
            if let Some(id) = status
                .executor_id
                .as_ref()
                .filter(|id| id.value != executor_id)
            {
                return Err(format!(
                    "ExecutorID in Call: {executor_id} does not match ExecutorID in TaskStatus: {}",
                    id.value
                ));
            }
            if status.source != Some(Source::SourceExecutor as i32) {
                return Err(format!(
                    "Received Call from executor {executor_id} of framework {framework_id} with invalid source, expecting 'SOURCE_EXECUTOR'"
                ));
            }
            if status.state == TaskState::TaskStaging as i32 {
                return Err(format!(
                    "Received TASK_STAGING from executor {executor_id} of framework {framework_id} which is not allowed"
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_uuids_are_valid() {
        assert!(check_uuid(uuid::Uuid::new_v4().as_bytes()).is_ok());
        assert!(check_uuid(b"short").is_err());
        assert!(check_uuid(&[0u8; 16]).is_err(), "version nibble 0");
    }

    #[test]
    fn non_subscribe_calls_need_a_framework_id_and_their_sub_message() {
        let mut call = scheduler::Call {
            r#type: Some(scheduler::call::Type::Accept as i32),
            ..Default::default()
        };
        assert_eq!(
            scheduler_call(&call).unwrap_err(),
            "Expecting 'framework_id' to be present"
        );
        call.framework_id = Some(mesos::proto::FrameworkId { value: "F".into() });
        assert_eq!(
            scheduler_call(&call).unwrap_err(),
            "Expecting 'accept' to be present"
        );
        assert!(scheduler_call(&scheduler::Call::default())
            .unwrap_err()
            .contains("'type'"));
    }
}
