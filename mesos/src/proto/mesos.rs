//! Package `mesos.v1`: identifiers, framework/agent descriptions, resources,
//! offers and offer operations, tasks, executors, commands and task status,
//! one file per topic, all re-exported here (and from `proto`).

mod framework;
mod ids;
mod offers;
mod resources;
mod tasks;

pub use self::framework::*;
pub use self::ids::*;
pub use self::offers::*;
pub use self::resources::*;
pub use self::tasks::*;
