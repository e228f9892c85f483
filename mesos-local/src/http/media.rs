//! Reading a call as the real master and agent do, with their status codes
//! and messages: `Content-Type` missing → 400, not exactly one of the two
//! types → 415, a body that does not decode or validate → 400; for
//! SUBSCRIBE, an `Accept` allowing neither encoding → 406. Which strings
//! match is `codec::Encoding`'s business.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use mesos::codec::{Codec, DecodeError, Encoding};

use crate::messages::Refusal;

/// Decodes and validates a call body; `what` names the message in errors
/// (`scheduler::Call`, `Executor::Call`).
pub fn read_call<M: Codec>(
    headers: &HeaderMap,
    body: &[u8],
    validate: fn(&M) -> Result<(), String>,
    what: &str,
) -> Result<M, Refusal> {
    let encoding = body_encoding(headers)?;
    let call: M = encoding
        .decode(body)
        .map_err(|e| decode_refusal(encoding, e))?;
    validate(&call).map_err(|e| {
        (
            StatusCode::BAD_REQUEST,
            format!("Failed to validate {what}: {e}"),
        )
    })?;
    Ok(call)
}

/// A handler's outcome as a response: a refusal is its status and reason.
pub fn respond(result: Result<Response, Refusal>) -> Response {
    result.unwrap_or_else(|refusal| refusal.into_response())
}

/// A body that does not decode, worded as the real master and agent word it.
fn decode_refusal(encoding: Encoding, error: DecodeError) -> Refusal {
    let message = match (encoding, error) {
        (Encoding::Protobuf, _) => "Failed to parse body into Call protobuf".to_string(),
        (Encoding::Json, DecodeError::Syntax(e)) => format!("Failed to parse body into JSON: {e}"),
        (Encoding::Json, e) => format!("Failed to convert JSON into Call protobuf: {e}"),
    };
    (StatusCode::BAD_REQUEST, message)
}

/// The encoding of the request body.
pub fn body_encoding(headers: &HeaderMap) -> Result<Encoding, Refusal> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err((
            StatusCode::BAD_REQUEST,
            "Expecting 'Content-Type' to be present".into(),
        ));
    };
    value
        .to_str()
        .ok()
        .and_then(Encoding::from_content_type)
        .ok_or_else(|| {
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "Expecting 'Content-Type' of {} or {}",
                    Encoding::JSON_CONTENT_TYPE,
                    Encoding::PROTOBUF_CONTENT_TYPE
                ),
            )
        })
}

/// The encoding of the event stream a SUBSCRIBE asks for.
pub fn stream_encoding(headers: &HeaderMap) -> Result<Encoding, Refusal> {
    let accept: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let accept = (!accept.is_empty()).then(|| accept.join(","));
    Encoding::negotiate(accept.as_deref()).ok_or_else(|| {
        (
            StatusCode::NOT_ACCEPTABLE,
            format!(
                "Expecting 'Accept' to allow '{}' or '{}'",
                Encoding::PROTOBUF_CONTENT_TYPE,
                Encoding::JSON_CONTENT_TYPE
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), v.parse().unwrap());
        }
        h
    }

    #[test]
    fn missing_content_type_is_400_and_other_types_415() {
        assert_eq!(
            body_encoding(&headers(&[])).unwrap_err().0,
            StatusCode::BAD_REQUEST
        );
        let charset = headers(&[(header::CONTENT_TYPE, "application/json; charset=utf-8")]);
        assert_eq!(
            body_encoding(&charset).unwrap_err().0,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        let proto = headers(&[(header::CONTENT_TYPE, "application/x-protobuf")]);
        assert_eq!(body_encoding(&proto).unwrap(), Encoding::Protobuf);
    }

    #[test]
    fn unacceptable_stream_is_406() {
        assert_eq!(stream_encoding(&headers(&[])).unwrap(), Encoding::Json);
        let text = headers(&[(header::ACCEPT, "text/plain")]);
        assert_eq!(
            stream_encoding(&text).unwrap_err().0,
            StatusCode::NOT_ACCEPTABLE
        );
    }
}
