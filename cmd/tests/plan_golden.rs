//! `kmesos plan` and `kmesos show` against recorded states: one golden text
//! and JSON rendering per kind of change (create, update, restart, move,
//! destroy, no-op), and the exit codes of `--detailed-exitcode`.

mod common;

use std::fs;
use std::path::Path;

use common::{applied_state, golden, kmesos};

/// The cluster every scenario starts from.
const BASE: &str = r#"cluster "events" {
  kafka {
    kind     = "tansu"
    endpoint = "127.0.0.1:9092"
  }
  config = {
    "log.retention.ms"      = 86400000
    "ssl.keystore.password" = "first-secret"
    "ssl.cipher.suites"     = "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256"
  }

  broker "0..2" {
    cpus = 0.5
    mem  = 512
    port = "31000..31999"
    constraints = {
      hostname = "unique"
    }
  }

  topic "orders" {
    partitions         = 3
    replication_factor = 2
  }

  topic "audit" {
    partitions = 1
  }

  client "orders-load" {
    kind      = "producer"
    instances = 1
    topic     = "orders"
  }
}
"#;

/// A directory with `main.hcl` = `config` and `state.json` = BASE applied.
fn scenario(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("main.hcl"), BASE).expect("write config");
    let planned = kmesos(dir.path(), &["plan", "main.hcl", "--json"]);
    assert_eq!(planned.code, 0, "{}", planned.stderr);
    // Plans redact secrets; the scheduler's state holds the applied value.
    let state = applied_state(&planned.stdout, "6f1c0a8e-golden", 7)
        .replace("\"(sensitive)\"", "\"first-secret\"");
    fs::write(dir.path().join("state.json"), state).expect("write state");
    fs::write(dir.path().join("main.hcl"), config).expect("write config");
    dir
}

/// Plans in `dir` against its state, checks text and JSON against the golden
/// files NAME.txt and NAME.json, and returns the text.
fn plan_matches(dir: &Path, name: &str) -> String {
    let text = kmesos(dir, &["plan", "main.hcl", "--state", "state.json"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    golden(&format!("{name}.txt"), &text.stdout);
    let json = kmesos(
        dir,
        &["plan", "main.hcl", "--state", "state.json", "--json"],
    );
    assert_eq!(json.code, 0, "{}", json.stderr);
    golden(&format!("{name}.json"), &json.stdout);
    assert!(
        !json.stdout.contains("secret\""),
        "a secret leaked into the JSON plan"
    );
    text.stdout
}

#[test]
fn create_everything_against_a_missing_state() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("main.hcl"), BASE).expect("write config");
    let text = plan_matches(dir.path(), "create");
    assert!(
        text.contains("Plan: 7 to create, 0 to update, 0 to restart, 0 to destroy.\n"),
        "{text}"
    );
    assert!(text.contains("= (sensitive)") && !text.contains("first-secret"));
}

#[test]
fn no_changes_once_applied() {
    let dir = scenario(BASE);
    let text = plan_matches(dir.path(), "no-op");
    assert_eq!(text, "No changes. The clusters match the configuration.\n");
}

#[test]
fn dynamic_configs_partitions_and_secrets_update_in_place() {
    let config = BASE
        .replace(
            "\"log.retention.ms\"      = 86400000",
            "\"log.retention.ms\"      = 172800000",
        )
        .replace("first-secret", "second-secret")
        .replace("TLS_AES_256_GCM_SHA384", "TLS_AES_128_CCM_SHA256")
        .replace("partitions         = 3", "partitions         = 6")
        .replace("instances = 1", "instances = 3");
    let dir = scenario(&config);
    let text = plan_matches(dir.path(), "update");
    assert!(
        text.contains("Plan: 0 to create, 3 to update, 0 to restart, 0 to destroy.\n"),
        "{text}"
    );
    assert!(!text.contains("second-secret"));
}

#[test]
fn resources_and_static_configs_force_a_restart() {
    let config = BASE.replace("cpus = 0.5", "cpus = 1").replace(
        "\"log.retention.ms\"      = 86400000",
        "\"log.retention.ms\"      = 86400000\n    \"auto.create.topics.enable\" = false",
    );
    let dir = scenario(&config);
    let text = plan_matches(dir.path(), "restart");
    assert!(text.contains("# forces restart"), "{text}");
    // Against a state file the broker stops cannot be checked against the
    // live partitions, and the plan says so.
    assert!(
        text.ends_with("Availability:\n  not analyzed for cluster events: planned against a state file: no live scheduler to read the partitions from\n"),
        "{text}"
    );
    assert!(
        text.contains("Plan: 0 to create, 1 to update, 3 to restart, 0 to destroy.\n"),
        "{text}"
    );
}

#[test]
fn a_broker_outside_its_new_constraints_moves() {
    let config = BASE.replace(
        "hostname = \"unique\"",
        "hostname = \"unique\"\n      rack     = \"like:r[12]\"",
    );
    let dir = scenario(&config);
    let text = plan_matches(dir.path(), "move");
    assert!(
        text.contains("cluster.events.broker.2 must move to another agent"),
        "{text}"
    );
    assert!(
        text.contains("Plan: 0 to create, 2 to update, 0 to restart, 1 to move, 0 to destroy.\n"),
        "{text}"
    );
}

#[test]
fn removed_brokers_topics_and_clients_are_destroyed() {
    let config = BASE
        .replace("broker \"0..2\"", "broker \"0..1\"")
        .replace("  topic \"audit\" {\n    partitions = 1\n  }\n\n", "");
    let config = config[..config.find("  client").expect("client block")].to_string() + "}\n";
    let dir = scenario(&config);
    let text = plan_matches(dir.path(), "destroy");
    assert!(
        text.contains("Plan: 0 to create, 0 to update, 0 to restart, 3 to destroy.\n"),
        "{text}"
    );
}

#[test]
fn detailed_exitcode_tells_changes_apart() {
    let dir = scenario(BASE);
    let args = [
        "plan",
        "main.hcl",
        "--state",
        "state.json",
        "--detailed-exitcode",
    ];
    assert_eq!(kmesos(dir.path(), &args).code, 0, "no changes");
    fs::write(
        dir.path().join("main.hcl"),
        BASE.replace("cpus = 0.5", "cpus = 2"),
    )
    .expect("write");
    assert_eq!(kmesos(dir.path(), &args).code, 2, "changes");
    fs::write(dir.path().join("main.hcl"), "cluster {").expect("write");
    assert_eq!(kmesos(dir.path(), &args).code, 1, "error");
}

#[test]
fn a_saved_plan_shows_as_it_was_planned() {
    let dir = scenario(&BASE.replace("cpus = 0.5", "cpus = 2"));
    let planned = kmesos(
        dir.path(),
        &[
            "plan",
            "main.hcl",
            "--state",
            "state.json",
            "--out",
            "plan.json",
        ],
    );
    assert_eq!(planned.code, 0, "{}", planned.stderr);
    let shown = kmesos(dir.path(), &["show", "plan.json"]);
    assert_eq!(
        (shown.code, shown.stdout.as_str()),
        (0, planned.stdout.as_str())
    );
    let shown_json = kmesos(dir.path(), &["show", "--json", "plan.json"]);
    let saved = fs::read_to_string(dir.path().join("plan.json")).expect("saved plan");
    assert_eq!(shown_json.stdout, saved);
    let plan: serde_json::Value = serde_json::from_str(&saved).expect("JSON");
    assert_eq!(
        (plan["lineage"].as_str(), plan["serial"].as_u64()),
        (Some("6f1c0a8e-golden"), Some(7))
    );

    let not_a_plan = kmesos(dir.path(), &["show", "state.json"]);
    assert_eq!(not_a_plan.code, 1);
    assert!(
        not_a_plan
            .stderr
            .contains("state.json is not a kmesos plan"),
        "{}",
        not_a_plan.stderr
    );
}
