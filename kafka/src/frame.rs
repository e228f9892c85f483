//! Kafka framing: a 4-byte big-endian size, then a request or response header,
//! then the message body. Framing is `tokio-util`'s length-delimited codec;
//! headers and bodies are `kafka-protocol` types, with the header version chosen
//! per API and version by kafka-protocol's `header_version` tables.
//!
//! [`decode_request`] is the server's decoder for one frame's payload: it must
//! reject any byte sequence with an error, never panic (it has a fuzz target).

use bytes::{Buf, Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, RequestHeader, RequestKind, ResponseHeader, ResponseKind};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, VersionRange};
use tokio_util::codec::LengthDelimitedCodec;

/// Largest frame accepted by default: Kafka's `socket.request.max.bytes` default (100 MiB).
pub const DEFAULT_MAX_FRAME_BYTES: usize = 100 * 1024 * 1024;

/// The length-prefixed codec for Kafka frames, refusing frames over `max_frame_bytes`.
pub fn codec(max_frame_bytes: usize) -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .length_field_length(4)
        .max_frame_length(max_frame_bytes)
        .new_codec()
}

/// Why a request frame cannot be served; the connection it came on is closed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FrameError {
    #[error("frame of {0} bytes is too short for a request header")]
    TooShort(usize),
    #[error("unknown API key {0}")]
    UnknownApiKey(i16),
    #[error("malformed {api:?} v{version} request header: {detail}")]
    BadHeader {
        api: ApiKey,
        version: i16,
        detail: String,
    },
    #[error("malformed {api:?} v{version} request body: {detail}")]
    BadBody {
        api: ApiKey,
        version: i16,
        detail: String,
    },
}

/// One request read from a client.
#[derive(Debug)]
pub enum IncomingRequest {
    /// A request at a version kafka-protocol can decode.
    Decoded {
        header: RequestHeader,
        api_key: ApiKey,
        /// Boxed: requests are large and vary in size.
        request: Box<RequestKind>,
    },
    /// A known API at a version outside what kafka-protocol (and so this
    /// endpoint) can decode; the body is left unread.
    UnsupportedVersion {
        header: RequestHeader,
        api_key: ApiKey,
    },
}

/// Decodes one frame payload (without its size prefix) into a request.
pub fn decode_request(mut payload: Bytes) -> Result<IncomingRequest, FrameError> {
    let (raw_key, version) = match payload.get(..4) {
        Some(&[k0, k1, v0, v1]) => (i16::from_be_bytes([k0, k1]), i16::from_be_bytes([v0, v1])),
        _ => return Err(FrameError::TooShort(payload.len())),
    };
    let api_key = ApiKey::try_from(raw_key).map_err(|_| FrameError::UnknownApiKey(raw_key))?;
    let supported = in_range(api_key.valid_versions(), version);
    let header_version = if supported {
        api_key.request_header_version(version)
    } else {
        // Unknown versions still need their correlation id read so they can be
        // answered; Kafka reads them with the newest header of that API.
        api_key.request_header_version(api_key.valid_versions().max)
    };
    let header =
        RequestHeader::decode(&mut payload, header_version).map_err(|e| FrameError::BadHeader {
            api: api_key,
            version,
            detail: e.to_string(),
        })?;
    if !supported {
        return Ok(IncomingRequest::UnsupportedVersion { header, api_key });
    }
    let request =
        RequestKind::decode(api_key, &mut payload, version).map_err(|e| FrameError::BadBody {
            api: api_key,
            version,
            detail: e.to_string(),
        })?;
    Ok(IncomingRequest::Decoded {
        header,
        api_key,
        request: Box::new(request),
    })
}

/// Whether `version` lies in `range`.
pub fn in_range(range: VersionRange, version: i16) -> bool {
    range.min <= version && version <= range.max
}

/// Encodes a response (header and body) at `version`, with the response
/// header version kafka-protocol assigns to that API and version.
pub fn encode_response(
    correlation_id: i32,
    response: &ResponseKind,
    version: i16,
) -> Result<Bytes, String> {
    let header_version = response.header_version(version);
    let mut buf = BytesMut::new();
    ResponseHeader::default()
        .with_correlation_id(correlation_id)
        .encode(&mut buf, header_version)
        .map_err(|e| e.to_string())?;
    response
        .encode(&mut buf, version)
        .map_err(|e| e.to_string())?;
    Ok(buf.freeze())
}

/// Encodes a client request with its header at `version`.
pub fn encode_request<R: Request>(
    header: &RequestHeader,
    request: &R,
    version: i16,
) -> Result<Bytes, String> {
    let mut buf = BytesMut::new();
    header
        .encode(&mut buf, R::header_version(version))
        .map_err(|e| e.to_string())?;
    request
        .encode(&mut buf, version)
        .map_err(|e| e.to_string())?;
    Ok(buf.freeze())
}

/// Decodes a response frame for request type `R` at `version`, returning its
/// correlation id and body.
pub fn decode_response<R: Request>(
    mut payload: Bytes,
    version: i16,
) -> Result<(i32, R::Response), String> {
    let header = ResponseHeader::decode(&mut payload, R::Response::header_version(version))
        .map_err(|e| format!("header: {e}"))?;
    let body = R::Response::decode(&mut payload, version).map_err(|e| format!("body: {e}"))?;
    if payload.has_remaining() {
        return Err(format!(
            "{} unread bytes after the body",
            payload.remaining()
        ));
    }
    Ok((header.correlation_id, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::{ApiVersionsRequest, MetadataRequest};
    use kafka_protocol::protocol::StrBytes;

    fn header(key: ApiKey, version: i16) -> RequestHeader {
        RequestHeader::default()
            .with_request_api_key(key as i16)
            .with_request_api_version(version)
            .with_correlation_id(7)
            .with_client_id(Some(StrBytes::from_static_str("test")))
    }

    #[test]
    fn decodes_flexible_api_versions_request() {
        let req = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str("x"))
            .with_client_software_version(StrBytes::from_static_str("1"));
        let bytes = encode_request(&header(ApiKey::ApiVersions, 3), &req, 3).unwrap();
        match decode_request(bytes).unwrap() {
            IncomingRequest::Decoded {
                header, request, ..
            } => match *request {
                RequestKind::ApiVersions(r) => {
                    assert_eq!(header.correlation_id, 7);
                    assert_eq!(r.client_software_name.as_str(), "x");
                }
                other => panic!("unexpected {other:?}"),
            },
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn future_versions_are_reported_not_decoded() {
        let bytes = encode_request(
            &header(ApiKey::Metadata, 12),
            &MetadataRequest::default(),
            12,
        )
        .unwrap();
        let mut raw = BytesMut::from(&bytes[..]);
        raw[2..4].copy_from_slice(&99i16.to_be_bytes());
        match decode_request(raw.freeze()).unwrap() {
            IncomingRequest::UnsupportedVersion { header, api_key } => {
                assert_eq!(api_key, ApiKey::Metadata);
                assert_eq!(header.correlation_id, 7);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn rejects_short_and_unknown_frames() {
        assert_eq!(
            decode_request(Bytes::from_static(&[0, 3])).unwrap_err(),
            FrameError::TooShort(2)
        );
        assert_eq!(
            decode_request(Bytes::from_static(&[0x7f, 0x00, 0, 0, 0, 0, 0, 1])).unwrap_err(),
            FrameError::UnknownApiKey(0x7f00)
        );
    }

    #[test]
    fn truncated_bodies_are_errors() {
        let bytes = encode_request(
            &header(ApiKey::Metadata, 12),
            &MetadataRequest::default(),
            12,
        )
        .unwrap();
        for cut in 4..bytes.len() {
            assert!(
                decode_request(bytes.slice(..cut)).is_err(),
                "cut at {cut} decoded"
            );
        }
    }

    /// A small deterministic generator, so failures reproduce.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// Property: the decoder answers every frame with a request or an error,
    /// never a panic: random bytes, and valid requests cut short or extended.
    ///
    /// Not covered: kafka-protocol 0.18 reserves memory for an array from its
    /// length prefix before reading the elements, so a body whose array
    /// length claims billions of elements aborts the process (upstream
    /// kafka-protocol-rs PRs 152/161/200, unreleased); bit flips inside bodies
    /// would hit that, so they are left to the fuzz target.
    #[test]
    fn decoder_survives_random_and_mutated_frames() {
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..20_000 {
            let len = (rng.next() % 64) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let _ = decode_request(Bytes::from(bytes));
        }
        let seeds = [
            encode_request(
                &header(ApiKey::ApiVersions, 3),
                &ApiVersionsRequest::default(),
                3,
            )
            .unwrap(),
            encode_request(
                &header(ApiKey::Metadata, 12),
                &MetadataRequest::default(),
                12,
            )
            .unwrap(),
            encode_request(&header(ApiKey::Metadata, 4), &MetadataRequest::default(), 4).unwrap(),
        ];
        for seed in &seeds {
            for _ in 0..20_000 {
                let mut bytes = seed.to_vec();
                if rng.next() & 1 == 0 {
                    bytes.truncate((rng.next() as usize) % bytes.len());
                } else {
                    bytes.extend((0..rng.next() % 16).map(|_| rng.next() as u8));
                }
                let _ = decode_request(Bytes::from(bytes));
            }
        }
    }
}
