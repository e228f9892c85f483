//! `kmesos mesos-local --config FILE`: agents described in a file come up as
//! described, and a broken file is refused naming the file, line and field.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use common::{kmesos, repo_root};

fn write(dir: &std::path::Path, text: &str) -> String {
    let path = dir.join("agents.json");
    std::fs::write(&path, text).expect("write config");
    path.display().to_string()
}

#[test]
fn a_config_that_is_not_json_is_refused_with_its_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(
        dir.path(),
        "{\"listen\": \"127.0.0.1:0\",\n \"agents\": [,]}\n",
    );
    let run = kmesos(&repo_root(), &["mesos-local", "--config", &path]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains(&format!("{path}:2:")),
        "stderr: {}",
        run.stderr
    );
}

#[test]
fn an_agent_that_cannot_work_is_refused_naming_the_file_and_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(
        dir.path(),
        r#"{"listen": "127.0.0.1:0", "work_dir": "w", "agents": [
             {"hostname": "node1", "resources": {"cpus": 1, "mem": 64, "disk": 10, "ports": [1, 2]}}]}"#,
    );
    let run = kmesos(&repo_root(), &["mesos-local", "--config", &path]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains(&path) && run.stderr.contains("agents[0].hostname"),
        "stderr: {}",
        run.stderr
    );
}

/// Kills the cluster when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn agents_come_up_with_the_hostnames_resources_and_attributes_of_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(
        dir.path(),
        r#"{"listen": "127.0.0.1:0", "work_dir": "mesos", "agents": [
             {"hostname": "127.0.0.6", "resources": {"cpus": 2, "mem": 1024, "disk": 100, "ports": [41000, 41009]},
              "attributes": {"rack": "east", "zone": "z9"}},
             {"hostname": "127.0.0.7", "resources": {"cpus": 1, "mem": 512, "disk": 50, "ports": [41010, 41019]},
              "attributes": {"rack": "west"}}]}"#,
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_kmesos"))
        .args(["mesos-local", "--config", &path])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start kmesos mesos-local");
    let stdout = child.stdout.take().expect("stdout");
    let _running = Running(child);
    let mut banner = String::new();
    BufReader::new(stdout)
        .read_line(&mut banner)
        .expect("banner");
    assert!(banner.contains("with 2 agents"), "banner: {banner}");
    let master = banner
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .unwrap_or_else(|| panic!("no master URL in {banner}"));

    let mut conn = TcpStream::connect(master).expect("connect to the master");
    write!(conn, "GET /master/state HTTP/1.0\r\nHost: {master}\r\n\r\n").expect("request");
    let mut answer = String::new();
    conn.read_to_string(&mut answer).expect("answer");
    let body = answer.split("\r\n\r\n").nth(1).expect("body");
    let state: serde_json::Value = serde_json::from_str(body).expect("state JSON");
    let agents = state["agents"].as_array().expect("agents");
    let find = |host: &str| {
        agents
            .iter()
            .find(|a| a["hostname"] == host)
            .unwrap_or_else(|| panic!("no agent {host} in {state}"))
    };
    assert!(find("127.0.0.6").to_string().contains("east"), "{state}");
    assert!(find("127.0.0.6").to_string().contains("z9"), "{state}");
    assert!(find("127.0.0.7").to_string().contains("west"), "{state}");
    assert!(
        dir.path().join("mesos").is_dir(),
        "work dir made relative to the cwd"
    );
}
