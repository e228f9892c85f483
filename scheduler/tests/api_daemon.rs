//! The daemon's HTTP API against a real embedded Mesos cluster: health is
//! open, everything else wants the bearer token, state output hides secrets,
//! artifacts are served with their sha256, bad requests get clear errors (a
//! change set the state contradicts among them), a refresh answers for each
//! Apache cluster, the metrics show the subscription, and the OpenAPI
//! document names every route.

use std::time::{Duration, Instant};

use kmesos_scheduler::artifacts::{sha256_of, ARTIFACTS_PATH};
use kmesos_scheduler::daemon::{Daemon, Options};
use kmesos_scheduler::store::FileStore;
use kmesos_scheduler::wire::ApplyRequest;
use mesos_local::{LocalCluster, LocalConfig};

const TOKEN: &str = "s3cret-token";

/// A state holding one cluster with a secret property, as a user would seed it.
fn seeded_state() -> String {
    serde_json::json!({
        "format_version": 1,
        "lineage": "api-test-lineage",
        "serial": 4,
        "clusters": {
            "secure": {
                "kafka": {"kind": "tansu"},
                "config": {
                    "sasl.jaas.config": "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"hunter2\";",
                    "num.io.threads": "8"
                }
            },
            "stream": {"kafka": {"kind": "apache"}}
        }
    })
    .to_string()
}

struct Setup {
    _dir: tempfile::TempDir,
    _cluster: LocalCluster,
    daemon: Daemon,
    executor: std::path::PathBuf,
    http: reqwest::Client,
}

impl Setup {
    async fn start() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let cluster = LocalCluster::start(LocalConfig::with_agents(
            "127.0.0.1:0".parse().unwrap(),
            1,
            dir.path().join("mesos"),
        ))
        .await
        .unwrap();
        let state = dir.path().join("state.json");
        std::fs::write(&state, seeded_state()).unwrap();
        // Any file serves as the artifact here: nothing is launched.
        let executor = dir.path().join("kmesos-executor");
        std::fs::write(&executor, b"#!/bin/sh\necho executor\n").unwrap();
        let dist = dir.path().join("kafka_2.13-4.1.0.tgz");
        std::fs::write(&dist, b"not really a tarball").unwrap();
        let store = Box::new(FileStore::open(&state).unwrap());
        let options = Options {
            master: cluster.master_url(),
            api: "127.0.0.1:0".parse().unwrap(),
            advertised_url: None,
            kafka: None,
            token: Some(TOKEN.into()),
            executor: executor.clone(),
            tansu: None,
            distributions: vec![dist],
            tune: None,
        };
        let daemon = Daemon::start(options, store).await.unwrap();
        Setup {
            _dir: dir,
            _cluster: cluster,
            daemon,
            executor,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.daemon.api_addr)
    }

    async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.http.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    async fn wait_subscribed(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let health: serde_json::Value =
                self.get("/v1/health", None).await.json().await.unwrap();
            if health["subscribed"] == true {
                return;
            }
            assert!(Instant::now() < deadline, "never subscribed: {health}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// The `error` of an error answer, once its status is checked.
async fn error_of(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status(), status);
    let body: serde_json::Value = response.json().await.unwrap();
    match body["error"].as_str() {
        Some(error) => error.to_string(),
        None => panic!("no error in {body}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_but_health_and_artifacts_wants_the_token() {
    let setup = Setup::start().await;
    setup.wait_subscribed().await;

    for path in ["/v1/state", "/metrics", "/v1/applies/apply-1/progress"] {
        let refused = setup.get(path, None).await;
        assert_eq!(refused.status(), 401, "{path}");
        assert_eq!(refused.headers()["www-authenticate"], "Bearer");
        assert_eq!(setup.get(path, Some("wrong")).await.status(), 401, "{path}");
    }
    let post = setup
        .http
        .post(setup.url("/v1/applies"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 401);

    let health: serde_json::Value = setup.get("/v1/health", None).await.json().await.unwrap();
    assert_eq!(health["lineage"], "api-test-lineage");
    assert!(
        health["framework_id"]
            .as_str()
            .is_some_and(|f| !f.is_empty()),
        "{health}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_answers_for_each_apache_cluster() {
    let setup = Setup::start().await;
    setup.wait_subscribed().await;
    let refresh = || setup.http.post(setup.url("/v1/refresh"));
    assert_eq!(refresh().send().await.unwrap().status(), 401);
    let answer = refresh().bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let report: serde_json::Value = answer.json().await.unwrap();
    // The tansu cluster is not read; the Apache one has no broker running.
    assert_eq!(
        report,
        serde_json::json!({"clusters": [{
            "cluster": "stream",
            "drifted": [],
            "skipped": "no broker of it is running"
        }]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_is_served_with_secrets_redacted() {
    let setup = Setup::start().await;
    let text = setup
        .get("/v1/state", Some(TOKEN))
        .await
        .text()
        .await
        .unwrap();
    assert!(!text.contains("hunter2"), "{text}");
    let state = engine::State::parse(&text, "GET /v1/state").unwrap();
    let config = &state.clusters["secure"].config;
    assert_eq!(config["sasl.jaas.config"], "(sensitive)");
    assert_eq!(config["num.io.threads"], "8");
    assert_eq!(state.lineage, "api-test-lineage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifacts_are_served_with_their_sha256_without_a_token() {
    let setup = Setup::start().await;
    let response = setup.get("/artifacts/kmesos-executor", None).await;
    assert_eq!(response.status(), 200);
    let expected = sha256_of(&setup.executor).unwrap();
    assert_eq!(
        response.headers()["etag"],
        format!("\"{expected}\"").as_str()
    );
    let body = response.bytes().await.unwrap();
    assert_eq!(&body[..], &std::fs::read(&setup.executor).unwrap()[..]);
    assert_eq!(setup.get("/artifacts/tansu", None).await.status(), 404);
    let dist = setup.get("/artifacts/kafka_2.13-4.1.0.tgz", None).await;
    assert_eq!(dist.status(), 200);
    assert_eq!(&dist.bytes().await.unwrap()[..], b"not really a tarball");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_errors_that_say_what_is_wrong() {
    let setup = Setup::start().await;
    let bad = setup
        .http
        .post(setup.url("/v1/applies"))
        .bearer_auth(TOKEN)
        .body(r#"{"holder": "me"}"#)
        .send()
        .await
        .unwrap();
    let error = error_of(bad, 400).await;
    assert!(error.contains("missing field `plan`"), "{error}");
    for holder in ["", "  ", "me\nyou"] {
        let restart = setup
            .http
            .post(setup.url("/v1/brokers/secure/0/restart"))
            .bearer_auth(TOKEN)
            .json(&serde_json::json!({ "holder": holder }))
            .send()
            .await
            .unwrap();
        let error = error_of(restart, 400).await;
        assert!(
            error.contains("holder must say who submits"),
            "{holder:?}: {error}"
        );
    }

    let unknown = setup
        .get("/v1/applies/apply-404/progress", Some(TOKEN))
        .await;
    assert_eq!(unknown.status(), 404);
    let none = setup
        .http
        .post(setup.url("/v1/applies/current/cancel"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 404);
    for query in [
        "file=../../etc/passwd",
        "file=/etc/passwd",
        "stream=syslog",
        "stream=stdout&file=x",
    ] {
        let refused = setup
            .get(&format!("/v1/brokers/secure/0/log?{query}"), Some(TOKEN))
            .await;
        assert_eq!(refused.status(), 400, "{query}");
    }
    let log = setup.get("/v1/brokers/secure/7/log", Some(TOKEN)).await;
    let error = error_of(log, 404).await;
    assert!(
        error.contains("broker 7 of cluster secure has no task"),
        "{error}"
    );
    // Only the task's log files: not its data, config or anything nested.
    for file in [
        "data/tansu.db",
        "server.properties",
        "kafka.keystore",
        ".log",
        "kafka-app-logs/../server.properties",
        "kafka-app-logs/x/server.log",
    ] {
        let refused = setup
            .get(
                &format!("/v1/brokers/secure/0/log?file={file}"),
                Some(TOKEN),
            )
            .await;
        let error = error_of(refused, 400).await;
        assert!(error.contains("must be a log file"), "{file}: {error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_framework_refuses_is_answered_in_the_documented_json_too() {
    let setup = Setup::start().await;
    let post = |path: &str, body: Vec<u8>| {
        setup
            .http
            .post(setup.url(path))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let not_json = post("/v1/applies", b"{not json".to_vec()).await.unwrap();
    assert!(!error_of(not_json, 400).await.is_empty());
    let wrong_type = post("/v1/brokers/secure/0/restart", br#"{"holder": 5}"#.to_vec())
        .await
        .unwrap();
    assert!(error_of(wrong_type, 422).await.contains("holder"));
    let (status, too_large) = declared_too_large(&setup, "/v1/applies").await;
    assert_eq!(status, 413, "{too_large}");
    assert!(
        too_large["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{too_large}"
    );
    let bad_id = setup.get("/v1/brokers/secure/zero/log", Some(TOKEN)).await;
    assert!(!error_of(bad_id, 400).await.is_empty());
    let wrong_method = setup.get("/v1/applies", Some(TOKEN)).await;
    assert!(wrong_method.headers().contains_key("allow"));
    assert_eq!(error_of(wrong_method, 405).await, "method not allowed");
    let nowhere = setup.get("/v1/nowhere", Some(TOKEN)).await;
    assert_eq!(error_of(nowhere, 404).await, "not found");
}

/// A POST declaring a 3 MiB body, answered before the body is sent (the
/// server refuses on the length alone, then closes the connection, so a
/// client still sending the body may see the close before the answer):
/// the status and the JSON body.
async fn declared_too_large(setup: &Setup, path: &str) -> (u16, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(setup.daemon.api_addr)
        .await
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        setup.daemon.api_addr,
        3 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let read = async {
        let mut answer = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "closed before a whole answer: {answer:?}");
            answer.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&answer).to_string();
            let Some((head, body)) = text.split_once("\r\n\r\n") else {
                continue;
            };
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .expect("a content-length");
            if body.len() >= length {
                let status = head.split(' ').nth(1).and_then(|s| s.parse().ok());
                let status = status.unwrap_or_else(|| panic!("no status in {head}"));
                let body =
                    serde_json::from_str(&body[..length]).unwrap_or_else(|e| panic!("{e}: {body}"));
                return (status, body);
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("answered without the body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_set_the_state_contradicts_is_refused_naming_the_resource() {
    let setup = Setup::start().await;
    // Subscribing records the framework id (a write: the generation moves).
    let deadline = Instant::now() + Duration::from_secs(60);
    while setup.daemon.handle.view().state.framework_id.is_none() {
        assert!(Instant::now() < deadline, "never subscribed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let state = setup.daemon.handle.view().state.clone();
    let hcl = r#"cluster "secure" {
  kafka {
    kind = "tansu"
  }
  broker "0" {}
}
"#;
    let config = engine::load(
        &[engine::SourceFile::new("main.hcl", hcl)],
        &engine::Vars::new(),
    )
    .unwrap();
    // Issue 12: "create" for a cluster the state has, at its lineage and serial.
    let mut forged = engine::diff(&config, &engine::State::empty()).unwrap();
    forged.lineage = state.lineage.clone();
    forged.serial = state.serial;
    let submit = |plan: engine::Plan| {
        let request = ApplyRequest {
            plan,
            config: config.clone(),
            holder: "forger".into(),
            allow_unavailable: false,
        };
        setup
            .http
            .post(setup.url("/v1/applies"))
            .bearer_auth(TOKEN)
            .json(&request)
            .send()
    };
    let error = error_of(submit(forged.clone()).await.unwrap(), 400).await;
    assert!(
        error.starts_with("cluster.secure: the change set says create"),
        "{error}"
    );
    forged.format_version = 2;
    let error = error_of(submit(forged).await.unwrap(), 400).await;
    assert!(
        error.contains("format_version 2 is not supported"),
        "{error}"
    );
    assert_eq!(
        setup.daemon.handle.view().state.clusters,
        state.clusters,
        "nothing was applied"
    );
    assert!(setup.daemon.handle.view().apply.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_show_the_subscription_and_the_state_serial() {
    let setup = Setup::start().await;
    setup.wait_subscribed().await;
    let text = setup
        .get("/metrics", Some(TOKEN))
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("kmesos_mesos_subscribed 1"), "{text}");
    let serial: u64 = setup.daemon.handle.view().state.serial;
    assert!(serial >= 4, "the seeded serial only grows");
    assert!(
        text.contains(&format!("kmesos_state_serial {serial}")),
        "{text}"
    );
    assert!(text.contains("kmesos_apply_running 0"), "{text}");
}

/// The routes `api::router` serves, as (method, path), read from its source
/// so that a route added there and not to the OpenAPI document fails the test
/// below. The artifacts' route is built from `ARTIFACTS_PATH` elsewhere.
fn routes_served() -> Vec<(String, String)> {
    let mut routes: Vec<(String, String)> = include_str!("../src/api.rs")
        .split(".route(")
        .skip(1)
        .map(|call| {
            let (path, rest) = call
                .trim_start()
                .strip_prefix('"')
                .and_then(|c| c.split_once('"'))
                .unwrap_or_else(|| panic!("a route without a literal path: {call}"));
            let method = rest.trim_start_matches([',', ' ', '\n']).split('(').next();
            (method.unwrap_or_default().to_string(), path.to_string())
        })
        .collect();
    assert!(
        routes.contains(&("get".into(), "/v1/health".into())),
        "{routes:?}"
    );
    routes.push(("get".into(), format!("{ARTIFACTS_PATH}/{{name}}")));
    routes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_names_every_route_and_who_may_call_it() {
    let setup = Setup::start().await;
    let response = setup.get("/v1/openapi.json", None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let document: serde_json::Value = response.json().await.unwrap();
    assert!(document["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.")));

    for (method, path) in routes_served() {
        assert!(
            document["paths"][&path][&method].is_object(),
            "{method} {path} is not in the document"
        );
    }
    // Every documented operation is served, and wants the token unless the
    // document says it is open.
    let paths = document["paths"].as_object().unwrap();
    for (path, operations) in paths {
        let url = path
            .split('/')
            .map(|part| match part.starts_with('{') {
                true => "0",
                false => part,
            })
            .collect::<Vec<_>>()
            .join("/");
        for (method, operation) in operations.as_object().unwrap() {
            let open = operation
                .get("security")
                .unwrap_or(&document["security"])
                .as_array()
                .is_some_and(|s| s.is_empty());
            let request = |token: Option<&str>| {
                let method = method.to_uppercase().parse().unwrap();
                let request = setup.http.request(method, setup.url(&url));
                match token {
                    Some(token) => request.bearer_auth(token),
                    None => request,
                }
                .send()
            };
            let anonymous = request(None).await.unwrap().status();
            assert_eq!(anonymous == 401, !open, "{method} {path} without a token");
            let answer = request(Some(TOKEN)).await.unwrap();
            let status = answer.status();
            let body: serde_json::Value = answer.json().await.unwrap_or_default();
            assert!(
                status != 405 && !(status == 404 && body["error"] == "not found"),
                "{method} {path} is documented but not served: {status} {body}"
            );
            let documented = &operation["responses"][status.as_str()];
            assert!(
                documented.is_object(),
                "{method} {path}: {status} is not documented"
            );
        }
    }
}
