//! How the clients carry encoded messages over HTTP (crate-internal but for
//! the error type, the event channel and the backoff): POST one call (with
//! the `Mesos-Stream-Id` rules and 307 redirects from non-leading masters
//! followed), turn a non-2xx answer into an error carrying the master's
//! plain-text reason, read a SUBSCRIBE response as a stream of typed events
//! (RecordIO + codec), and space out retries.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{Stream, StreamExt, TryStreamExt};
use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE, LOCATION};
use reqwest::{Response, StatusCode, Url};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use tokio_util::codec::FramedRead;
use tokio_util::io::StreamReader;

use crate::codec::{Codec, DecodeError, Encoding};
use crate::recordio::{RecordDecoder, RecordIoError};

/// Header naming the scheduler's current subscription.
pub const STREAM_ID_HEADER: &str = "Mesos-Stream-Id";

/// Redirects followed for one request before giving up.
const MAX_REDIRECTS: usize = 5;

/// Error bodies longer than this are cut (they are meant for people).
const MAX_ERROR_BODY: usize = 4096;

/// Why a call did not get a 2xx answer.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The master or agent answered with an error status; `body` is its
    /// plain-text reason (e.g. 400 "Framework cannot be found").
    #[error("{url} answered {status}: {body}")]
    Status {
        url: Url,
        status: StatusCode,
        body: String,
    },
    #[error("request to {url} failed: {source}")]
    Transport {
        url: Url,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url} redirected to an unusable location {location:?}")]
    BadRedirect { url: Url, location: String },
    #[error("no answer from {url} within {after:?}")]
    Timeout { url: Url, after: Duration },
    #[error("more than {MAX_REDIRECTS} redirects, the last to {url}")]
    TooManyRedirects { url: Url },
    /// A call that needs a subscription was made while there is none.
    #[error("not subscribed: {0}")]
    NotSubscribed(&'static str),
    /// The call cannot be valid; nothing was sent.
    #[error("invalid call: {0}")]
    Invalid(String),
}

impl CallError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            CallError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A 4xx answer: the request itself is wrong, so sending it again as is
    /// cannot help (403 and 503 aside, which callers treat as "not yet").
    pub fn is_client_error(&self) -> bool {
        self.status().is_some_and(|s| s.is_client_error())
    }
}

/// Why an event stream ended abnormally.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StreamError {
    #[error(transparent)]
    Framing(#[from] RecordIoError),
    #[error("undecodable event: {0}")]
    Decode(#[from] DecodeError),
}

/// The API endpoint under a base URL given as `host:port`, `http://host:port`
/// or with a path prefix (`http://proxy/mesos/`).
pub(crate) fn endpoint(base: &str, path: &str) -> Result<Url, String> {
    let trimmed = base.trim();
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("http://{trimmed}")
    };
    let mut url = Url::parse(&with_scheme).map_err(|e| format!("invalid URL {base:?}: {e}"))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("invalid URL {base:?}: no host"));
    }
    if !url.path().ends_with('/') {
        let with_slash = format!("{}/", url.path());
        url.set_path(&with_slash);
    }
    url.join(path.trim_start_matches('/'))
        .map_err(|e| format!("invalid URL {base:?}: {e}"))
}

/// Where a redirect leads. Mesos sends a protocol-relative `Location`
/// (`//leader:5050/api/v1/scheduler`), resolved with the current scheme.
pub(crate) fn resolve_redirect(from: &Url, location: &str) -> Option<Url> {
    from.join(location)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
}

/// One POST of an encoded call. `accept` asks for an event stream in the
/// same encoding (SUBSCRIBE). Returns the URL that finally answered (the
/// leader, after redirects) and its 2xx response.
pub(crate) async fn post(
    client: &reqwest::Client,
    url: &Url,
    encoding: Encoding,
    body: Vec<u8>,
    stream_id: Option<&str>,
    accept: bool,
) -> Result<(Url, Response), CallError> {
    let mut url = url.clone();
    for _ in 0..=MAX_REDIRECTS {
        let mut request = client
            .post(url.clone())
            .header(CONTENT_TYPE, encoding.content_type())
            .body(body.clone());
        if accept {
            request = request.header(ACCEPT, encoding.content_type());
        }
        if let Some(stream_id) = stream_id {
            request = request.header(STREAM_ID_HEADER, stream_id);
        }
        let response = request
            .send()
            .await
            .map_err(|source| CallError::Transport {
                url: url.clone(),
                source,
            })?;
        let status = response.status();
        if status == StatusCode::TEMPORARY_REDIRECT || status == StatusCode::PERMANENT_REDIRECT {
            let location = header_text(response.headers(), LOCATION.as_str());
            url = resolve_redirect(&url, &location).ok_or_else(|| CallError::BadRedirect {
                url: url.clone(),
                location,
            })?;
            continue;
        }
        if status.is_success() {
            return Ok((url, response));
        }
        let body = error_body(response).await;
        return Err(CallError::Status { url, status, body });
    }
    Err(CallError::TooManyRedirects { url })
}

/// POSTs a SUBSCRIBE, waiting at most `within` for the response headers
/// (the body, the event stream, has no end and so no overall timeout).
pub(crate) async fn open_stream(
    client: &reqwest::Client,
    url: &Url,
    encoding: Encoding,
    body: Vec<u8>,
    within: Duration,
) -> Result<(Url, Response), CallError> {
    tokio::time::timeout(within, post(client, url, encoding, body, None, true))
        .await
        .unwrap_or_else(|_| {
            Err(CallError::Timeout {
                url: url.clone(),
                after: within,
            })
        })
}

/// A header's value as text ("" when absent or not text).
pub(crate) fn header_text(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn error_body(response: Response) -> String {
    let text = response.text().await.unwrap_or_default();
    let text = text.trim();
    if text.len() <= MAX_ERROR_BODY {
        return text.to_string();
    }
    let mut cut = MAX_ERROR_BODY;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", text.get(..cut).unwrap_or_default())
}

/// The events of a SUBSCRIBE response, decoded in the encoding its
/// `Content-Type` names (falling back to the one requested).
pub(crate) fn event_stream<M: Codec + 'static>(
    response: Response,
    requested: Encoding,
    max_record: usize,
) -> impl Stream<Item = Result<M, StreamError>> + Send + Unpin {
    let encoding =
        Encoding::from_content_type(&header_text(response.headers(), CONTENT_TYPE.as_str()))
            .unwrap_or(requested);
    let bytes = response.bytes_stream().map_err(std::io::Error::other);
    FramedRead::new(StreamReader::new(bytes), RecordDecoder::new(max_record)).map(move |record| {
        let record = record?;
        Ok(encoding.decode::<M>(&record)?)
    })
}

/// What a client task reports to its caller, in order. Dropping it stops
/// the task (and so closes its event-stream connection).
pub struct Events<E> {
    receiver: mpsc::Receiver<E>,
    task: AbortHandle,
}

impl<E> Events<E> {
    pub(crate) fn new(receiver: mpsc::Receiver<E>, task: AbortHandle) -> Self {
        Events { receiver, task }
    }

    /// The next event; `None` once the client task has stopped.
    pub async fn recv(&mut self) -> Option<E> {
        self.receiver.recv().await
    }
}

impl<E> Stream for Events<E> {
    type Item = E;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<E>> {
        self.receiver.poll_recv(cx)
    }
}

impl<E> Drop for Events<E> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Exponential backoff between reconnection attempts: `initial`, doubling
/// up to `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Self {
        let initial = initial.min(max);
        Backoff {
            initial,
            max,
            next: initial,
        }
    }

    /// The wait before the next attempt; each call doubles the following one.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }

    /// After a success, start again from `initial`.
    pub fn reset(&mut self) {
        self.next = self.initial;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("test URL")
    }

    #[test]
    fn endpoints_accept_bare_host_port_and_path_prefixes() {
        let scheduler = "/api/v1/scheduler";
        assert_eq!(
            endpoint("127.0.0.1:5050", scheduler).map(String::from),
            Ok("http://127.0.0.1:5050/api/v1/scheduler".to_string())
        );
        assert_eq!(
            endpoint("http://master:5050/", scheduler).map(String::from),
            Ok("http://master:5050/api/v1/scheduler".to_string())
        );
        assert_eq!(
            endpoint("https://proxy/mesos", scheduler).map(String::from),
            Ok("https://proxy/mesos/api/v1/scheduler".to_string())
        );
        assert!(endpoint("http://", scheduler).is_err());
        assert!(endpoint("not a url at all", scheduler).is_err());
    }

    #[test]
    fn protocol_relative_redirects_keep_the_scheme() {
        let from = url("http://m1:5050/api/v1/scheduler");
        assert_eq!(
            resolve_redirect(&from, "//m2:5050/api/v1/scheduler").map(String::from),
            Some("http://m2:5050/api/v1/scheduler".to_string())
        );
        let secure = url("https://m1:5050/api/v1/scheduler");
        assert_eq!(
            resolve_redirect(&secure, "//m2:5050/api/v1/scheduler").map(String::from),
            Some("https://m2:5050/api/v1/scheduler".to_string())
        );
        assert_eq!(
            resolve_redirect(&from, "http://m3:5050/api/v1/scheduler").map(String::from),
            Some("http://m3:5050/api/v1/scheduler".to_string())
        );
        assert_eq!(resolve_redirect(&from, "ftp://m3/x"), None);
    }

    #[test]
    fn backoff_doubles_to_the_cap_and_resets() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_millis(700));
        let delays: Vec<_> = (0..5).map(|_| backoff.next_delay().as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 400, 700, 700]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::from_millis(100));
    }
}
