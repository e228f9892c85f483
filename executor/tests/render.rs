//! Rendering a launch contract: the files written and the commands that would
//! run, nothing started (tests/apache.rs runs the real Apache Kafka). A
//! distribution here is the layout the executor looks for (`libs/` with the
//! broker's jar); the rendered server.properties is read back with a
//! Java-properties parser.

mod common;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{apache_spec, tansu_spec};
use kmesos_executor::launch::{BrokerProgram, LaunchSpec};
use kmesos_executor::render::{render, RenderError, RenderedBroker};

fn sandbox() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

fn write_executable(path: &Path, body: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(path, body).unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("{e}"));
}

fn rendered(spec: &LaunchSpec, sandbox: &Path) -> RenderedBroker {
    render(spec, sandbox).unwrap_or_else(|e| panic!("render: {e}"))
}

/// A Kafka distribution layout: `kafka_2.13-4.1.0/libs/kafka_2.13-4.1.0.jar`.
fn kafka_tree(root: &Path) -> PathBuf {
    let home = root.join("kafka_2.13-4.1.0");
    std::fs::create_dir_all(home.join("libs")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(home.join("libs/kafka_2.13-4.1.0.jar"), "").unwrap_or_else(|e| panic!("{e}"));
    home
}

fn kafka_tgz(dir: &Path) -> PathBuf {
    let tree = dir.join("tree");
    kafka_tree(&tree);
    let path = dir.join("kafka_2.13-4.1.0.tgz");
    let file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut archive = tar::Builder::new(flate2::write::GzEncoder::new(
        file,
        flate2::Compression::fast(),
    ));
    archive
        .append_dir_all("kafka_2.13-4.1.0", tree.join("kafka_2.13-4.1.0"))
        .unwrap_or_else(|e| panic!("{e}"));
    archive
        .into_inner()
        .and_then(|gz| gz.finish())
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_dir_all(&tree).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn read_properties(path: &Path) -> HashMap<String, String> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    java_properties::read(file).unwrap_or_else(|e| panic!("{e}"))
}

fn sha256_of(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(
        std::fs::read(path).unwrap_or_else(|e| panic!("{e}")),
    ))
}

#[test]
fn tansu_listens_on_the_offered_port_and_stores_on_the_volume() {
    let dir = sandbox();
    write_executable(&dir.path().join("tansu"), "");
    let mut spec = tansu_spec("tansu", 31007);
    // Cluster ids are base64url: one starting with '-' must not read as a flag.
    spec.cluster_id = "-pQ1Sh9_ISia_zwGINzRvy".into();
    let out = rendered(&spec, dir.path());

    assert_eq!(out.run.program, dir.path().join("tansu"));
    assert_eq!(out.run.working_dir, dir.path().join("data"));
    assert!(
        out.run.working_dir.is_dir(),
        "the data dir is created on an empty volume"
    );
    let args = out.run.args.join(" ");
    assert_eq!(
        args,
        format!(
            "broker --cluster-id={} --listener-url tcp://0.0.0.0:31007 \
             --advertised-listener-url tcp://127.0.0.1:31007 --storage-engine sqlite://tansu.db",
            spec.cluster_id
        )
    );
    assert_eq!(out.probe_addr.to_string(), "127.0.0.1:31007");
    assert!(out.prepare.is_none());
    assert!(out.front.is_none(), "no endpoint, no front");
}

#[test]
fn tansu_with_a_cluster_endpoint_sits_on_loopback_behind_a_front_on_the_offered_port() {
    let dir = sandbox();
    write_executable(&dir.path().join("tansu"), "");
    let mut spec = tansu_spec("tansu", 31007);
    if let BrokerProgram::Tansu(t) = &mut spec.broker {
        t.endpoint = Some("10.0.0.5:9092".into());
    }
    let out = rendered(&spec, dir.path());

    let front = out.front.expect("a front for a cluster with an endpoint");
    assert_eq!(front.listen.to_string(), "0.0.0.0:31007");
    assert_eq!(front.endpoint, "10.0.0.5:9092");
    assert!(front.broker.ip().is_loopback() && front.broker.port() != 31007);
    let args = out.run.args.join(" ");
    assert!(
        args.contains(&format!("--listener-url tcp://{}", front.broker)),
        "{args}"
    );
    // Advertised and probed at the offered port: the front's.
    assert!(
        args.contains("--advertised-listener-url tcp://127.0.0.1:31007"),
        "{args}"
    );
    assert_eq!(out.probe_addr.to_string(), "127.0.0.1:31007");
}

#[test]
fn tansu_at_an_absolute_path_is_used_in_place() {
    let dir = sandbox();
    let tools = sandbox();
    let binary = tools.path().join("tansu");
    write_executable(&binary, "");
    let spec = tansu_spec(&binary.display().to_string(), 31007);
    assert_eq!(rendered(&spec, dir.path()).run.program, binary);
}

#[test]
fn a_program_whose_checksum_differs_is_not_run() {
    let dir = sandbox();
    write_executable(&dir.path().join("tansu"), "#!/bin/sh\n");
    let mut spec = tansu_spec("tansu", 31007);
    let wrong = "0".repeat(64);
    if let BrokerProgram::Tansu(t) = &mut spec.broker {
        t.sha256 = Some(wrong.clone());
    }
    let message = render(&spec, dir.path())
        .map(|_| ())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(message.contains(&wrong), "{message}");
    assert!(
        message.contains(&sha256_of(&dir.path().join("tansu"))),
        "{message}"
    );

    if let BrokerProgram::Tansu(t) = &mut spec.broker {
        t.sha256 = Some(sha256_of(&dir.path().join("tansu")));
    }
    rendered(&spec, dir.path());
}

#[test]
fn a_missing_program_is_named() {
    let dir = sandbox();
    let message = render(&tansu_spec("tansu", 31007), dir.path())
        .map(|_| ())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        message.contains(&dir.path().join("tansu").display().to_string()),
        "{message}"
    );
}

#[test]
fn tansu_does_not_start_over_a_dotenv_file() {
    let dir = sandbox();
    write_executable(&dir.path().join("tansu"), "");
    std::fs::create_dir_all(dir.path().join("data")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("data/.env"), "STORAGE_ENGINE=memory://x/\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let err = render(&tansu_spec("tansu", 31007), dir.path());
    match err {
        Err(RenderError::Unsafe { path, .. }) => assert_eq!(path, dir.path().join("data/.env")),
        other => panic!("expected the .env to be refused, got {other:?}"),
    }
}

#[test]
fn apache_server_properties_hold_identity_listeners_quorum_volume_and_properties() {
    let dir = sandbox();
    let home = kafka_tree(dir.path());
    let spec = apache_spec("kafka_2.13-4.1.0");
    let out = rendered(&spec, dir.path());

    let config = dir.path().join("server.properties");
    let mode = std::fs::metadata(&config)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0);
    assert_eq!(mode, 0o600, "server.properties may hold secrets");
    let props = read_properties(&config);
    let expect = |key: &str, value: &str| {
        assert_eq!(props.get(key).map(String::as_str), Some(value), "{key}")
    };
    expect("node.id", "2");
    expect("process.roles", "broker,controller");
    expect(
        "listeners",
        "PLAINTEXT://0.0.0.0:31002,CONTROLLER://0.0.0.0:31102",
    );
    expect("advertised.listeners", "PLAINTEXT://agent-2:31002");
    expect("controller.listener.names", "CONTROLLER");
    expect("inter.broker.listener.name", "PLAINTEXT");
    expect(
        "controller.quorum.voters",
        "1@agent-1:31101,2@agent-2:31102,3@agent-3:31103",
    );
    expect(
        "log.dirs",
        &dir.path().join("data/kafka-logs").display().to_string(),
    );
    expect("broker.rack", "r2");
    expect("num.partitions", "3");
    // Escaped so that Java reads back exactly the value the user wrote.
    expect("sasl.jaas.config", "a \\ b = c");

    let logging = dir.path().join("log4j2.properties");
    assert_eq!(out.files, vec![config.clone(), logging.clone()]);
    let log4j = std::fs::read_to_string(&logging).unwrap_or_default();
    assert!(
        log4j.contains(
            &dir.path()
                .join("kafka-app-logs/server.log")
                .display()
                .to_string()
        ),
        "Kafka's log goes to kafka-app-logs/server.log: {log4j}"
    );

    let config_arg = config.display().to_string();
    let class_path = format!("{}/libs/*", home.display());
    assert!(
        out.run.program.ends_with("bin/java"),
        "{:?}",
        out.run.program
    );
    let args = &out.run.args;
    assert!(args.contains(&"-Xms512m".to_string()) && args.contains(&"-Xmx512m".to_string()));
    assert!(args.contains(&format!("-Dlog4j2.configurationFile={}", logging.display())));
    assert_eq!(
        args[args.len() - 4..],
        [
            "-cp".to_string(),
            class_path.clone(),
            "kafka.Kafka".into(),
            config_arg.clone()
        ]
    );
    assert_eq!(out.run.working_dir, dir.path());

    let prepare = out
        .prepare
        .unwrap_or_else(|| panic!("apache needs its storage formatted"));
    assert_eq!(prepare.command.program, out.run.program);
    let args = &prepare.command.args;
    assert_eq!(
        args[args.len() - 8..],
        [
            "-cp",
            &class_path,
            "kafka.tools.StorageTool",
            "format",
            "--cluster-id=q1Sh-9_ISia_zwGINzRvyQ",
            "--config",
            &config_arg,
            "--ignore-formatted"
        ]
    );
    assert_eq!(prepare.marker, dir.path().join("data/.kmesos-formatted"));
}

#[test]
fn an_apache_broker_outside_the_quorum_is_broker_only() {
    let dir = sandbox();
    kafka_tree(dir.path());
    let mut spec = apache_spec("kafka_2.13-4.1.0");
    spec.broker_id = 7;
    spec.rack = None;
    if let BrokerProgram::Apache(a) = &mut spec.broker {
        a.controller_port = None;
    }
    rendered(&spec, dir.path());
    let props = read_properties(&dir.path().join("server.properties"));
    assert_eq!(
        props.get("process.roles").map(String::as_str),
        Some("broker")
    );
    assert_eq!(
        props.get("listeners").map(String::as_str),
        Some("PLAINTEXT://0.0.0.0:31002")
    );
    assert_eq!(props.get("node.id").map(String::as_str), Some("7"));
    assert!(!props.contains_key("broker.rack"));
}

#[test]
fn an_apache_archive_is_checked_and_unpacked_into_the_sandbox() {
    let dir = sandbox();
    let tgz = kafka_tgz(dir.path());
    let mut spec = apache_spec("kafka_2.13-4.1.0.tgz");
    if let BrokerProgram::Apache(a) = &mut spec.broker {
        a.sha256 = Some("f".repeat(64));
    }
    assert!(matches!(
        render(&spec, dir.path()),
        Err(RenderError::Artifact(_))
    ));

    if let BrokerProgram::Apache(a) = &mut spec.broker {
        a.sha256 = Some(sha256_of(&tgz));
    }
    let out = rendered(&spec, dir.path());
    let home = dir.path().join("kafka-distribution/kafka_2.13-4.1.0");
    assert!(home.join("libs/kafka_2.13-4.1.0.jar").is_file());
    assert!(out.run.args.contains(&format!("{}/libs/*", home.display())));
}

#[test]
fn an_apache_broker_without_a_jvm_is_refused_naming_where_it_looked() {
    let dir = sandbox();
    kafka_tree(dir.path());
    let mut spec = apache_spec("kafka_2.13-4.1.0");
    if let BrokerProgram::Apache(a) = &mut spec.broker {
        a.java_home = Some(dir.path().join("no-jvm-here").display().to_string());
    }
    let message = render(&spec, dir.path())
        .map(|_| ())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        message.starts_with("no Java runtime for Apache Kafka: the agent's kafka.java_home"),
        "{message}"
    );
}

#[test]
fn a_directory_without_kafka_is_refused() {
    let dir = sandbox();
    std::fs::create_dir_all(dir.path().join("empty")).unwrap_or_else(|e| panic!("{e}"));
    let message = render(&apache_spec("empty"), dir.path())
        .map(|_| ())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(message.contains("no libs/kafka_*.jar"), "{message}");
}
