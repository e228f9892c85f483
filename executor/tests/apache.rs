//! A real Apache Kafka broker (the distribution scripts/install-kafka.sh packs
//! from Maven Central) run from a launch contract: its volume is formatted
//! once, it answers the probe, a real client (confluent-kafka) produces and
//! consumes, SIGTERM is a controlled shutdown that completes, and its data
//! survives a restart on the same volume without formatting again. The
//! layout of Apache's official `kafka_2.13-4.x.tgz` (with its `bin/` and
//! `config/`, which the executor does not use) runs alike.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{apache_single_node, free_port, greet, start_broker, still_greets};
use kmesos_executor::broker::{self, BrokerLogs};
use kmesos_executor::launch::BrokerProgram;
use kmesos_executor::render::{render, KAFKA_LOG_DIRS};

/// A JVM broker on a busy 2-core machine: generous.
const READY: Duration = Duration::from_secs(120);
const GRACE: Duration = Duration::from_secs(30);

fn formats_logged(sandbox: &Path) -> usize {
    std::fs::read_to_string(sandbox.join("broker.stdout"))
        .unwrap_or_default()
        .matches("Formatting")
        .count()
}

#[tokio::test]
async fn an_apache_broker_serves_clients_shuts_down_cleanly_and_keeps_its_data() {
    let sandbox = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let spec = apache_single_node(free_port(), free_port());
    let bootstrap = spec.endpoint();

    let mut broker = start_broker(&spec, sandbox.path(), READY).await;
    assert_eq!(formats_logged(sandbox.path()), 1, "the volume is formatted");
    let message = greet(&bootstrap).await;

    let exit = broker
        .stop(GRACE)
        .await
        .unwrap_or_else(|e| panic!("stop: {e}"));
    // The JVM runs Kafka's shutdown hook on SIGTERM, then exits 128 + 15.
    assert_eq!(
        exit.code,
        Some(143),
        "stopped by SIGTERM, not killed: {exit}"
    );
    let server_log = std::fs::read_to_string(sandbox.path().join("kafka-app-logs/server.log"))
        .unwrap_or_default();
    assert!(
        server_log.contains("shut down completed"),
        "Kafka's own log is in kafka-app-logs/server.log and says it shut down"
    );
    assert!(sandbox
        .path()
        .join("data")
        .join(KAFKA_LOG_DIRS)
        .join("meta.properties")
        .is_file());

    let _broker = start_broker(&spec, sandbox.path(), READY).await;
    assert_eq!(formats_logged(sandbox.path()), 1, "formatted only once");
    still_greets(&bootstrap, &message).await;
}

#[tokio::test]
async fn a_format_that_fails_is_reported_with_kafkas_reason_and_runs_again_next_time() {
    let sandbox = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // The log dir's place on the volume is taken by a file.
    std::fs::create_dir_all(sandbox.path().join("data")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(sandbox.path().join("data").join(KAFKA_LOG_DIRS), "")
        .unwrap_or_else(|e| panic!("{e}"));
    let spec = apache_single_node(free_port(), free_port());
    let rendered = render(&spec, sandbox.path()).unwrap_or_else(|e| panic!("render: {e}"));
    let prepare = rendered.prepare.expect("Kafka formats its storage");
    let err = broker::prepare(&prepare, &BrokerLogs::in_sandbox(sandbox.path())).await;
    let message = err.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("exited with code 1"), "{message}");
    assert!(message.contains(KAFKA_LOG_DIRS), "{message}");
    assert!(
        !prepare.marker.exists(),
        "a failed format must run again next time"
    );
}

/// The packed distribution repacked in the layout of Apache's official
/// archive: top directory `kafka_2.13-VERSION`, with `bin/` scripts and a
/// `config/` that would break the broker if the executor used them.
fn official_layout(dir: &Path) -> std::path::PathBuf {
    let tree = dir.join("tree");
    std::fs::create_dir_all(&tree).unwrap_or_else(|e| panic!("{e}"));
    let run = |cmd: &mut std::process::Command| {
        let status = cmd.status().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        assert!(status.success(), "{cmd:?}: {status}");
    };
    run(std::process::Command::new("tar")
        .arg("xzf")
        .arg(common::kafka_distribution())
        .arg("-C")
        .arg(&tree));
    let tops: Vec<_> = std::fs::read_dir(&tree)
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|e| e.unwrap_or_else(|e| panic!("{e}")).path())
        .collect();
    let [packed] = &tops[..] else {
        panic!("one top directory in the packed distribution: {tops:?}")
    };
    let version = packed
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("kafka-"))
        .unwrap_or_else(|| panic!("{} is not kafka-VERSION", packed.display()))
        .to_string();
    let home = tree.join(format!("kafka_2.13-{version}"));
    std::fs::rename(packed, &home).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        home.join(format!("libs/kafka_2.13-{version}.jar"))
            .is_file(),
        "the broker's jar is named as in Apache's archive"
    );
    for (file, body) in [
        ("bin/kafka-server-start.sh", "#!/bin/sh\nexit 1\n"),
        ("config/server.properties", "process.roles=nonsense\n"),
        ("LICENSE", "Apache License 2.0\n"),
    ] {
        let path = home.join(file);
        std::fs::create_dir_all(path.parent().unwrap_or(&home)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(path, body).unwrap_or_else(|e| panic!("{e}"));
    }
    let archive = dir.join(format!("kafka_2.13-{version}.tgz"));
    run(std::process::Command::new("tar")
        .arg("czf")
        .arg(&archive)
        .arg("-C")
        .arg(&tree)
        .arg(format!("kafka_2.13-{version}")));
    archive
}

#[tokio::test]
async fn the_layout_of_apaches_official_archive_runs_alike() {
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sandbox = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut spec = apache_single_node(free_port(), free_port());
    if let BrokerProgram::Apache(apache) = &mut spec.broker {
        apache.distribution = official_layout(work.path()).display().to_string();
    }
    let bootstrap = spec.endpoint();
    let mut broker = start_broker(&spec, sandbox.path(), READY).await;
    greet(&bootstrap).await;
    let exit = broker
        .stop(GRACE)
        .await
        .unwrap_or_else(|e| panic!("stop: {e}"));
    assert_eq!(exit.code, Some(143), "a controlled shutdown: {exit}");
}
