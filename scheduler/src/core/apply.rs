//! Running a change set one safe step at a time, in phases: creates first
//! (clusters, then brokers, launched in parallel), then changes in place
//! (dynamic Kafka configs through a live broker, topics, recorded settings),
//! then restarts and moves one broker at a time (stop gracefully, relaunch,
//! wait until it runs and a probe finds it healthy with no under-replicated
//! partitions), then the balancing of Apache Kafka clusters whose brokers
//! were added or restarted (replicas spread, preferred leaders elected),
//! then clients (created, scaled, restarted once their brokers
//! and topics are there), then destroys (clients, topics, brokers, clusters). The run
//! and each step's stage live in the persisted state, so a core rebuilt from
//! it resumes the apply where it stopped.
//!
//! The pieces: [`submission`] takes the apply lock for a checked change set
//! (or a broker restart); [`target`] turns the change set into steps;
//! [`phases`] orders them and moves the run on; [`run`] keeps each step's
//! stage and ends the run; one executor per kind of resource
//! ([`cluster_steps`], [`broker_steps`] with [`restarts`] and [`reassign`],
//! [`balancing`] with [`reassign`],
//! [`topic_steps`],
//! [`client_steps`]), and [`dynamic_configs`] for what running brokers take
//! without a restart.

mod balancing;
mod broker_steps;
mod client_steps;
mod cluster_steps;
mod dynamic_configs;
mod phases;
mod placement_deadline;
mod reassign;
mod restarts;
mod run;
mod submission;
mod target;
mod topic_steps;

pub(super) use balancing::leaders_elected;
pub(super) use dynamic_configs::dynamic_config_done;
pub(super) use phases::advance;
pub(super) use reassign::{reassignment_asked, reassignment_read, throttle_cleared};
pub(super) use restarts::probed;
pub(super) use run::cancel;
pub(super) use submission::{rebalance, restart_broker, submit};
pub(super) use topic_steps::topic_done;
