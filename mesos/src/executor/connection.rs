//! The executor's connection task: SUBSCRIBE to the agent on a dedicated
//! connection (handing back unacknowledged tasks and updates), turn the
//! event stream into [`ExecutorEvent`]s, resend updates the agent has not
//! acknowledged, and reconnect with backoff while the agent checkpoints the
//! framework and the recovery timeout has not passed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::redirect::Policy;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;
use uuid::Uuid;

use super::client::{is_rejection, ExecutorEvent, Shared};
use crate::codec::transport::{event_stream, open_stream, Backoff};
use crate::proto::executor::{call, event, Event};

/// First wait before resubscribing; doubles up to MESOS_SUBSCRIPTION_BACKOFF_MAX.
const BACKOFF_INITIAL: Duration = Duration::from_millis(100);

enum Outcome {
    /// The caller has gone away.
    Stop,
    /// The agent refused the subscription; retrying cannot help.
    Refused(String),
    /// The connection failed or ended; `subscribed` if it had got SUBSCRIBED.
    Failed { reason: String, subscribed: bool },
}

pub(super) async fn run(shared: Arc<Shared>, events: mpsc::Sender<ExecutorEvent>) {
    let env = &shared.config.env;
    let client = match reqwest::Client::builder()
        .redirect(Policy::none())
        .pool_max_idle_per_host(0)
        .connect_timeout(shared.config.call_timeout)
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            let _ = events
                .send(ExecutorEvent::Lost(format!("HTTP client: {error}")))
                .await;
            return;
        }
    };
    let mut backoff = Backoff::new(BACKOFF_INITIAL, env.subscription_backoff_max);
    let mut unsubscribed_since = Instant::now();
    loop {
        let (reason, subscribed) = match connect_once(&shared, &client, &events).await {
            Outcome::Stop => return,
            Outcome::Refused(reason) => {
                let _ = events.send(ExecutorEvent::Lost(reason)).await;
                return;
            }
            Outcome::Failed { reason, subscribed } => (reason, subscribed),
        };
        if subscribed {
            if !env.checkpoint {
                let lost = format!(
                    "{reason}; the agent does not checkpoint this framework, so it will not reconnect"
                );
                let _ = events.send(ExecutorEvent::Lost(lost)).await;
                return;
            }
            tracing::warn!(%reason, "agent connection lost; resubscribing");
            if events
                .send(ExecutorEvent::Disconnected(reason))
                .await
                .is_err()
            {
                return;
            }
            unsubscribed_since = Instant::now();
            backoff.reset();
        } else if unsubscribed_since.elapsed() > env.recovery_timeout {
            let lost = format!(
                "no subscription to the agent within {:?}: {reason}",
                env.recovery_timeout
            );
            let _ = events.send(ExecutorEvent::Lost(lost)).await;
            return;
        } else {
            tracing::warn!(%reason, "SUBSCRIBE to the agent failed; retrying");
        }
        tokio::time::sleep(backoff.next_delay()).await;
    }
}

async fn connect_once(
    shared: &Arc<Shared>,
    client: &reqwest::Client,
    events: &mpsc::Sender<ExecutorEvent>,
) -> Outcome {
    let config = &shared.config;
    let mut subscribe = shared.call(call::Type::Subscribe);
    subscribe.subscribe = Some({
        let mut pending = shared.pending();
        let now = Instant::now();
        pending.updates.iter_mut().for_each(|p| p.last_sent = now);
        pending.subscribe()
    });
    let body = config.encoding.encode(&subscribe);
    let opened = open_stream(
        client,
        &shared.url,
        config.encoding,
        body,
        config.call_timeout,
    )
    .await;
    let response = match opened {
        Ok((_, response)) => response,
        Err(error) if is_rejection(&error) => {
            return Outcome::Refused(format!("SUBSCRIBE refused: {error}"))
        }
        Err(error) => {
            return Outcome::Failed {
                reason: error.to_string(),
                subscribed: false,
            }
        }
    };
    let mut stream = event_stream::<Event>(response, config.encoding, config.max_event_size);

    let subscribe_deadline = tokio::time::sleep(config.call_timeout);
    tokio::pin!(subscribe_deadline);
    let mut resend = tokio::time::interval_at(
        tokio::time::Instant::now() + config.update_retry,
        config.update_retry,
    );
    resend.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut subscribed = false;
    let reason = loop {
        let next = tokio::select! {
            next = stream.next() => next,
            _ = &mut subscribe_deadline, if !subscribed => {
                break format!("no SUBSCRIBED from the agent within {:?}", config.call_timeout);
            }
            _ = resend.tick(), if subscribed => {
                resend_stale_updates(shared);
                continue;
            }
        };
        let event = match next {
            None => break "the agent closed the event stream".to_string(),
            Some(Err(error)) => break format!("event stream broken: {error}"),
            Some(Ok(event)) => event,
        };
        let kind = event::Type::try_from(event.r#type.unwrap_or_default()).ok();
        subscribed |= kind == Some(event::Type::Subscribed);
        let error = matches!(kind, Some(event::Type::Error));
        let Some(translated) = translate(shared, event) else {
            continue;
        };
        let reason = match &translated {
            ExecutorEvent::Error(message) if error => Some(format!("agent sent ERROR: {message}")),
            _ => None,
        };
        if events.send(translated).await.is_err() {
            return Outcome::Stop;
        }
        if let Some(reason) = reason {
            break reason;
        }
    };
    Outcome::Failed { reason, subscribed }
}

/// The caller's view of an agent event, updating the resend lists on
/// LAUNCH and ACKNOWLEDGED; `None` for events without meaning here.
fn translate(shared: &Shared, event: Event) -> Option<ExecutorEvent> {
    let kind = event::Type::try_from(event.r#type.unwrap_or_default()).ok()?;
    let translated = match kind {
        event::Type::Subscribed => event
            .subscribed
            .map(|subscribed| ExecutorEvent::Subscribed(Box::new(subscribed))),
        event::Type::Launch => event.launch.and_then(|launch| launch.task).map(|task| {
            if let Some(task_id) = &task.task_id {
                shared
                    .pending()
                    .tasks
                    .insert(task_id.value.clone(), task.clone());
            }
            ExecutorEvent::Launch(Box::new(task))
        }),
        event::Type::Kill => event.kill.and_then(|kill| {
            Some(ExecutorEvent::Kill {
                task_id: kill.task_id?,
                kill_policy: kill.kill_policy,
            })
        }),
        event::Type::Acknowledged => event.acknowledged.and_then(|acknowledged| {
            let task_id = acknowledged.task_id?;
            let uuid = Uuid::from_slice(&acknowledged.uuid).ok()?;
            shared.pending().acknowledge(&task_id, uuid);
            Some(ExecutorEvent::Acknowledged { task_id, uuid })
        }),
        event::Type::Message => event
            .message
            .map(|message| ExecutorEvent::Message(message.data)),
        event::Type::Shutdown => Some(ExecutorEvent::Shutdown),
        event::Type::Error => Some(ExecutorEvent::Error(
            event
                .error
                .map_or_else(|| "ERROR event without message".into(), |e| e.message),
        )),
        other => {
            tracing::debug!(event = other.as_str_name(), "ignoring executor event");
            return None;
        }
    };
    if translated.is_none() {
        tracing::warn!(
            event = kind.as_str_name(),
            "ignoring malformed executor event"
        );
    }
    translated
}

/// Sends again every update unacknowledged for `update_retry`, each on its
/// own task so that the event stream keeps being read.
fn resend_stale_updates(shared: &Arc<Shared>) {
    let retry = shared.config.update_retry;
    let stale: Vec<_> = {
        let mut pending = shared.pending();
        let now = Instant::now();
        pending
            .updates
            .iter_mut()
            .filter(|p| now.duration_since(p.last_sent) >= retry)
            .map(|p| {
                p.last_sent = now;
                (p.uuid, p.update.clone())
            })
            .collect()
    };
    for (uuid, update) in stale {
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut call = shared.call(call::Type::Update);
            call.update = Some(update);
            match shared.send(&call).await {
                Ok(()) => tracing::debug!(%uuid, "resent unacknowledged UPDATE"),
                Err(error) if is_rejection(&error) => {
                    tracing::warn!(%error, %uuid, "agent rejected a resent UPDATE; dropping it");
                    shared.pending().updates.retain(|p| p.uuid != uuid);
                }
                Err(error) => tracing::warn!(%error, %uuid, "resending UPDATE failed"),
            }
        });
    }
}
