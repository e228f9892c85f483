//! Supervising a real tansu broker started from a launch contract: it answers
//! the ApiVersions probe, a real Kafka client (confluent-kafka) produces and
//! consumes through it, it stops gracefully, and its data survives a restart
//! on the same volume. A broker that dies is reported with how it ended.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{free_port, greet, start_broker, still_greets, tansu_binary, tansu_spec};
use kmesos_executor::broker::{Broker, BrokerError, BrokerLogs};
use kmesos_executor::launch::LaunchSpec;
use kmesos_executor::render::render;

const READY: Duration = Duration::from_secs(60);
const GRACE: Duration = Duration::from_secs(20);

fn spec(port: u16) -> LaunchSpec {
    tansu_spec(&tansu_binary().display().to_string(), port)
}

async fn start(spec: &LaunchSpec, sandbox: &Path) -> Broker {
    start_broker(spec, sandbox, READY).await
}

#[tokio::test]
async fn a_tansu_broker_serves_clients_stops_gracefully_and_keeps_its_data() {
    let sandbox = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let spec = spec(free_port());
    let bootstrap = spec.endpoint();

    let mut broker = start(&spec, sandbox.path()).await;
    let message = greet(&bootstrap).await;

    let exit = broker
        .stop(GRACE)
        .await
        .unwrap_or_else(|e| panic!("stop: {e}"));
    assert_eq!(exit.code, Some(0), "SIGTERM is a clean stop: {exit}");
    assert!(
        tokio::net::TcpStream::connect(&bootstrap).await.is_err(),
        "nothing listens on {bootstrap} once stopped"
    );
    assert!(
        sandbox.path().join("data/tansu.db").is_file(),
        "the data is on the volume"
    );
    let stdout = std::fs::read_to_string(sandbox.path().join("broker.stdout")).unwrap_or_default();
    assert!(
        stdout.contains("tansu broker"),
        "its output is in broker.stdout: {stdout}"
    );

    let _broker = start(&spec, sandbox.path()).await;
    still_greets(&bootstrap, &message).await;
}

#[tokio::test]
async fn a_broker_that_cannot_open_its_volume_fails_with_its_exit_code_and_log() {
    let sandbox = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // A database path that is a directory: sqlite cannot open it.
    std::fs::create_dir_all(sandbox.path().join("data/tansu.db")).unwrap_or_else(|e| panic!("{e}"));
    let spec = spec(free_port());
    let rendered = render(&spec, sandbox.path()).unwrap_or_else(|e| panic!("render: {e}"));
    let mut broker = Broker::start(&rendered.run, &BrokerLogs::in_sandbox(sandbox.path()))
        .unwrap_or_else(|e| panic!("start: {e}"));
    match broker.wait_ready(rendered.probe_addr, READY).await {
        Err(BrokerError::Exited(exit)) => {
            assert_eq!(exit.code, Some(1), "{exit}");
            assert!(
                exit.last_lines.contains("tansu.db"),
                "the log names the cause: {exit}"
            );
            assert!(exit.to_string().starts_with("exited with code 1"), "{exit}");
        }
        other => panic!("expected the broker to exit, got {other:?}"),
    }
}

#[tokio::test]
async fn a_killed_broker_is_noticed_with_its_signal() {
    let sandbox = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut broker = start(&spec(free_port()), sandbox.path()).await;
    let pid = nix::unistd::Pid::from_raw(broker.pid() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL)
        .unwrap_or_else(|e| panic!("kill: {e}"));
    let exit = tokio::time::timeout(Duration::from_secs(30), broker.exited())
        .await
        .unwrap_or_else(|_| panic!("the exit went unnoticed"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(exit.code, None);
    assert_eq!(exit.signal, Some(9));
    assert!(
        exit.to_string()
            .starts_with("was killed by signal 9 (SIGKILL)"),
        "{exit}"
    );
}

#[tokio::test]
async fn a_dropped_broker_takes_its_process_with_it() {
    let sandbox = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let spec = spec(free_port());
    let broker = start(&spec, sandbox.path()).await;
    let pid = nix::unistd::Pid::from_raw(broker.pid() as i32);
    drop(broker);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    // The process is gone (or a zombie awaiting reaping) once SIGKILL lands.
    while tokio::net::TcpStream::connect(spec.endpoint())
        .await
        .is_ok()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "pid {pid} still serves after drop"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_broker_that_ignores_sigterm_is_killed_after_the_grace_period() {
    use kmesos_executor::render::BrokerCommand;
    let sandbox = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // A process that ignores SIGTERM, and a child of it: both must go.
    let command = BrokerCommand {
        program: "/bin/sh".into(),
        args: vec![
            "-c".into(),
            "trap '' TERM; sleep 600 & echo started; wait".into(),
        ],
        env: Default::default(),
        working_dir: sandbox.path().to_path_buf(),
    };
    let logs = BrokerLogs::in_sandbox(sandbox.path());
    let mut broker = Broker::start(&command, &logs).unwrap_or_else(|e| panic!("start: {e}"));
    let group = nix::unistd::Pid::from_raw(broker.pid() as i32);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while std::fs::read_to_string(&logs.stdout)
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the shell never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let exit = broker
        .stop(Duration::from_millis(300))
        .await
        .unwrap_or_else(|e| panic!("stop: {e}"));
    assert_eq!(exit.signal, Some(9), "{exit}");
    // Signal 0 probes whether any process of the group is left.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while nix::sys::signal::killpg(group, None).is_ok() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the broker's child survived"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
