//! The front of a tansu broker. tansu brokers do not know each other: each
//! calls itself node 111 and claims every partition, so a client that asks
//! one of them for metadata would lose sight of the others. The front listens
//! on the broker's port and sends the requests that describe or change the
//! cluster (Metadata, DescribeCluster, FindCoordinator, topic and config
//! administration, producer ids) to the cluster's Kafka endpoint on the
//! scheduler, which answers for the whole cluster; everything else
//! (produce, fetch, offsets, groups) goes to this broker's tansu on a
//! loopback port. Requests from the scheduler itself (client id `kmesos`)
//! always go to tansu: they are how the endpoint learns what this broker
//! holds. While the endpoint cannot be reached (the scheduler restarting),
//! tansu answers everything, as it would without a front, and each
//! connection tries the endpoint again every few seconds.
//!
//! Requests and responses are passed as frames, unchanged: correlation ids
//! stay the client's, and responses go back in request order whichever side
//! answered, as Kafka requires. Each request is decoded only to learn where
//! it goes: its header, and a Produce's `acks` (`acks = 0` has no
//! response); a request that cannot be decoded closes the connection, as a
//! broker closes it. ApiVersions answers get the endpoint's version ranges
//! for the APIs it serves.

use std::collections::HashSet;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::client::{self, ApiVersionsSummary};
use crate::endpoint::IMPLEMENTED_APIS;
use crate::frame;
use bytes::{Bytes, BytesMut};
use futures::{SinkExt, StreamExt};
use kafka_protocol::messages::{ApiKey, ApiVersionsResponse, RequestKind, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, Mutex};
use tokio::task::JoinSet;
use tokio_util::codec::Framed;

/// The APIs the scheduler's endpoint answers for the whole cluster: all it
/// implements but ApiVersions, which each connection asks of its own peer.
pub fn cluster_apis() -> impl Iterator<Item = ApiKey> {
    IMPLEMENTED_APIS
        .into_iter()
        .filter(|key| *key != ApiKey::ApiVersions)
}

/// The last versions of data APIs that name topics rather than carry topic
/// ids. Each tansu broker gives a topic its own id, and clients hold the id
/// the endpoint's view carries (the first broker's): asked by id, any other
/// broker would not know the topic (librdkafka crashes on that answer).
const BY_NAME: [(ApiKey, i16); 4] = [
    (ApiKey::Produce, 12),
    (ApiKey::Fetch, 12),
    (ApiKey::OffsetCommit, 9),
    (ApiKey::OffsetFetch, 9),
];

/// How long the front waits for a connection to tansu or the endpoint
/// (after which, for the endpoint, tansu answers).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// After the endpoint could not be reached, how long a connection lets
/// tansu answer before it tries the endpoint again (the scheduler may be
/// restarting).
const ENDPOINT_RETRY: Duration = Duration::from_secs(3);

/// Where a front listens and where it sends requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontPlan {
    /// The broker's advertised port, on every interface.
    pub listen: SocketAddr,
    /// tansu's own listener, on loopback.
    pub broker: SocketAddr,
    /// The cluster's Kafka endpoint on the scheduler, `HOST:PORT`.
    pub endpoint: String,
}

/// A running front; dropping it closes the listener and every connection.
pub struct Front {
    local_addr: SocketAddr,
    _connections: JoinSet<()>,
}

impl Front {
    /// Binds `plan.listen` now (so the port is held) and serves in the background.
    pub async fn start(plan: FrontPlan) -> io::Result<Front> {
        let listener = TcpListener::bind(plan.listen).await?;
        let local_addr = listener.local_addr()?;
        let mut connections = JoinSet::new();
        let routes = Arc::new(Routes {
            plan,
            endpoint_versions: Mutex::new(EndpointVersions::default()),
        });
        connections.spawn(accept(listener, routes));
        Ok(Front {
            local_addr,
            _connections: connections,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

/// What every connection of one front shares.
struct Routes {
    plan: FrontPlan,
    endpoint_versions: Mutex<EndpointVersions>,
}

/// What the front knows of the endpoint's ApiVersions.
#[derive(Default)]
struct EndpointVersions {
    /// Its answer, once it has given one.
    known: Option<ApiVersionsSummary>,
    /// When it last could not be asked: not asked again before
    /// [`ENDPOINT_RETRY`] has passed, so clients connecting while it is down
    /// do not each wait for it.
    failed_at: Option<Instant>,
}

impl Routes {
    /// The endpoint's versions, asking it if it has not answered yet.
    async fn endpoint_versions(&self) -> Option<ApiVersionsSummary> {
        let mut versions = self.endpoint_versions.lock().await;
        let resting = versions
            .failed_at
            .is_some_and(|at| at.elapsed() < ENDPOINT_RETRY);
        if versions.known.is_none() && !resting {
            match client::probe(&self.plan.endpoint, CONNECT_TIMEOUT).await {
                Ok(summary) => versions.known = Some(summary),
                Err(e) => {
                    tracing::debug!(endpoint = %self.plan.endpoint, "endpoint not answering: {e}");
                    versions.failed_at = Some(Instant::now());
                }
            }
        }
        versions.known.clone()
    }
}

async fn accept(listener: TcpListener, routes: Arc<Routes>) {
    // Connections end with the accept loop: dropping this set aborts them.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let routes = routes.clone();
                    connections.spawn(async move {
                        if let Err(e) = serve(stream, routes).await {
                            tracing::debug!(%peer, "front connection closed: {e}");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!("front cannot accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next() => {}
        }
    }
}

/// A response on its way back, in request order.
type Pending = oneshot::Receiver<Bytes>;

/// One client connection: requests go out to tansu or the endpoint, and a
/// writer returns the responses in the order the requests came.
async fn serve(client: TcpStream, routes: Arc<Routes>) -> io::Result<()> {
    let _ = client.set_nodelay(true);
    let codec = frame::codec(frame::DEFAULT_MAX_FRAME_BYTES);
    let (mut to_client, mut from_client) = Framed::new(client, codec).split();
    let (order_tx, mut order_rx) = mpsc::unbounded_channel::<Pending>();
    let writer = async move {
        while let Some(pending) = order_rx.recv().await {
            // A side that closed without answering ends the connection.
            let Ok(response) = pending.await else {
                return Ok(());
            };
            to_client.send(response).await?;
        }
        Ok::<_, io::Error>(())
    };
    let reader = async move {
        let mut broker: Option<Upstream> = None;
        let mut endpoint: Option<Upstream> = None;
        let mut endpoint_down_until: Option<Instant> = None;
        while let Some(request) = from_client.next().await {
            let request = request?.freeze();
            let head = Head::read(&request)?;
            let to_endpoint =
                head.for_endpoint() && endpoint_down_until.is_none_or(|t| Instant::now() >= t);
            let upstream = if to_endpoint {
                if endpoint.is_none() {
                    match Upstream::connect(&routes.plan.endpoint).await {
                        Ok(up) => {
                            endpoint = Some(up);
                            endpoint_down_until = None;
                        }
                        Err(e) => {
                            tracing::debug!(endpoint = %routes.plan.endpoint, "endpoint unreachable, tansu answers: {e}");
                            endpoint_down_until = Some(Instant::now() + ENDPOINT_RETRY);
                        }
                    }
                }
                if endpoint.is_some() {
                    &mut endpoint
                } else {
                    &mut broker
                }
            } else {
                &mut broker
            };
            if upstream.is_none() {
                *upstream = Some(Upstream::connect(&routes.plan.broker.to_string()).await?);
            }
            let Some(up) = upstream.as_ref() else {
                continue;
            };
            let answer = up.forward(request, head.expects_response)?;
            let Some(answer) = answer else { continue };
            // The scheduler's own requests all go to tansu: it must see tansu's versions.
            let answer = if head.api_key == ApiKey::ApiVersions && !head.from_scheduler {
                with_endpoint_versions(answer, head.version, &routes).await
            } else {
                answer
            };
            if order_tx.send(answer).is_err() {
                break;
            }
        }
        Ok::<_, io::Error>(())
    };
    tokio::select! {
        done = writer => done,
        done = reader => done,
    }
}

/// What the front reads of a request.
struct Head {
    api_key: ApiKey,
    version: i16,
    from_scheduler: bool,
    expects_response: bool,
}

impl Head {
    fn read(request: &Bytes) -> io::Result<Head> {
        let invalid =
            |e: frame::FrameError| io::Error::new(io::ErrorKind::InvalidData, e.to_string());
        match frame::decode_request(request.clone()).map_err(invalid)? {
            frame::IncomingRequest::Decoded {
                header,
                api_key,
                request,
            } => Ok(Head {
                api_key,
                version: header.request_api_version,
                from_scheduler: header.client_id.as_deref() == Some(client::CLIENT_ID),
                expects_response: !matches!(*request, RequestKind::Produce(ref p) if p.acks == 0),
            }),
            frame::IncomingRequest::UnsupportedVersion { header, api_key } => Ok(Head {
                api_key,
                version: header.request_api_version,
                from_scheduler: false,
                expects_response: true,
            }),
        }
    }

    fn for_endpoint(&self) -> bool {
        !self.from_scheduler && cluster_apis().any(|key| key == self.api_key)
    }
}

/// tansu's ApiVersions answer with the endpoint's ranges for the APIs the
/// endpoint serves, so clients use those APIs at versions it can answer, and
/// data APIs capped at the versions that name topics ([`BY_NAME`]). An
/// answer that cannot be read, or no endpoint, leaves it as tansu gave it.
async fn with_endpoint_versions(answer: Pending, version: i16, routes: &Routes) -> Pending {
    let (tx, rx) = oneshot::channel();
    let Some(endpoint) = routes.endpoint_versions().await else {
        return answer;
    };
    tokio::spawn(async move {
        let Ok(frame) = answer.await else { return };
        let _ = tx.send(merge_versions(&frame, version, &endpoint).unwrap_or(frame));
    });
    rx
}

fn merge_versions(frame: &Bytes, version: i16, endpoint: &ApiVersionsSummary) -> Option<Bytes> {
    let mut body = frame.clone();
    let header_version = ApiVersionsResponse::header_version(version);
    let header = ResponseHeader::decode(&mut body, header_version).ok()?;
    let mut response = ApiVersionsResponse::decode(&mut body, version).ok()?;
    if response.error_code != 0 {
        return None;
    }
    let served: HashSet<i16> = cluster_apis().map(|k| k as i16).collect();
    response.api_keys.retain(|k| !served.contains(&k.api_key));
    for key in cluster_apis() {
        if let Some(range) = endpoint.range(key) {
            response.api_keys.push(
                kafka_protocol::messages::api_versions_response::ApiVersion::default()
                    .with_api_key(key as i16)
                    .with_min_version(range.min)
                    .with_max_version(range.max),
            );
        }
    }
    for (key, last) in BY_NAME {
        for api in response
            .api_keys
            .iter_mut()
            .filter(|k| k.api_key == key as i16)
        {
            api.max_version = api.max_version.min(last);
        }
    }
    response.api_keys.sort_by_key(|k| k.api_key);
    let mut out = BytesMut::new();
    header.encode(&mut out, header_version).ok()?;
    response.encode(&mut out, version).ok()?;
    Some(out.freeze())
}

/// One connection to tansu or the endpoint: frames go out in order and each
/// response completes the oldest request still waiting.
struct Upstream {
    requests: mpsc::UnboundedSender<(Bytes, Option<oneshot::Sender<Bytes>>)>,
}

impl Upstream {
    async fn connect(addr: &str) -> io::Result<Upstream> {
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
            .await
            .map_err(|_| {
                io::Error::new(io::ErrorKind::TimedOut, format!("connecting to {addr}"))
            })??;
        let _ = stream.set_nodelay(true);
        let codec = frame::codec(frame::DEFAULT_MAX_FRAME_BYTES);
        let (mut out, mut back) = Framed::new(stream, codec).split();
        let (requests, mut queue) =
            mpsc::unbounded_channel::<(Bytes, Option<oneshot::Sender<Bytes>>)>();
        let (waiting_tx, mut waiting_rx) = mpsc::unbounded_channel::<oneshot::Sender<Bytes>>();
        tokio::spawn(async move {
            while let Some((frame, reply)) = queue.recv().await {
                if let Some(reply) = reply {
                    if waiting_tx.send(reply).is_err() {
                        return;
                    }
                }
                if out.send(frame).await.is_err() {
                    return;
                }
            }
        });
        // Reads only while a request waits, and ends once the connection's
        // requests are done, so nothing outlives the client's connection.
        tokio::spawn(async move {
            while let Some(reply) = waiting_rx.recv().await {
                let Some(Ok(response)) = back.next().await else {
                    return;
                };
                let _ = reply.send(response.freeze());
            }
        });
        Ok(Upstream { requests })
    }

    /// Sends `request`; the receiver yields its response when one is expected.
    fn forward(&self, request: Bytes, expects_response: bool) -> io::Result<Option<Pending>> {
        let (reply, pending) = if expects_response {
            let (tx, rx) = oneshot::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        self.requests
            .send((request, reply))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "upstream closed"))?;
        Ok(pending)
    }
}
