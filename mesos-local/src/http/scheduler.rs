//! `POST /api/v1/scheduler`, checked in the real master's order: Content-Type
//! (400/415), body decoding (400), call validation (400), then SUBSCRIBE
//! (Accept → 406; a `Mesos-Stream-Id` header → 400; 200 with a chunked
//! RecordIO stream and a fresh `Mesos-Stream-Id`) or any other call, which
//! the master answers (202, or 400/403/501).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::{mpsc, oneshot};

use mesos::proto::scheduler::{call, event, Call, Event};

use super::media::{read_call, respond, stream_encoding};
use super::stream::{event_body, OnClose};
use super::validate;
use crate::messages::{MasterMsg, Refusal};

/// What the scheduler endpoint needs: the master's inbox and the heartbeat period.
#[derive(Clone)]
pub struct MasterEndpoint {
    pub master: mpsc::UnboundedSender<MasterMsg>,
    pub heartbeat: Duration,
}

const STREAM_ID: &str = "Mesos-Stream-Id";

pub async fn handle(
    State(endpoint): State<MasterEndpoint>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    respond(serve(endpoint, headers, body).await)
}

async fn serve(
    endpoint: MasterEndpoint,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    let call: Call = read_call(&headers, &body, validate::scheduler_call, "scheduler::Call")?;
    let stream_id = headers
        .get(STREAM_ID)
        .map(|v| v.to_str().unwrap_or_default().to_string());
    if call.r#type() != call::Type::Subscribe {
        let (reply, answer) = oneshot::channel();
        send(
            &endpoint,
            MasterMsg::Call {
                call,
                stream_id,
                reply,
            },
        )?;
        answer.await.map_err(|_| gone())??;
        return Ok(StatusCode::ACCEPTED.into_response());
    }
    let events_encoding = stream_encoding(&headers)?;
    if stream_id.is_some() {
        return Err((
            StatusCode::BAD_REQUEST,
            "Subscribe calls should not include the 'Mesos-Stream-Id' header".into(),
        ));
    }
    let Some(subscribe) = call.subscribe else {
        return Err((
            StatusCode::BAD_REQUEST,
            "Expecting 'subscribe' to be present".into(),
        ));
    };
    let stream_id = uuid::Uuid::new_v4().to_string();
    let (events, rx) = mpsc::unbounded_channel();
    send(
        &endpoint,
        MasterMsg::Subscribe {
            subscribe,
            stream_id: stream_id.clone(),
            events,
        },
    )?;
    let (master, closed_id) = (endpoint.master.clone(), stream_id.clone());
    let on_close = OnClose::new(move || {
        let _ = master.send(MasterMsg::StreamClosed {
            stream_id: closed_id,
        });
    });
    let heartbeat = Event {
        r#type: Some(event::Type::Heartbeat as i32),
        ..Default::default()
    };
    let body = event_body(rx, events_encoding, heartbeat, endpoint.heartbeat, on_close);
    let headers = [
        (
            header::CONTENT_TYPE,
            events_encoding.content_type().to_string(),
        ),
        (
            header::HeaderName::from_static("mesos-stream-id"),
            stream_id,
        ),
    ];
    Ok((StatusCode::OK, headers, body).into_response())
}

fn send(endpoint: &MasterEndpoint, msg: MasterMsg) -> Result<(), Refusal> {
    endpoint.master.send(msg).map_err(|_| gone())
}

fn gone() -> Refusal {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "Master is shutting down".into(),
    )
}
