//! The embedded cluster's HTTP servers: the master's routes (scheduler API,
//! version, state, redirect, test hook) and each agent's (executor API,
//! sandbox file reads). Handlers only check and translate; the master and
//! agent tasks decide.

mod executor;
mod files;
mod master_info;
pub mod media;
mod scheduler;
mod stream;
mod validate;

use axum::routing::{get, post};
use axum::Router;

pub use self::executor::AgentEndpoint;
pub use self::scheduler::MasterEndpoint;

pub fn master_routes(endpoint: MasterEndpoint) -> Router {
    Router::new()
        .route("/api/v1/scheduler", post(scheduler::handle))
        .route("/version", get(master_info::version))
        .route("/master/state", get(master_info::state))
        .route("/state", get(master_info::state))
        .route("/redirect", get(master_info::redirect))
        .route("/master/redirect", get(master_info::redirect))
        .route("/test/agents/{agent}/{action}", post(master_info::hook))
        .with_state(endpoint)
}

pub fn agent_routes(endpoint: AgentEndpoint) -> Router {
    Router::new()
        .route("/api/v1/executor", post(executor::handle))
        .route("/files/read", get(files::read))
        .with_state(endpoint)
}
