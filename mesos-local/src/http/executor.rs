//! `POST /api/v1/executor` on an agent, in the real agent's order:
//! Content-Type, decoding, validation (400), HEARTBEAT (202 before any
//! lookup), then SUBSCRIBE (200 + RecordIO stream, no stream id), UPDATE and
//! MESSAGE (202), which the agent answers.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::{mpsc, oneshot};

use mesos::proto::executor::{call, event, Call, Event};

use super::media::{read_call, respond, stream_encoding};
use super::stream::{event_body, OnClose};
use super::validate;
use crate::agent::{AgentDirs, AgentMsg};
use crate::messages::Refusal;

/// What an agent's HTTP server needs.
#[derive(Clone)]
pub struct AgentEndpoint {
    pub agent: mpsc::UnboundedSender<AgentMsg>,
    pub dirs: AgentDirs,
    pub heartbeat: Duration,
}

impl axum::extract::FromRef<AgentEndpoint> for AgentDirs {
    fn from_ref(endpoint: &AgentEndpoint) -> AgentDirs {
        endpoint.dirs.clone()
    }
}

pub async fn handle(
    State(endpoint): State<AgentEndpoint>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(serve(endpoint, headers, body).await)
}

async fn serve(
    endpoint: AgentEndpoint,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    let call: Call = read_call(&headers, &body, validate::executor_call, "Executor::Call")?;
    let kind = call.r#type();
    let gone = || {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "Agent is shutting down".to_string(),
        )
    };
    match kind {
        call::Type::Heartbeat => Ok(StatusCode::ACCEPTED.into_response()),
        call::Type::Subscribe => {
            let events_encoding = stream_encoding(&headers)?;
            let (reply, answer) = oneshot::channel();
            endpoint
                .agent
                .send(AgentMsg::Subscribe { call, reply })
                .map_err(|_| gone())?;
            let rx = answer.await.map_err(|_| gone())??;
            let heartbeat = Event {
                r#type: Some(event::Type::Heartbeat as i32),
                ..Default::default()
            };
            let body = event_body(
                rx,
                events_encoding,
                heartbeat,
                endpoint.heartbeat,
                OnClose::new(|| {}),
            );
            let content_type = [(header::CONTENT_TYPE, events_encoding.content_type())];
            Ok((StatusCode::OK, content_type, body).into_response())
        }
        call::Type::Update | call::Type::Message => {
            let (reply, answer) = oneshot::channel();
            let msg = if kind == call::Type::Update {
                AgentMsg::Update { call, reply }
            } else {
                AgentMsg::Message { call, reply }
            };
            endpoint.agent.send(msg).map_err(|_| gone())?;
            answer.await.map_err(|_| gone())??;
            Ok(StatusCode::ACCEPTED.into_response())
        }
        call::Type::Unknown => Err((
            StatusCode::NOT_IMPLEMENTED,
            "Received 'UNKNOWN' call".into(),
        )),
    }
}
