//! Every example validates, plans against an empty state and is formatted.
//! Plans name a missing state file: without `--state`, `kmesos plan` would ask
//! the scheduler of the example's `scheduler` block, which may be running.

mod common;

use common::{kmesos, repo_root};

fn examples() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(repo_root().join("examples"))
        .expect("examples directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// A state file that does not exist: an empty state.
fn no_state() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir
        .path()
        .join("none.json")
        .to_str()
        .expect("utf-8 path")
        .to_string();
    (dir, path)
}

#[test]
fn every_example_validates_plans_and_is_formatted() {
    let (_keep, state) = no_state();
    let dirs = examples();
    assert!(
        dirs.len() >= 2,
        "expected the quickstart and production examples"
    );
    for dir in dirs {
        let path = dir.to_str().expect("utf-8 path");
        let validated = kmesos(&repo_root(), &["validate", path]);
        assert_eq!(validated.code, 0, "{path}: {}", validated.stderr);
        let planned = kmesos(
            &repo_root(),
            &["plan", path, "--state", &state, "--detailed-exitcode"],
        );
        assert_eq!(
            planned.code, 2,
            "{path} should plan changes: {}",
            planned.stderr
        );
        assert!(
            planned.stdout.contains("to create"),
            "{path}: {}",
            planned.stdout
        );
        let fmt = kmesos(&repo_root(), &["fmt", "--check", path]);
        assert_eq!(
            (fmt.code, fmt.stdout.as_str()),
            (0, ""),
            "{path} is not formatted"
        );
    }
}

#[test]
fn quickstart_fits_the_dev_cluster() {
    let (_keep, state) = no_state();
    let planned = kmesos(
        &repo_root(),
        &["plan", "examples/quickstart", "--state", &state, "--json"],
    );
    assert_eq!(planned.code, 0, "{}", planned.stderr);
    let plan: serde_json::Value = serde_json::from_str(&planned.stdout).expect("JSON");
    let config = &plan["configuration"];
    assert_eq!(config["scheduler"]["address"], "http://127.0.0.1:7000");
    let clusters = config["clusters"].as_object().expect("clusters");
    assert_eq!(clusters.len(), 1);
    let cluster = clusters.values().next().expect("one cluster");
    assert_eq!(cluster["kafka"]["kind"], "apache");
    assert_eq!(cluster["kafka"]["endpoint"], "127.0.0.1:9092");
    let brokers = cluster["brokers"].as_object().expect("brokers");
    assert_eq!(brokers.keys().collect::<Vec<_>>(), ["0", "1", "2"]);
    // Each `kmesos dev` agent offers cpus 4, mem 8192, disk 20480, and 1000
    // ports from 31000, 32000 or 33000.
    for broker in brokers.values() {
        assert!(broker["cpus"].as_f64().expect("cpus") <= 4.0);
        assert!(broker["mem"].as_u64().expect("mem") <= 8192);
        assert!(broker["disk"].as_u64().expect("disk") <= 20480);
        let port = &broker["port"]["range"];
        assert!(
            port["from"].as_u64() >= Some(31000) && port["to"].as_u64() <= Some(33999),
            "{port}"
        );
        let heap = broker["heap"].as_u64().expect("heap");
        assert!(heap < broker["mem"].as_u64().unwrap(), "{broker}");
    }
    // Every topic's replicas fit on the three brokers, one per agent.
    let topics = cluster["topics"].as_object().expect("topics");
    assert!(!topics.is_empty());
    for topic in topics.values() {
        assert_eq!(topic["replication_factor"], 3, "{topic}");
    }
}
