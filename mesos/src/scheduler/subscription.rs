//! The subscription task: SUBSCRIBE on a dedicated connection, read the
//! RecordIO event stream, watch heartbeats, and resubscribe with backoff
//! (as the same framework) when the stream drops or goes silent.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use reqwest::redirect::Policy;
use reqwest::Url;
use tokio::sync::mpsc;

use super::client::Shared;
use super::config::SchedulerConfig;
use super::events::SchedulerEvent;
use crate::codec::transport::{event_stream, header_text, open_stream, Backoff, STREAM_ID_HEADER};
use crate::proto::scheduler::{call, event, Call, Event};
use crate::proto::FrameworkId;

/// Used until SUBSCRIBED names the interval (Mesos's own default).
const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(15);
/// A master announcing a longer interval is not believed beyond this.
const MAX_HEARTBEAT: Duration = Duration::from_secs(3600);

enum Next {
    Resubscribe,
    Stop,
}

pub(super) async fn run(
    config: SchedulerConfig,
    endpoints: Vec<Url>,
    shared: Arc<Shared>,
    events: mpsc::Sender<SchedulerEvent>,
) {
    // No pooling: the SUBSCRIBE request owns its connection for as long as
    // the stream lives, and a new subscription gets a new connection.
    let client = match reqwest::Client::builder()
        .redirect(Policy::none())
        .pool_max_idle_per_host(0)
        .connect_timeout(config.call_timeout)
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            let _ = events
                .send(SchedulerEvent::Error(format!("HTTP client: {error}")))
                .await;
            return;
        }
    };
    let mut backoff = Backoff::new(config.backoff_initial, config.backoff_max);
    for url in endpoints.iter().cycle() {
        let next = subscribe_once(&config, &shared, &client, url, &events, &mut backoff).await;
        if matches!(next, Next::Stop) || events.is_closed() || shared.session().torn_down {
            return;
        }
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

async fn subscribe_once(
    config: &SchedulerConfig,
    shared: &Shared,
    client: &reqwest::Client,
    url: &Url,
    events: &mpsc::Sender<SchedulerEvent>,
    backoff: &mut Backoff,
) -> Next {
    let framework_id = shared.session().framework_id.clone();
    let body = shared
        .encoding
        .encode(&subscribe_call(config, framework_id));
    let opened = open_stream(client, url, shared.encoding, body, config.call_timeout).await;
    let (leader, response) = match opened {
        Ok(answer) => answer,
        Err(error) if error.is_client_error() => {
            let refusal = format!("SUBSCRIBE refused: {error}");
            let _ = events.send(SchedulerEvent::Error(refusal)).await;
            return Next::Stop;
        }
        Err(error) => {
            tracing::warn!(%error, "SUBSCRIBE failed; retrying");
            return Next::Resubscribe;
        }
    };
    let stream_id = header_text(response.headers(), STREAM_ID_HEADER);
    if stream_id.is_empty() {
        tracing::warn!(%leader, "SUBSCRIBE answer has no {STREAM_ID_HEADER}; retrying");
        return Next::Resubscribe;
    }
    let mut stream = event_stream::<Event>(response, shared.encoding, config.max_event_size);

    let mut silence_limit = config.call_timeout;
    let mut subscribed = false;
    let reason = loop {
        let event = match tokio::time::timeout(silence_limit, stream.next()).await {
            Err(_) => break format!("no event from the master for {silence_limit:?}"),
            Ok(None) => break "the master closed the event stream".to_string(),
            Ok(Some(Err(error))) => break format!("event stream broken: {error}"),
            Ok(Some(Ok(event))) => event,
        };
        let Some(event) = translate(event) else {
            continue;
        };
        match &event {
            SchedulerEvent::Subscribed {
                framework_id,
                heartbeat_interval,
                ..
            } => {
                let mut session = shared.session();
                session.framework_id = Some(framework_id.clone());
                session.stream_id = Some(stream_id.clone());
                session.leader = Some(leader.clone());
                silence_limit = heartbeat_interval.saturating_mul(config.missed_heartbeats.max(1));
                subscribed = true;
                backoff.reset();
            }
            SchedulerEvent::Error(_) => {
                shared.session().stream_id = None;
                let _ = events.send(event).await;
                return Next::Stop;
            }
            _ => {}
        }
        if events.send(event).await.is_err() {
            return Next::Stop;
        }
    };

    shared.session().stream_id = None;
    if subscribed && !shared.session().torn_down {
        tracing::warn!(%reason, "subscription lost; resubscribing");
        if events
            .send(SchedulerEvent::Disconnected(reason))
            .await
            .is_err()
        {
            return Next::Stop;
        }
    } else {
        tracing::warn!(%reason, "subscription attempt failed; retrying");
    }
    Next::Resubscribe
}

/// SUBSCRIBE as the framework: with a known id it goes in both places Mesos
/// requires (`Call.framework_id` and `framework_info.id`).
fn subscribe_call(config: &SchedulerConfig, framework_id: Option<FrameworkId>) -> Call {
    let mut framework_info = config.framework.clone();
    let framework_id = framework_id.or_else(|| framework_info.id.clone());
    framework_info.id = framework_id.clone();
    Call {
        framework_id,
        r#type: Some(call::Type::Subscribe as i32),
        subscribe: Some(call::Subscribe {
            framework_info: Some(framework_info),
            suppressed_roles: config.suppressed_roles.clone(),
        }),
        ..Default::default()
    }
}

/// The caller's view of a master event; `None` for events this client does
/// not handle (inverse offers, operation feedback, unknown types) and for
/// malformed ones, which are logged.
fn translate(event: Event) -> Option<SchedulerEvent> {
    let kind = event::Type::try_from(event.r#type.unwrap_or_default()).ok();
    let translated = match kind? {
        event::Type::Subscribed => event.subscribed.and_then(|subscribed| {
            let heartbeat_interval = subscribed
                .heartbeat_interval_seconds
                .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
                .filter(|interval| !interval.is_zero())
                .unwrap_or(DEFAULT_HEARTBEAT)
                .min(MAX_HEARTBEAT);
            Some(SchedulerEvent::Subscribed {
                framework_id: subscribed.framework_id?,
                heartbeat_interval,
                master_info: subscribed.master_info,
            })
        }),
        event::Type::Offers => event
            .offers
            .map(|offers| SchedulerEvent::Offers(offers.offers)),
        event::Type::Rescind => event
            .rescind
            .and_then(|rescind| rescind.offer_id)
            .map(SchedulerEvent::Rescind),
        event::Type::Update => event
            .update
            .and_then(|update| update.status)
            .map(SchedulerEvent::Update),
        event::Type::Message => event.message.map(SchedulerEvent::Message),
        event::Type::Failure => event.failure.map(SchedulerEvent::Failure),
        event::Type::Error => Some(SchedulerEvent::Error(
            event
                .error
                .map_or_else(|| "ERROR event without message".into(), |e| e.message),
        )),
        event::Type::Heartbeat => Some(SchedulerEvent::Heartbeat),
        other => {
            tracing::debug!(event = other.as_str_name(), "ignoring event");
            return None;
        }
    };
    if translated.is_none() {
        tracing::warn!(event = ?kind, "ignoring event without its payload");
    }
    translated
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Encoding;
    use crate::proto::FrameworkInfo;

    fn config(id: Option<&str>) -> SchedulerConfig {
        let framework = FrameworkInfo {
            user: "kafka".into(),
            name: "kmesos".into(),
            id: id.map(|value| FrameworkId {
                value: value.into(),
            }),
            ..Default::default()
        };
        SchedulerConfig::new("127.0.0.1:5050", framework)
    }

    #[test]
    fn first_subscribe_carries_no_framework_id() {
        let call = subscribe_call(&config(None), None);
        assert_eq!(call.framework_id, None);
        let info = call
            .subscribe
            .and_then(|s| s.framework_info)
            .expect("framework_info");
        assert_eq!(info.id, None);
    }

    #[test]
    fn resubscribe_puts_the_id_in_both_places() {
        let assigned = FrameworkId {
            value: "M-0001".into(),
        };
        for call in [
            subscribe_call(&config(None), Some(assigned.clone())),
            subscribe_call(&config(Some("M-0001")), None),
        ] {
            assert_eq!(call.framework_id.as_ref(), Some(&assigned));
            let info = call
                .subscribe
                .and_then(|s| s.framework_info)
                .expect("framework_info");
            assert_eq!(info.id, Some(assigned.clone()));
        }
    }

    #[test]
    fn master_events_become_client_events() {
        let subscribed: Event = Encoding::Json
            .decode(br#"{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"F"},"heartbeat_interval_seconds":0.5}}"#)
            .expect("event");
        assert_eq!(
            translate(subscribed),
            Some(SchedulerEvent::Subscribed {
                framework_id: FrameworkId { value: "F".into() },
                heartbeat_interval: Duration::from_millis(500),
                master_info: None,
            })
        );
        let no_interval: Event = Encoding::Json
            .decode(br#"{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"F"},"heartbeat_interval_seconds":-3}}"#)
            .expect("event");
        assert!(matches!(
            translate(no_interval),
            Some(SchedulerEvent::Subscribed { heartbeat_interval, .. }) if heartbeat_interval == DEFAULT_HEARTBEAT
        ));
        let error: Event = Encoding::Json
            .decode(br#"{"type":"ERROR","error":{"message":"Framework failed over"}}"#)
            .expect("event");
        assert_eq!(
            translate(error),
            Some(SchedulerEvent::Error("Framework failed over".into()))
        );
        let malformed: Event = Encoding::Json
            .decode(br#"{"type":"OFFERS"}"#)
            .expect("event");
        assert_eq!(translate(malformed), None);
        let unknown: Event = Encoding::Json
            .decode(br#"{"type":"SOMETHING_NEW"}"#)
            .expect("event");
        assert_eq!(translate(unknown), None);
    }
}
