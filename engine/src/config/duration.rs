//! Durations as operators write them: "30s", "10m", "1h", "1h 30m" (humantime
//! syntax). Serialized the same way so state and plan files stay readable.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serializer};

pub fn parse(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| {
        format!("\"{text}\" is not a duration ({e}); write e.g. \"30s\", \"10m\" or \"1h\"")
    })
}

pub fn format(d: &Duration) -> String {
    humantime::format_duration(*d).to_string()
}

pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(d))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    parse(&text).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_operator_durations() {
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(format(&Duration::from_secs(600)), "10m");
        assert!(parse("ten minutes").unwrap_err().contains("not a duration"));
    }
}
