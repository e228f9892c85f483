//! The core's values as the API's wire types: the server's edge, so the
//! core can change its own types without changing the documented JSON.

use crate::core;
use crate::wire;

impl From<core::Progress> for wire::Progress {
    fn from(event: core::Progress) -> wire::Progress {
        match event {
            core::Progress::Started {
                apply_id,
                holder,
                steps,
            } => wire::Progress::Started {
                apply_id,
                holder,
                steps,
            },
            core::Progress::Broker {
                apply_id,
                cluster,
                id,
                phase,
                detail,
            } => wire::Progress::Broker {
                apply_id,
                cluster,
                id,
                phase: phase.into(),
                detail,
            },
            core::Progress::Cluster {
                apply_id,
                cluster,
                detail,
            } => wire::Progress::Cluster {
                apply_id,
                cluster,
                detail,
            },
            core::Progress::StepDone {
                apply_id,
                address,
                action,
            } => wire::Progress::StepDone {
                apply_id,
                address,
                action,
            },
            core::Progress::Finished { apply_id, counts } => wire::Progress::Finished {
                apply_id,
                counts: counts.into(),
            },
            core::Progress::Failed {
                apply_id,
                message,
                counts,
            } => wire::Progress::Failed {
                apply_id,
                message,
                counts: counts.into(),
            },
            core::Progress::Cancelled { apply_id, counts } => wire::Progress::Cancelled {
                apply_id,
                counts: counts.into(),
            },
        }
    }
}

impl From<core::BrokerPhase> for wire::BrokerPhase {
    fn from(phase: core::BrokerPhase) -> wire::BrokerPhase {
        use core::BrokerPhase as Core;
        use wire::BrokerPhase as Wire;
        match phase {
            Core::WaitingForOffer => Wire::WaitingForOffer,
            Core::Launching => Wire::Launching,
            Core::Starting => Wire::Starting,
            Core::Running => Wire::Running,
            Core::Probing => Wire::Probing,
            Core::WaitingToStop => Wire::WaitingToStop,
            Core::Reassigning => Wire::Reassigning,
            Core::Stopping => Wire::Stopping,
            Core::Stopped => Wire::Stopped,
            Core::Failed => Wire::Failed,
            Core::Destroyed => Wire::Destroyed,
        }
    }
}

impl From<core::Counts> for wire::Counts {
    fn from(counts: core::Counts) -> wire::Counts {
        let core::Counts {
            created,
            updated,
            restarted,
            destroyed,
        } = counts;
        wire::Counts {
            created,
            updated,
            restarted,
            destroyed,
        }
    }
}

impl From<core::RefreshOutcome> for wire::RefreshOutcome {
    fn from(outcome: core::RefreshOutcome) -> wire::RefreshOutcome {
        let core::RefreshOutcome {
            cluster,
            drifted,
            skipped,
        } = outcome;
        wire::RefreshOutcome {
            cluster,
            drifted,
            skipped,
        }
    }
}
