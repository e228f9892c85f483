//! Offer operations for `Scheduler::accept`, each with its `type` set to
//! match the sub-message, in the order Mesos applies them: RESERVE, CREATE,
//! LAUNCH (and DESTROY, UNRESERVE to give resources back).

use crate::proto::offer::{operation, Operation};
use crate::proto::{Resource, TaskInfo};

pub fn launch(task_infos: Vec<TaskInfo>) -> Operation {
    Operation {
        r#type: Some(operation::Type::Launch as i32),
        launch: Some(operation::Launch { task_infos }),
        ..Default::default()
    }
}

/// `resources` as they should look once reserved (role, reservation).
pub fn reserve(resources: Vec<Resource>) -> Operation {
    Operation {
        r#type: Some(operation::Type::Reserve as i32),
        reserve: Some(operation::Reserve {
            resources,
            source: Vec::new(),
        }),
        ..Default::default()
    }
}

pub fn unreserve(resources: Vec<Resource>) -> Operation {
    Operation {
        r#type: Some(operation::Type::Unreserve as i32),
        unreserve: Some(operation::Unreserve { resources }),
        ..Default::default()
    }
}

/// Persistent volumes from reserved disk (`disk.persistence`, `disk.volume`).
pub fn create(volumes: Vec<Resource>) -> Operation {
    Operation {
        r#type: Some(operation::Type::Create as i32),
        create: Some(operation::Create { volumes }),
        ..Default::default()
    }
}

/// Deletes volumes (and their data); pass them exactly as offered.
pub fn destroy(volumes: Vec<Resource>) -> Operation {
    Operation {
        r#type: Some(operation::Type::Destroy as i32),
        destroy: Some(operation::Destroy { volumes }),
        ..Default::default()
    }
}
