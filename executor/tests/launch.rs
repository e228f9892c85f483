//! The launch contract as the scheduler and executor exchange it: what is
//! accepted, and that what is refused names the field at fault.

mod common;

use common::{apache_spec, tansu_spec};
use kmesos_executor::launch::{BrokerProgram, LaunchError, LaunchSpec};

fn refusal(json: &serde_json::Value) -> String {
    match LaunchSpec::decode(json.to_string().as_bytes()) {
        Ok(spec) => panic!("accepted {spec:?}"),
        Err(e) => e.to_string(),
    }
}

fn as_json(spec: &LaunchSpec) -> serde_json::Value {
    serde_json::to_value(spec).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn what_the_scheduler_encodes_the_executor_decodes() {
    for spec in [tansu_spec("tansu", 31000), apache_spec("kafka.tgz")] {
        let bytes = spec.to_bytes().unwrap_or_else(|e| panic!("{e}"));
        let decoded = LaunchSpec::decode(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(decoded, spec);
    }
}

#[test]
fn the_documented_example_decodes() {
    let doc = include_str!("../../docs/executor.md");
    let example = doc
        .split("```json")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_else(|| panic!("docs/executor.md has no json example"));
    let spec = LaunchSpec::decode(example.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spec.endpoint(), "agent-1:31000");
    assert_eq!(spec.rack.as_deref(), Some("r1"));
    assert!(matches!(spec.broker, BrokerProgram::Tansu(_)));
}

#[test]
fn another_version_is_refused_before_its_fields_are_read() {
    let mut json = as_json(&tansu_spec("tansu", 31000));
    json["version"] = 2.into();
    json["something_new"] = true.into();
    let err = LaunchSpec::decode(json.to_string().as_bytes());
    assert!(
        matches!(err, Err(LaunchError::Version { found: 2 })),
        "{err:?}"
    );
    assert!(refusal(&json).contains("version 2 is not supported"));
}

#[test]
fn data_that_is_not_json_is_refused() {
    let err = LaunchSpec::decode(b"broker-config-v1").map(|_| ());
    assert!(matches!(err, Err(LaunchError::NotJson(_))), "{err:?}");
}

#[test]
fn a_missing_or_mistyped_field_is_named() {
    let mut json = as_json(&apache_spec("kafka.tgz"));
    json["broker"]["heap_mib"] = "lots".into();
    let message = refusal(&json);
    assert!(message.contains("broker.heap_mib"), "{message}");

    let mut json = as_json(&tansu_spec("tansu", 31000));
    remove(&mut json, &["port"]);
    let message = refusal(&json);
    assert!(message.contains("missing field `port`"), "{message}");

    let mut json = as_json(&tansu_spec("tansu", 31000));
    json["broker"]["kind"] = "redpanda".into();
    let message = refusal(&json);
    assert!(message.contains("redpanda"), "{message}");

    let mut json = as_json(&tansu_spec("tansu", 31000));
    json["prot"] = 1.into();
    let message = refusal(&json);
    assert!(message.contains("prot"), "{message}");
}

/// Sets `value` at `path` (object keys), creating objects on the way.
fn set(json: &mut serde_json::Value, path: &[&str], value: serde_json::Value) {
    let mut at = json;
    for key in path {
        at = &mut at[*key];
    }
    *at = value;
}

fn remove(json: &mut serde_json::Value, path: &[&str]) {
    let (last, parents) = path.split_last().unwrap_or_else(|| panic!("empty path"));
    let mut at = json;
    for key in parents {
        at = &mut at[*key];
    }
    at.as_object_mut().map(|o| o.remove(*last));
}

#[test]
fn values_that_would_misplace_the_broker_are_refused() {
    use serde_json::json;
    let cases = [
        ("port", vec!["port"], json!(0)),
        ("data_dir", vec!["data_dir"], json!("../other-task")),
        ("data_dir", vec!["data_dir"], json!("/var/lib/kafka")),
        ("advertised_host", vec!["advertised_host"], json!("")),
        ("advertised_host", vec!["advertised_host"], json!("::::")),
        (
            "advertised_host",
            vec!["advertised_host"],
            json!("host..example"),
        ),
        ("advertised_host", vec!["advertised_host"], json!("-agent")),
        (
            "advertised_host",
            vec!["advertised_host"],
            json!("10.0.0.1:9092"),
        ),
        ("cluster_id", vec!["cluster_id"], json!("not-a-uuid")),
        (
            "properties.listeners",
            vec!["properties", "listeners"],
            json!("PLAINTEXT://:9092"),
        ),
        (
            "properties.log.dirs",
            vec!["properties", "log.dirs"],
            json!("/tmp"),
        ),
        ("properties.a b", vec!["properties", "a b"], json!("1")),
        (
            "properties.x",
            vec!["properties", "x"],
            json!("line\nnode.id=7"),
        ),
        ("broker.sha256", vec!["broker", "sha256"], json!("ABC")),
        (
            "broker.binary",
            vec!["broker", "binary"],
            json!("../../bin/tansu"),
        ),
    ];
    for (field, path, value) in cases {
        let mut json = as_json(&tansu_spec("tansu", 31000));
        set(&mut json, &path, value);
        let message = refusal(&json);
        assert!(
            message.contains(&format!("`{field}`")),
            "expected {field}: {message}"
        );
    }
}

#[test]
fn host_names_and_ipv4_addresses_are_advertised() {
    for host in [
        "127.0.0.2",
        "agent-1",
        "agent_1.rack-a.example.com",
        "localhost",
    ] {
        let mut json = as_json(&tansu_spec("tansu", 31000));
        json["advertised_host"] = serde_json::json!(host);
        let decoded = LaunchSpec::decode(json.to_string().as_bytes());
        assert!(decoded.is_ok(), "{host}: {:?}", decoded.err());
    }
}

#[test]
fn a_controller_voter_needs_its_controller_port() {
    let apache = || as_json(&apache_spec("kafka.tgz"));

    let mut json = apache();
    remove(&mut json, &["broker", "controller_port"]);
    assert!(refusal(&json).contains("is required: this broker is a controller voter"));

    let mut json = apache();
    set(&mut json, &["broker_id"], 9.into());
    assert!(refusal(&json).contains("not a controller voter"));

    let mut json = apache();
    set(&mut json, &["broker", "controller_port"], 31999.into());
    assert!(refusal(&json).contains("differs from this broker's voter port 31102"));

    let mut json = apache();
    if let Some(id) = json.pointer_mut("/broker/quorum/2/node_id") {
        *id = 1.into();
    }
    assert!(refusal(&json).contains("`broker.quorum[2].node_id`"));
}
