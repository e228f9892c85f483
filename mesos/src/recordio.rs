//! RecordIO, the framing of the SUBSCRIBE event streams: each record is its
//! payload length in ASCII decimal, a `\n`, then exactly that many bytes,
//! with nothing between records. Framing is independent of HTTP chunking:
//! [`RecordDecoder`] works incrementally on the de-chunked bytes, so records
//! may span chunks and chunks may hold several records.

use bytes::{BufMut, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

/// Default cap on one record: far above any event kmesos sees, low enough
/// that a corrupt length cannot make the client allocate without bound.
pub const DEFAULT_MAX_RECORD: usize = 64 * 1024 * 1024;

/// The longest length line that can be valid: the digits of `u64::MAX`.
const MAX_LENGTH_DIGITS: usize = 20;

/// Appends one record (length line and payload) to `dst`.
pub fn encode_record(payload: &[u8], dst: &mut BytesMut) {
    let header = format!("{}\n", payload.len());
    dst.reserve(header.len() + payload.len());
    dst.put_slice(header.as_bytes());
    dst.put_slice(payload);
}

/// A stream fault; any of them ends the stream, as there is no way to find
/// the next record boundary after a bad length.
#[derive(Debug, thiserror::Error)]
pub enum RecordIoError {
    #[error("malformed RecordIO length {0:?}: expected ASCII decimal digits and a newline")]
    MalformedLength(String),
    #[error("RecordIO record of {size} bytes exceeds the limit of {max} bytes")]
    TooLarge { size: u64, max: usize },
    #[error("event stream ended inside a record ({0} bytes left over)")]
    Truncated(usize),
    #[error("reading the event stream: {0}")]
    Io(#[from] std::io::Error),
}

/// Incremental RecordIO decoder yielding each record's payload.
#[derive(Debug, Clone)]
pub struct RecordDecoder {
    max_record: usize,
    /// Length of the record whose payload is awaited, once its line is read.
    pending: Option<usize>,
}

impl RecordDecoder {
    pub fn new(max_record: usize) -> Self {
        RecordDecoder {
            max_record,
            pending: None,
        }
    }

    fn read_length(&self, src: &mut BytesMut) -> Result<Option<usize>, RecordIoError> {
        let newline = src.iter().position(|&b| b == b'\n');
        let digits_end = newline.unwrap_or(src.len());
        let digits = src.get(..digits_end).unwrap_or_default();
        let malformed =
            || RecordIoError::MalformedLength(String::from_utf8_lossy(digits).into_owned());
        if !digits.iter().all(u8::is_ascii_digit) || digits.len() > MAX_LENGTH_DIGITS {
            return Err(malformed());
        }
        if newline.is_none() {
            return Ok(None);
        }
        if digits.is_empty() {
            return Err(malformed());
        }
        let size: u64 = std::str::from_utf8(digits)
            .ok()
            .and_then(|text| text.parse().ok())
            .ok_or_else(malformed)?;
        let size = usize::try_from(size)
            .ok()
            .filter(|&size| size <= self.max_record)
            .ok_or(RecordIoError::TooLarge {
                size,
                max: self.max_record,
            })?;
        let _ = src.split_to(digits_end + 1);
        Ok(Some(size))
    }
}

impl Default for RecordDecoder {
    fn default() -> Self {
        RecordDecoder::new(DEFAULT_MAX_RECORD)
    }
}

impl Decoder for RecordDecoder {
    type Item = Bytes;
    type Error = RecordIoError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, RecordIoError> {
        let size = match self.pending {
            Some(size) => size,
            None => match self.read_length(src)? {
                Some(size) => size,
                None => return Ok(None),
            },
        };
        if src.len() < size {
            self.pending = Some(size);
            src.reserve(size - src.len());
            return Ok(None);
        }
        self.pending = None;
        Ok(Some(src.split_to(size).freeze()))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, RecordIoError> {
        match self.decode(src)? {
            Some(record) => Ok(Some(record)),
            None if src.is_empty() && self.pending.is_none() => Ok(None),
            None => Err(RecordIoError::Truncated(src.len())),
        }
    }
}

/// Encodes payloads as records (for servers, such as the embedded master).
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordEncoder;

impl<T: AsRef<[u8]>> Encoder<T> for RecordEncoder {
    type Error = std::io::Error;

    fn encode(&mut self, payload: T, dst: &mut BytesMut) -> Result<(), std::io::Error> {
        encode_record(payload.as_ref(), dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_RECORDS: &[u8] = b"102\n{\"type\":\"SUBSCRIBED\",\"subscribed\":{\"framework_id\":{\"value\":\"M-0000\"},\"heartbeat_interval_seconds\":15}}20\n{\"type\":\"HEARTBEAT\"}";

    fn decode_all(chunks: &[&[u8]]) -> Result<Vec<Bytes>, RecordIoError> {
        let mut decoder = RecordDecoder::default();
        let mut buffer = BytesMut::new();
        let mut records = Vec::new();
        for chunk in chunks {
            buffer.extend_from_slice(chunk);
            while let Some(record) = decoder.decode(&mut buffer)? {
                records.push(record);
            }
        }
        while let Some(record) = decoder.decode_eof(&mut buffer)? {
            records.push(record);
        }
        Ok(records)
    }

    #[test]
    fn the_fact_sheet_example_is_two_records() {
        let records = decode_all(&[TWO_RECORDS]).expect("decodes");
        assert_eq!(records.len(), 2);
        assert!(records[0].starts_with(b"{\"type\":\"SUBSCRIBED\""));
        assert!(records[0].ends_with(b"15}}"));
        assert_eq!(&records[1][..], b"{\"type\":\"HEARTBEAT\"}");
    }

    #[test]
    fn records_split_at_every_byte_boundary_decode_the_same() {
        let whole = decode_all(&[TWO_RECORDS]).expect("decodes");
        for cut in 1..TWO_RECORDS.len() {
            let (a, b) = TWO_RECORDS.split_at(cut);
            assert_eq!(decode_all(&[a, b]).expect("decodes"), whole, "cut at {cut}");
        }
        let bytewise: Vec<&[u8]> = TWO_RECORDS.chunks(1).collect();
        assert_eq!(decode_all(&bytewise).expect("decodes"), whole);
    }

    #[test]
    fn encoder_output_decodes_back_including_empty_records() {
        let payloads: [&[u8]; 3] = [b"first", b"", "ünïcode".as_bytes()];
        let mut buffer = BytesMut::new();
        for payload in payloads {
            RecordEncoder.encode(payload, &mut buffer).expect("encodes");
        }
        assert!(buffer.starts_with(b"5\nfirst0\n9\n"));
        let records = decode_all(&[&buffer]).expect("decodes");
        let records: Vec<&[u8]> = records.iter().map(|r| &r[..]).collect();
        assert_eq!(records, payloads);
    }

    #[test]
    fn malformed_lengths_are_fatal() {
        for bad in [
            &b"12a\n"[..],
            b"-5\n",
            b" 5\n",
            b"\n",
            b"5\r\nhello",
            b"+5\n",
        ] {
            match decode_all(&[bad]) {
                Err(RecordIoError::MalformedLength(_)) => {}
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        // Caught before the newline arrives, without buffering forever.
        let mut decoder = RecordDecoder::default();
        let mut garbage = BytesMut::from(&b"HTTP/1.1 500"[..]);
        assert!(decoder.decode(&mut garbage).is_err());
        let mut endless = BytesMut::from(&b"123456789012345678901"[..]);
        assert!(decoder.decode(&mut endless).is_err());
    }

    #[test]
    fn oversized_and_truncated_records_are_errors() {
        let mut decoder = RecordDecoder::new(10);
        let mut big = BytesMut::from(&b"11\nhello world"[..]);
        match decoder.decode(&mut big) {
            Err(RecordIoError::TooLarge { size: 11, max: 10 }) => {}
            other => panic!("got {other:?}"),
        }
        match decode_all(&[b"10\nhello"]) {
            Err(RecordIoError::Truncated(5)) => {}
            other => panic!("got {other:?}"),
        }
        let overflow = decode_all(&[b"99999999999999999999\n"]);
        assert!(matches!(
            overflow,
            Err(RecordIoError::MalformedLength(_)) | Err(RecordIoError::TooLarge { .. })
        ));
    }
}
