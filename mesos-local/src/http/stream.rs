//! The body of a SUBSCRIBE response: events from the owner's channel,
//! encoded in the negotiated encoding and framed with RecordIO, interleaved
//! with HEARTBEAT events, sent chunked until the owner drops the channel.

use std::time::Duration;

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use tokio::sync::mpsc;

use mesos::codec::{Codec, Encoding};
use mesos::recordio::encode_record;

/// Runs a closure when dropped: when the response body is dropped, the
/// client has gone or the stream has ended.
pub struct OnClose(Option<Box<dyn FnOnce() + Send>>);

impl OnClose {
    pub fn new(f: impl FnOnce() + Send + 'static) -> Self {
        OnClose(Some(Box::new(f)))
    }
}

impl Drop for OnClose {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

/// A streaming body of `events`, with `heartbeat` sent every `every`;
/// `on_close` runs once the body is gone.
pub fn event_body<E: Codec + Clone + Send + Sync + 'static>(
    events: mpsc::UnboundedReceiver<E>,
    encoding: Encoding,
    heartbeat: E,
    every: Duration,
    on_close: OnClose,
) -> Body {
    let encode = move |event: &E| {
        let mut buf = BytesMut::new();
        encode_record(&encoding.encode(event), &mut buf);
        Ok::<Bytes, std::convert::Infallible>(buf.freeze())
    };
    let start = tokio::time::Instant::now() + every;
    let beats = futures::stream::unfold(
        tokio::time::interval_at(start, every),
        move |mut interval| {
            let beat = heartbeat.clone();
            async move {
                interval.tick().await;
                Some((beat, interval))
            }
        },
    );
    // The stream ends when the owner drops the sender; heartbeats alone never keep it open.
    let events =
        futures::stream::unfold(
            events,
            |mut rx| async move { rx.recv().await.map(|e| (e, rx)) },
        )
        .map(Some)
        .chain(futures::stream::once(async { None }));
    let merged = futures::stream::select(events, beats.map(Some))
        .take_while(|e| futures::future::ready(e.is_some()))
        .filter_map(futures::future::ready);
    Body::from_stream(merged.map(move |e| {
        let _keep = &on_close;
        encode(&e)
    }))
}
