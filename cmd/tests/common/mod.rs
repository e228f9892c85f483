//! What the CLI tests share: running the built `kmesos` binary, golden files
//! (rewritten with UPDATE_GOLDEN=1), and turning a planned configuration into
//! the state a scheduler would have recorded after applying it.

#![allow(dead_code)] // each test file uses a different part of this module

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `kmesos` with `args` in `dir`, without the caller's KMESOS_VAR_*,
/// KMESOS_SCHEDULER or KMESOS_TOKEN (tests name their state explicitly).
pub fn kmesos(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kmesos"));
    cmd.args(args).current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("KMESOS_VAR_") || key == "KMESOS_SCHEDULER" || key == "KMESOS_TOKEN" {
            cmd.env_remove(key);
        }
    }
    run(cmd)
}

pub fn run(mut cmd: Command) -> Run {
    let out = cmd.output().expect("run the kmesos binary");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Compares `actual` with the golden file `cmd/tests/golden/NAME`; with
/// UPDATE_GOLDEN=1 rewrites it instead.
pub fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {}; run with UPDATE_GOLDEN=1",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "output differs from {} (UPDATE_GOLDEN=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

/// The state after applying the plan's configuration: every broker running,
/// broker N on host 127.0.0.{N+2} in rack r{N+1} (the `kmesos dev` agents).
pub fn applied_state(plan_json: &str, lineage: &str, serial: u64) -> String {
    let plan: Value = serde_json::from_str(plan_json).expect("plan JSON");
    let mut clusters = serde_json::Map::new();
    for (name, cluster) in plan["configuration"]["clusters"]
        .as_object()
        .expect("clusters")
    {
        let mut brokers = serde_json::Map::new();
        for (id, spec) in cluster["brokers"].as_object().expect("brokers") {
            let n: u32 = id.parse().expect("broker id");
            let runtime = json!({
                "task_id": format!("{name}-broker-{id}-1"),
                "agent_id": format!("agent-{}", n % 3 + 1),
                "hostname": format!("127.0.0.{}", n % 3 + 2),
                "attributes": { "rack": format!("r{}", n % 3 + 1) },
                "port": 31000 + n,
                "status": "running",
                "updated_at": "2026-01-01T00:00:00Z"
            });
            brokers.insert(id.clone(), json!({ "spec": spec, "runtime": runtime }));
        }
        clusters.insert(
            name.clone(),
            json!({
                "kafka": cluster["kafka"],
                "config": cluster["config"],
                "brokers": brokers,
                "topics": cluster["topics"],
                "clients": cluster["clients"],
            }),
        );
    }
    let state = json!({
        "format_version": 1,
        "lineage": lineage,
        "serial": serial,
        "framework_id": "fw-0001",
        "clusters": clusters,
    });
    serde_json::to_string_pretty(&state).expect("state JSON")
}
