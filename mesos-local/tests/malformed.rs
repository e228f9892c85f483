//! Malformed and misdirected calls get the status code and message a real
//! Mesos master (or agent) gives, and the cluster keeps serving: raw HTTP
//! for what a client library would never send, the scheduler client for
//! ACCEPTs whose problems are reported as task updates.

mod common;

use common::*;
use mesos::proto::task_status::Reason;
use mesos::proto::{OfferId, TaskState};
use mesos::scheduler::operations;
use reqwest::StatusCode;

const JSON: &str = "application/json";

async fn post(
    url: &str,
    content_type: Option<&str>,
    stream_id: Option<&str>,
    body: &str,
) -> (StatusCode, String) {
    let mut request = reqwest::Client::new().post(url).body(body.to_string());
    if let Some(ct) = content_type {
        request = request.header("Content-Type", ct);
    }
    if let Some(id) = stream_id {
        request = request.header("Mesos-Stream-Id", id);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// Subscribes over raw HTTP; returns the open response, its stream id and framework id.
async fn raw_subscribe(url: &str) -> (reqwest::Response, String, String) {
    let body = r#"{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"raw",
        "failover_timeout":3600,"capabilities":[{"type":"PARTITION_AWARE"}]}}}"#;
    let mut response = reqwest::Client::new()
        .post(url)
        .header("Content-Type", JSON)
        .body(body)
        .send()
        .await
        .expect("subscribe");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], JSON);
    let stream_id = response.headers()["mesos-stream-id"]
        .to_str()
        .unwrap()
        .to_string();
    let mut buf = Vec::new();
    let record = loop {
        buf.extend_from_slice(&response.chunk().await.unwrap().expect("SUBSCRIBED record"));
        let Some(newline) = buf.iter().position(|&b| b == b'\n') else {
            continue;
        };
        let len: usize = std::str::from_utf8(&buf[..newline])
            .unwrap()
            .parse()
            .unwrap();
        if buf.len() >= newline + 1 + len {
            break serde_json::from_slice::<serde_json::Value>(
                &buf[newline + 1..newline + 1 + len],
            )
            .unwrap();
        }
    };
    assert_eq!(record["type"], "SUBSCRIBED");
    let framework_id = record["subscribed"]["framework_id"]["value"]
        .as_str()
        .unwrap()
        .to_string();
    (response, stream_id, framework_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_scheduler_calls_get_the_masters_status_codes() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let api = format!("{}/api/v1/scheduler", cluster.master_url());

    let (code, text) = post(&api, None, None, "{}").await;
    assert_eq!(
        (code, text.as_str()),
        (
            StatusCode::BAD_REQUEST,
            "Expecting 'Content-Type' to be present"
        )
    );
    let (code, _) = post(&api, Some("application/json; charset=utf-8"), None, "{}").await;
    assert_eq!(code, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (code, text) = post(&api, Some(JSON), None, "{not json").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(text.starts_with("Failed to parse body into JSON"), "{text}");
    let (code, text) = post(
        &api,
        Some(JSON),
        None,
        r#"{"type":"SUBSCRIBE","subscribe":{"framework_info":{"name":"x"}}}"#,
    )
    .await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(
        text.starts_with("Failed to convert JSON into Call protobuf") && text.contains("user"),
        "{text}"
    );
    let (code, text) = post(&api, Some("application/x-protobuf"), None, "\u{ff}garbage").await;
    assert_eq!(
        (code, text.as_str()),
        (
            StatusCode::BAD_REQUEST,
            "Failed to parse body into Call protobuf"
        )
    );
    let got = reqwest::get(&api).await.unwrap().status();
    assert_eq!(got, StatusCode::METHOD_NOT_ALLOWED);
    let (code, text) = post(
        &api,
        Some(JSON),
        None,
        r#"{"type":"REVIVE","framework_id":{"value":"nope"}}"#,
    )
    .await;
    assert_eq!(
        (code, text.as_str()),
        (StatusCode::BAD_REQUEST, "Framework cannot be found")
    );
    let (code, text) = post(&api, Some(JSON), None, r#"{"type":"DECLINE"}"#).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(
        text.ends_with("Expecting 'framework_id' to be present"),
        "{text}"
    );

    let (stream, stream_id, framework_id) = raw_subscribe(&api).await;
    let revive = format!(r#"{{"type":"REVIVE","framework_id":{{"value":"{framework_id}"}}}}"#);
    let (code, text) = post(&api, Some(JSON), None, &revive).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(text.contains("'Mesos-Stream-Id'"), "{text}");
    let (code, _) = post(&api, Some(JSON), Some("not-the-stream"), &revive).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    let (code, text) = post(&api, Some(JSON), Some(&stream_id), &revive).await;
    assert_eq!((code, text.as_str()), (StatusCode::ACCEPTED, ""));
    let bad_ack = format!(
        r#"{{"type":"ACKNOWLEDGE","framework_id":{{"value":"{framework_id}"}},
            "acknowledge":{{"agent_id":{{"value":"a"}},"task_id":{{"value":"t"}},"uuid":"AAAA"}}}}"#
    );
    let (code, text) = post(&api, Some(JSON), Some(&stream_id), &bad_ack).await;
    assert_eq!(
        (code, text.as_str()),
        (
            StatusCode::BAD_REQUEST,
            "Failed to validate scheduler::Call: Not a valid UUID"
        )
    );
    let subscribe_with_id =
        r#"{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n"}}}"#;
    let (code, _) = post(&api, Some(JSON), Some(&stream_id), subscribe_with_id).await;
    assert_eq!(
        code,
        StatusCode::BAD_REQUEST,
        "SUBSCRIBE must not carry a stream id"
    );

    // Once its stream is gone, the framework is not subscribed: 403.
    drop(stream);
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let (code, text) = post(&api, Some(JSON), Some(&stream_id), &revive).await;
        if code == StatusCode::FORBIDDEN {
            assert_eq!(text, "Framework is not subscribed");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still {code} after the stream closed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let version: serde_json::Value = reqwest::get(format!("{}/version", cluster.master_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(version["version"].is_string(), "the master still serves");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_offers_and_oversized_tasks_are_reported_as_task_updates() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let mut fw = TestFramework::subscribe(&cluster.master_url(), None).await;
    let offer = fw.offer().await;

    let bogus = OfferId {
        value: "no-such-offer".into(),
    };
    let task = command_task(&offer, "orphan", "true");
    fw.scheduler
        .accept(vec![bogus], vec![operations::launch(vec![task])], None)
        .await
        .unwrap();
    let dropped = fw.update("orphan", TaskState::TaskDropped).await;
    assert_eq!(dropped.reason(), Reason::ReasonInvalidOffers);
    assert_eq!(dropped.message(), "Offer no-such-offer is no longer valid");

    let mut greedy = command_task(&offer, "greedy", "true");
    greedy.resources = allocated(vec![scalar("cpus", 100.0)], &offer);
    fw.scheduler
        .accept(
            vec![offer.id.clone().unwrap()],
            vec![operations::launch(vec![greedy])],
            None,
        )
        .await
        .unwrap();
    let error = fw.update("greedy", TaskState::TaskError).await;
    assert_eq!(error.reason(), Reason::ReasonTaskInvalid);
    assert!(
        error.message().contains("more than available"),
        "{}",
        error.message()
    );
    assert!(error.uuid.is_none());

    // The offer is used up: accepting it again is an invalid-offer drop.
    let again = command_task(&offer, "late", "true");
    fw.scheduler
        .accept(
            vec![offer.id.clone().unwrap()],
            vec![operations::launch(vec![again])],
            None,
        )
        .await
        .unwrap();
    fw.update("late", TaskState::TaskDropped).await;

    // A task id still in use cannot be launched again.
    fw.scheduler.revive(vec![]).await.unwrap();
    fw.launch_command_task("twice", "sleep 600").await;
    fw.update("twice", TaskState::TaskRunning).await;
    fw.scheduler.revive(vec![]).await.unwrap();
    fw.launch_command_task("twice", "sleep 600").await;
    let duplicate = fw.update("twice", TaskState::TaskError).await;
    assert_eq!(duplicate.message(), "Task has duplicate ID: twice");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_executor_calls_get_the_agents_status_codes() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let api = format!("http://{}/api/v1/executor", cluster.agents()[0].address);
    let ids = r#""framework_id":{"value":"F"},"executor_id":{"value":"E"}"#;

    let (code, _) = post(&api, None, None, "{}").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    let (code, text) = post(&api, Some(JSON), None, "[").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(text.starts_with("Failed to parse body into JSON"), "{text}");
    let (code, _) = post(
        &api,
        Some(JSON),
        None,
        &format!(r#"{{"type":"HEARTBEAT",{ids}}}"#),
    )
    .await;
    assert_eq!(
        code,
        StatusCode::ACCEPTED,
        "heartbeats are accepted before any lookup"
    );
    let (code, text) = post(
        &api,
        Some(JSON),
        None,
        &format!(r#"{{"type":"SUBSCRIBE",{ids},"subscribe":{{}}}}"#),
    )
    .await;
    assert_eq!(
        (code, text.as_str()),
        (StatusCode::BAD_REQUEST, "Framework cannot be found")
    );
    let staging = format!(
        r#"{{"type":"UPDATE",{ids},"update":{{"status":{{"task_id":{{"value":"t"}},"state":"TASK_STAGING",
            "source":"SOURCE_EXECUTOR","uuid":"mw88Lk16TxuKYyxefZ8aBA=="}}}}}}"#
    );
    let (code, text) = post(&api, Some(JSON), None, &staging).await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(text.contains("TASK_STAGING"), "{text}");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_bodies_never_get_a_server_error() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let scheduler = format!("{}/api/v1/scheduler", cluster.master_url());
    let executor = format!("http://{}/api/v1/executor", cluster.agents()[0].address);
    // Deterministic pseudo-random bodies, plus near-misses of real calls.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut bodies: Vec<Vec<u8>> = (0..40)
        .map(|len| {
            (0..len * 7)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect()
        })
        .collect();
    for text in [
        r#"{"type":"ACCEPT","framework_id":{"value":"x"},"accept":{"offer_ids":[{"value":7}]}}"#,
        r#"{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","roles":"notalist"}}}"#,
        r#"{"type":"UPDATE","framework_id":{"value":"F"},"executor_id":{"value":"E"},"update":{}}"#,
        r#"{"type":12345}"#,
        "null",
        "[]",
    ] {
        bodies.push(text.as_bytes().to_vec());
    }
    let client = reqwest::Client::new();
    for url in [&scheduler, &executor] {
        for content_type in [JSON, "application/x-protobuf"] {
            for body in &bodies {
                let response = client
                    .post(url.as_str())
                    .header("Content-Type", content_type)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                assert!(
                    !status.is_server_error(),
                    "{url} {content_type} {body:?}: {status}"
                );
            }
        }
    }
    let version = client
        .get(format!("{}/version", cluster.master_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(version.status(), StatusCode::OK);
    let mut fw = TestFramework::subscribe(&cluster.master_url(), None).await;
    fw.offer().await;
    cluster.shutdown().await;
}
