//! What a producer or consumer instance last reported: Apache Kafka's
//! performance tools print their throughput to `client.stdout` every
//! reporting interval, and the latest such line says how the instance is
//! doing now. A producer's line is
//! `1002 records sent, 200.2 records/sec (0.02 MB/sec), 20.2 ms avg latency, 131.0 ms max latency.`;
//! a consumer's (`--show-detailed-stats`) is a CSV row under the header
//! `time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, …`.

use engine::config::ClientKind;

use crate::wire::Throughput;

/// The latest report among `lines` (oldest first) of a `kind` instance.
pub fn latest(kind: ClientKind, lines: &[String]) -> Option<Throughput> {
    let parse = match kind {
        ClientKind::Producer => producer_report,
        ClientKind::Consumer => consumer_report,
        ClientKind::Command => return None,
    };
    lines.iter().rev().find_map(|line| parse(line))
}

fn producer_report(line: &str) -> Option<Throughput> {
    let (_, rest) = line.split_once(" records sent, ")?;
    let (per_sec, rest) = rest.split_once(" records/sec (")?;
    let (mb, rest) = rest.split_once(" MB/sec), ")?;
    let (avg, rest) = rest.split_once(" ms avg latency, ")?;
    let (max, _) = rest.split_once(" ms max latency")?;
    Some(Throughput {
        messages_per_sec: per_sec.trim().parse().ok()?,
        mb_per_sec: mb.trim().parse().ok()?,
        avg_latency_ms: Some(avg.trim().parse().ok()?),
        max_latency_ms: Some(max.trim().parse().ok()?),
    })
}

fn consumer_report(line: &str) -> Option<Throughput> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    // time, threadId, MB, MB.sec, nMsg, nMsg.sec, rebalance ms, fetch ms, ...
    if fields.len() < 6 || fields[0] == "time" {
        return None;
    }
    Some(Throughput {
        messages_per_sec: fields[5].parse().ok()?,
        mb_per_sec: fields[3].parse().ok()?,
        avg_latency_ms: None,
        max_latency_ms: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(String::from).collect()
    }

    #[test]
    fn a_producer_reports_its_latest_rate_and_latencies() {
        let out = lines(
            "979 records sent, 195.4 records/sec (0.02 MB/sec), 333.3 ms avg latency, 1221.0 ms max latency.\n\
             997 records sent, 199.1 records/sec (0.02 MB/sec), 13.6 ms avg latency, 78.0 ms max latency.\n\
             [2026-12-06 21:05:56] WARN a log line the tool printed\n",
        );
        let got = latest(ClientKind::Producer, &out).expect("a report");
        assert_eq!(got.messages_per_sec, 199.1);
        assert_eq!(got.mb_per_sec, 0.02);
        assert_eq!(got.avg_latency_ms, Some(13.6));
        assert_eq!(got.max_latency_ms, Some(78.0));
    }

    #[test]
    fn a_consumer_reports_its_latest_row_and_the_header_is_no_report() {
        let header = "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";
        assert_eq!(latest(ClientKind::Consumer, &lines(header)), None);
        let out = lines(&format!(
            "{header}\n2026-12-06 21:05:51:221, 0, 0.4467, 0.0190, 4684, 199.4404, 0, 5004, 0.0190, 199.4404\n"
        ));
        let got = latest(ClientKind::Consumer, &out).expect("a report");
        assert_eq!(got.messages_per_sec, 199.4404);
        assert_eq!(got.mb_per_sec, 0.0190);
        assert_eq!(got.avg_latency_ms, None);
    }

    #[test]
    fn a_command_or_nothing_printed_yet_reports_nothing() {
        assert_eq!(latest(ClientKind::Command, &lines("hello")), None);
        assert_eq!(latest(ClientKind::Producer, &[]), None);
    }
}
