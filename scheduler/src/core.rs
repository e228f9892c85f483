//! The scheduler's decision core: a state machine from (state, event, time) to
//! (new state, commands). It does no I/O and never blocks: the async shell
//! feeds it [`Event`]s and carries out the [`Command`]s it returns, in order.
//! Everything it must remember across a restart is in [`CoreState`], which it
//! hands out with [`Command::PersistState`]; a core built from a persisted
//! `CoreState` carries on (an apply in progress resumes).

mod commands;
mod events;
mod record;

pub use commands::{ApplyRefusal, BrokerPhase, Command, Counts, Progress, TopicOp};
pub use events::Event;
pub use record::{
    ApplyRun, BrokerRecord, CoreState, SchedulerRecord, Stage, Step, TaskPhase, TaskRecord,
    VolumeRecord,
};
