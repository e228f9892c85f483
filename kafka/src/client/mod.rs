//! A connection to one live broker: TCP, Kafka framing, correlation ids, and
//! per-API version negotiation from the broker's ApiVersions answer.
//!
//! [`probe`] is the health check ("does a Kafka broker answer on host:port?");
//! [`BrokerConnection::send`] sends any kafka-protocol request at the highest
//! version both sides support; `ops` adds typed admin calls on top, and
//! `reassignments` partition moves.

mod leaders;
mod ops;
mod reassignments;

pub use ops::{
    BrokerAddress, ClusterMetadata, NewTopic, PartitionMetadata, TopicMetadata, TopicOutcome,
};
pub use reassignments::Reassignment;

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use kafka_protocol::messages::{ApiKey, ApiVersionsRequest, RequestHeader};
use kafka_protocol::protocol::{Message, Request, StrBytes, VersionRange};
use tokio::net::TcpStream;
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use crate::error::code::UNSUPPORTED_VERSION;
use crate::error::KafkaError;
use crate::frame::{self, decode_response, encode_request};

/// The client id kmesos sends. A tansu broker's front (in the executor)
/// passes requests carrying it to tansu itself.
pub const CLIENT_ID: &str = "kmesos";

/// What a broker said it supports in its ApiVersions answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiVersionsSummary {
    /// The ApiVersions version the broker answered at.
    pub answered_version: i16,
    /// Each API key the broker supports, with its version range.
    pub apis: BTreeMap<i16, VersionRange>,
}

impl ApiVersionsSummary {
    /// The versions of `key` the broker supports, if any.
    pub fn range(&self, key: ApiKey) -> Option<VersionRange> {
        self.apis.get(&(key as i16)).copied()
    }

    /// The highest version of API `key` that both the broker and `ours` support.
    pub fn negotiate(&self, key: i16, ours: VersionRange) -> Option<i16> {
        let common = self.apis.get(&key)?.intersect(&ours);
        (!common.is_empty()).then_some(common.max)
    }
}

/// Checks that a Kafka broker answers ApiVersions on `addr` (`host:port`)
/// within `timeout` (connect and answer together), returning what it supports.
pub async fn probe(addr: &str, timeout: Duration) -> Result<ApiVersionsSummary, KafkaError> {
    let started = tokio::time::Instant::now();
    match tokio::time::timeout(timeout, BrokerConnection::connect(addr, timeout)).await {
        Ok(connection) => Ok(connection?.versions),
        Err(_) => Err(KafkaError::Timeout {
            addr: addr.to_string(),
            api: "ApiVersions".to_string(),
            timeout: started.elapsed(),
        }),
    }
}

/// One open connection to a broker, requests answered in order.
pub struct BrokerConnection {
    addr: String,
    frames: Framed<TcpStream, LengthDelimitedCodec>,
    next_correlation_id: i32,
    versions: ApiVersionsSummary,
    timeout: Duration,
    /// Set when a call failed mid-exchange: later answers could be out of step.
    broken: bool,
}

impl BrokerConnection {
    /// Connects to `addr` and negotiates versions with ApiVersions; `timeout`
    /// bounds the connect and each later request.
    pub async fn connect(addr: &str, timeout: Duration) -> Result<Self, KafkaError> {
        let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(source)) => {
                return Err(KafkaError::Connect {
                    addr: addr.to_string(),
                    source,
                })
            }
            Err(_) => {
                return Err(KafkaError::Timeout {
                    addr: addr.to_string(),
                    api: "connect".to_string(),
                    timeout,
                })
            }
        };
        // Requests are small and latency matters more than batching.
        let _ = stream.set_nodelay(true);
        let mut connection = BrokerConnection {
            addr: addr.to_string(),
            frames: Framed::new(stream, frame::codec(frame::DEFAULT_MAX_FRAME_BYTES)),
            next_correlation_id: 1,
            versions: ApiVersionsSummary {
                answered_version: 0,
                apis: BTreeMap::new(),
            },
            timeout,
            broken: false,
        };
        connection.versions = connection.negotiate_api_versions().await?;
        Ok(connection)
    }

    /// The `host:port` this connection is to.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// What the broker said it supports.
    pub fn api_versions(&self) -> &ApiVersionsSummary {
        &self.versions
    }

    /// False once a call failed in a way that leaves the connection unusable.
    pub fn is_usable(&self) -> bool {
        !self.broken
    }

    /// The version [`send`](Self::send) uses for requests of type `R`: the
    /// highest both sides support. For requests whose fields differ by version.
    pub fn version_for<R: Request>(&self) -> Result<i16, KafkaError> {
        self.versions
            .negotiate(R::KEY, R::VERSIONS)
            .ok_or_else(|| KafkaError::Unsupported {
                addr: self.addr.clone(),
                api: api_name(R::KEY),
            })
    }

    /// Sends `request` at the highest version both sides support and returns
    /// that version with the broker's response.
    pub async fn send<R: Request>(
        &mut self,
        request: &R,
    ) -> Result<(i16, R::Response), KafkaError> {
        let version = self.version_for::<R>()?;
        let payload = self.exchange(request, version).await?;
        let response = self.decode::<R>(payload, version)?;
        Ok((version, response))
    }

    /// ApiVersions, starting at our newest version; a broker that does not
    /// know that version answers UNSUPPORTED_VERSION in a v0 body listing the
    /// versions it does support, and we retry at the best common one.
    async fn negotiate_api_versions(&mut self) -> Result<ApiVersionsSummary, KafkaError> {
        let request = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str(CLIENT_ID))
            .with_client_software_version(StrBytes::from_static_str(env!("CARGO_PKG_VERSION")));
        let mut version = ApiVersionsRequest::VERSIONS.max;
        loop {
            let payload = self.exchange(&request, version).await?;
            let response = match self.decode::<ApiVersionsRequest>(payload.clone(), version) {
                Ok(response) if response.error_code != UNSUPPORTED_VERSION => response,
                first => {
                    let v0 = self.decode::<ApiVersionsRequest>(payload, 0).or(first)?;
                    let theirs = v0
                        .api_keys
                        .iter()
                        .find(|k| k.api_key == ApiKey::ApiVersions as i16)
                        .map(|k| VersionRange {
                            min: k.min_version,
                            max: k.max_version,
                        });
                    let next = theirs
                        .map(|r| r.intersect(&ApiVersionsRequest::VERSIONS))
                        .filter(|r| !r.is_empty() && r.max < version);
                    match next {
                        Some(r) if v0.error_code == UNSUPPORTED_VERSION => {
                            version = r.max;
                            continue;
                        }
                        _ => v0,
                    }
                }
            };
            if response.error_code != 0 {
                return Err(KafkaError::response(
                    "ApiVersions",
                    &self.addr,
                    response.error_code,
                    None,
                ));
            }
            let apis = response
                .api_keys
                .iter()
                .map(|k| {
                    (
                        k.api_key,
                        VersionRange {
                            min: k.min_version,
                            max: k.max_version,
                        },
                    )
                })
                .collect();
            return Ok(ApiVersionsSummary {
                answered_version: version,
                apis,
            });
        }
    }

    async fn exchange<R: Request>(
        &mut self,
        request: &R,
        version: i16,
    ) -> Result<Bytes, KafkaError> {
        let api = api_name(R::KEY);
        if self.broken {
            return Err(KafkaError::Closed {
                addr: self.addr.clone(),
                api,
            });
        }
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(correlation_id)
            .with_client_id(Some(StrBytes::from_static_str(CLIENT_ID)));
        let frame =
            encode_request(&header, request, version).map_err(|detail| KafkaError::Encode {
                api: api.clone(),
                detail,
            })?;
        // Until the answer is read, a failure leaves the stream out of step.
        self.broken = true;
        let frames = &mut self.frames;
        let round_trip = async move {
            frames.send(frame).await?;
            frames.next().await.transpose()
        };
        let payload = match tokio::time::timeout(self.timeout, round_trip).await {
            Err(_) => {
                return Err(KafkaError::Timeout {
                    addr: self.addr.clone(),
                    api,
                    timeout: self.timeout,
                })
            }
            Ok(Err(source)) => {
                return Err(KafkaError::Io {
                    addr: self.addr.clone(),
                    source,
                })
            }
            Ok(Ok(None)) => {
                return Err(KafkaError::Closed {
                    addr: self.addr.clone(),
                    api,
                })
            }
            Ok(Ok(Some(payload))) => payload.freeze(),
        };
        let answered = payload
            .get(..4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(i32::from_be_bytes);
        if answered != Some(correlation_id) {
            return Err(KafkaError::Malformed {
                addr: self.addr.clone(),
                api,
                detail: format!("correlation id {answered:?}, expected {correlation_id}"),
            });
        }
        self.broken = false;
        Ok(payload)
    }

    fn decode<R: Request>(&self, payload: Bytes, version: i16) -> Result<R::Response, KafkaError> {
        decode_response::<R>(payload, version)
            .map(|(_, body)| body)
            .map_err(|detail| KafkaError::Malformed {
                addr: self.addr.clone(),
                api: format!("{} v{version}", api_name(R::KEY)),
                detail,
            })
    }
}

/// The name Kafka gives the API with this key (`CreateTopics`).
pub(crate) fn api_name(key: i16) -> String {
    match ApiKey::try_from(key) {
        Ok(known) => format!("{known:?}"),
        Err(_) => format!("API {key}"),
    }
}

/// Turns an error code in a response into an error for `resource`, or Ok.
pub(crate) fn check(
    api: &str,
    resource: &str,
    code: i16,
    message: Option<&StrBytes>,
) -> Result<(), KafkaError> {
    if code == 0 {
        return Ok(());
    }
    Err(KafkaError::response(
        api,
        resource,
        code,
        message.map(|m| m.to_string()),
    ))
}
