//! Byte rates as operators write them: "50MB/s", "512KiB/s", "1GB/s"
//! (decimal units of 1000, binary ones of 1024, "B/s" for bytes). Kept as
//! bytes per second, which is what Kafka's replication throttles take, and
//! written back in the largest unit that divides it exactly.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A rate in bytes per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteRate(pub u64);

/// Units, largest first within each family, so that writing one back picks
/// the largest that divides it.
const UNITS: &[(&str, u64)] = &[
    ("GiB", 1 << 30),
    ("GB", 1_000_000_000),
    ("MiB", 1 << 20),
    ("MB", 1_000_000),
    ("KiB", 1 << 10),
    ("KB", 1_000),
    ("B", 1),
];

impl ByteRate {
    pub fn parse(text: &str) -> Result<ByteRate, String> {
        let wrong = || {
            format!(
                "\"{text}\" is not a byte rate; write e.g. \"50MB/s\", \"512KiB/s\" or \"1GB/s\""
            )
        };
        let amount = text.trim().strip_suffix("/s").ok_or_else(wrong)?;
        let split = amount
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(wrong)?;
        let (number, unit) = amount.split_at(split);
        let number: u64 = number.parse().map_err(|_| wrong())?;
        let (_, factor) = UNITS
            .iter()
            .find(|(name, _)| *name == unit.trim())
            .ok_or_else(wrong)?;
        match number.checked_mul(*factor) {
            Some(0) => Err(format!("{text}: a throttle must be above 0")),
            Some(bytes) => Ok(ByteRate(bytes)),
            None => Err(format!("{text}: too large")),
        }
    }
}

impl fmt::Display for ByteRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, factor) = UNITS
            .iter()
            .find(|(_, factor)| self.0.is_multiple_of(*factor))
            .unwrap_or(&("B", 1));
        write!(f, "{}{name}/s", self.0 / factor)
    }
}

impl Serialize for ByteRate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ByteRate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ByteRate, D::Error> {
        let text = String::deserialize(d)?;
        ByteRate::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_operator_rates() {
        assert_eq!(ByteRate::parse("50MB/s"), Ok(ByteRate(50_000_000)));
        assert_eq!(ByteRate::parse("512KiB/s"), Ok(ByteRate(524_288)));
        assert_eq!(ByteRate::parse("10 MiB/s"), Ok(ByteRate(10 << 20)));
        assert_eq!(ByteRate(50_000_000).to_string(), "50MB/s");
        assert_eq!(ByteRate(1_048_576).to_string(), "1MiB/s");
        assert_eq!(ByteRate(1_500).to_string(), "1500B/s");
        assert!(ByteRate::parse("fast")
            .unwrap_err()
            .contains("not a byte rate"));
        assert!(ByteRate::parse("50MB")
            .unwrap_err()
            .contains("not a byte rate"));
        assert!(ByteRate::parse("0MB/s").unwrap_err().contains("above 0"));
    }
}
