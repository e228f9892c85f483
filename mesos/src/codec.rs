//! The two body encodings of the Mesos v1 HTTP API, selected by exact
//! `Content-Type` (the real master compares the whole string): binary
//! protobuf and Mesos JSON (see `proto::json`). The same encoding is used for
//! a call's body and, after SUBSCRIBE, for every record of the event stream.

use std::fmt;

pub mod transport;

use crate::proto::json::{FieldError, JsonMessage};

/// A message encoding, named by its exact content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// `application/x-protobuf`
    Protobuf,
    /// `application/json`
    Json,
}

/// The messages both encodings handle: every type in `proto`.
pub trait Codec: prost::Message + JsonMessage + Default {}

impl<M: prost::Message + JsonMessage + Default> Codec for M {}

impl Encoding {
    pub const PROTOBUF_CONTENT_TYPE: &'static str = "application/x-protobuf";
    pub const JSON_CONTENT_TYPE: &'static str = "application/json";

    /// The `Content-Type` (and `Accept`) header value.
    pub const fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => Self::PROTOBUF_CONTENT_TYPE,
            Encoding::Json => Self::JSON_CONTENT_TYPE,
        }
    }

    /// The encoding of a `Content-Type` value; exact match only, as Mesos
    /// answers anything else (even with `; charset=...`) with 415.
    pub fn from_content_type(value: &str) -> Option<Encoding> {
        match value {
            Self::PROTOBUF_CONTENT_TYPE => Some(Encoding::Protobuf),
            Self::JSON_CONTENT_TYPE => Some(Encoding::Json),
            _ => None,
        }
    }

    /// The encoding a SUBSCRIBE response uses for an `Accept` header value,
    /// as Mesos picks it: JSON if acceptable, else protobuf, else none (406).
    /// A missing header accepts everything.
    pub fn negotiate(accept: Option<&str>) -> Option<Encoding> {
        let Some(accept) = accept else {
            return Some(Encoding::Json);
        };
        let acceptable = |wanted: &str| {
            accept.split(',').any(|item| {
                let media = item.split(';').next().unwrap_or("").trim();
                let (kind, _) = wanted.split_once('/').unwrap_or((wanted, ""));
                media == wanted || media == "*/*" || media == format!("{kind}/*")
            })
        };
        [Encoding::Json, Encoding::Protobuf]
            .into_iter()
            .find(|encoding| acceptable(encoding.content_type()))
    }

    pub fn encode<M: Codec>(self, message: &M) -> Vec<u8> {
        match self {
            Encoding::Protobuf => message.encode_to_vec(),
            Encoding::Json => message.to_json().to_string().into_bytes(),
        }
    }

    /// Decodes one message; proto2 `required` fields must be present in
    /// either encoding (required message fields, for protobuf, where absent
    /// scalars cannot be told from zero).
    pub fn decode<M: Codec>(self, bytes: &[u8]) -> Result<M, DecodeError> {
        match self {
            Encoding::Protobuf => {
                let message = M::decode(bytes).map_err(DecodeError::Protobuf)?;
                message.check_required().map_err(DecodeError::Fields)?;
                Ok(message)
            }
            Encoding::Json => {
                let value: serde_json::Value =
                    serde_json::from_slice(bytes).map_err(DecodeError::Syntax)?;
                M::from_json(&value).map_err(DecodeError::Fields)
            }
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.content_type())
    }
}

/// Why a body did not decode into the expected message.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("invalid protobuf: {0}")]
    Protobuf(prost::DecodeError),
    #[error("invalid JSON: {0}")]
    Syntax(serde_json::Error),
    #[error("{0}")]
    Fields(FieldError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_match_exactly() {
        assert_eq!(
            Encoding::from_content_type("application/json"),
            Some(Encoding::Json)
        );
        assert_eq!(
            Encoding::from_content_type("application/x-protobuf"),
            Some(Encoding::Protobuf)
        );
        assert_eq!(
            Encoding::from_content_type("application/json; charset=utf-8"),
            None
        );
        assert_eq!(Encoding::from_content_type("text/plain"), None);
    }

    #[test]
    fn accept_prefers_json_then_protobuf() {
        assert_eq!(Encoding::negotiate(None), Some(Encoding::Json));
        assert_eq!(Encoding::negotiate(Some("*/*")), Some(Encoding::Json));
        assert_eq!(
            Encoding::negotiate(Some("application/x-protobuf")),
            Some(Encoding::Protobuf)
        );
        assert_eq!(
            Encoding::negotiate(Some("application/x-protobuf, application/json;q=0.5")),
            Some(Encoding::Json)
        );
        assert_eq!(Encoding::negotiate(Some("text/html")), None);
    }
}
