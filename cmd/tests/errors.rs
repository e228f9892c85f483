//! Every kind of configuration error, reported all at once, each with its
//! file, line, column and attribute; and the errors only planning can find.

mod common;

use std::fs;

use common::{applied_state, golden, kmesos};

fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn validate_reports_every_error_with_its_position() {
    let run = kmesos(&fixtures(), &["validate", "errors.hcl"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    golden("errors.txt", &run.stderr);
    // One line per error, each starting with its position.
    for line in run.stderr.lines() {
        assert!(line.starts_with("error: errors.hcl:"), "{line}");
    }
}

#[test]
fn a_syntax_error_names_its_line_and_column() {
    let run = kmesos(&fixtures(), &["validate", "syntax.hcl"]);
    assert_eq!(run.code, 1);
    golden("syntax-error.txt", &run.stderr);
}

#[test]
fn undeclared_and_missing_variables_are_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = "variable \"mem\" {}\ncluster \"c\" {\n  kafka { kind = \"tansu\" }\n  broker \"0\" { mem = var.mem }\n}\n";
    fs::write(dir.path().join("main.hcl"), config).expect("write");
    let missing = kmesos(dir.path(), &["validate"]);
    assert_eq!(missing.code, 1);
    assert_eq!(
        missing.stderr,
        "error: ./main.hcl:1:1: var.mem: variable \"mem\" has no value: set it with --var mem=VALUE, a --var-file or KMESOS_VAR_mem\n"
    );
    let undeclared = kmesos(
        dir.path(),
        &["validate", "--var", "mem=1", "--var", "mam=2"],
    );
    assert_eq!(
        undeclared.stderr,
        "error: --var mam: var.mam: no variable \"mam\" is declared in the configuration; did you mean \"mem\"?\n"
    );
}

#[test]
fn variables_come_from_env_file_and_flags_in_that_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = "variable \"mem\" { default = 1 }\ncluster \"c\" {\n  kafka { kind = \"tansu\" }\n  broker \"0\" { mem = var.mem }\n}\n";
    fs::write(dir.path().join("main.hcl"), config).expect("write");
    fs::write(dir.path().join("vars.txt"), "mem = 3\n").expect("write");
    let mem = |extra: &[&str], env: Option<&str>| {
        let mut args = vec!["plan", "main.hcl", "--json"];
        args.extend_from_slice(extra);
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kmesos"));
        cmd.args(&args)
            .current_dir(dir.path())
            .env_remove("KMESOS_SCHEDULER");
        if let Some(v) = env {
            cmd.env("KMESOS_VAR_mem", v);
        }
        let run = common::run(cmd);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let plan: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
        plan["configuration"]["clusters"]["c"]["brokers"]["0"]["mem"].as_u64()
    };
    assert_eq!(mem(&[], None), Some(1), "default");
    assert_eq!(mem(&[], Some("2")), Some(2), "environment over default");
    assert_eq!(
        mem(&["--var-file", "vars.txt"], Some("2")),
        Some(3),
        "file over environment"
    );
    assert_eq!(
        mem(&["--var-file", "vars.txt", "--var", "mem=4"], Some("2")),
        Some(4),
        "flag over file"
    );
}

#[test]
fn plan_refuses_fewer_partitions_and_a_new_replication_factor() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = |partitions: u32, rf: u32| {
        format!(
            "cluster \"c\" {{\n  kafka {{ kind = \"tansu\" }}\n  broker \"0..2\" {{}}\n  topic \"t\" {{\n    partitions         = {partitions}\n    replication_factor = {rf}\n  }}\n}}\n"
        )
    };
    fs::write(dir.path().join("main.hcl"), config(6, 3)).expect("write");
    let planned = kmesos(dir.path(), &["plan", "main.hcl", "--json"]);
    fs::write(
        dir.path().join("state.json"),
        applied_state(&planned.stdout, "l", 1),
    )
    .expect("write");
    fs::write(dir.path().join("main.hcl"), config(4, 2)).expect("write");
    let run = kmesos(
        dir.path(),
        &[
            "plan",
            "main.hcl",
            "--state",
            "state.json",
            "--detailed-exitcode",
        ],
    );
    assert_eq!(run.code, 1);
    golden("plan-errors.txt", &run.stderr);
}

#[test]
fn a_corrupt_or_foreign_state_file_is_refused_clearly() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(
        dir.path().join("main.hcl"),
        "cluster \"c\" {\n  kafka { kind = \"tansu\" }\n  broker \"0\" {}\n}\n",
    )
    .expect("write");
    fs::write(
        dir.path().join("terraform.tfstate"),
        "{\"version\": 4, \"lineage\": \"x\"}",
    )
    .expect("write");
    let run = kmesos(
        dir.path(),
        &["plan", "main.hcl", "--state", "terraform.tfstate"],
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: terraform.tfstate is not a kmesos state file: it has no format_version\n"
    );
    fs::write(
        dir.path().join("state.json"),
        "{\"format_version\": 1,\n \"lineage\": \"x\", \"serial\": \"one\"}",
    )
    .expect("write");
    let run = kmesos(dir.path(), &["plan", "main.hcl", "--state", "state.json"]);
    assert!(
        run.stderr.starts_with("error: state.json:2:"),
        "{}",
        run.stderr
    );
}

#[test]
fn arithmetic_that_cannot_be_done_and_files_that_are_not_utf8_are_errors_not_panics() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (expr, why) in [
        ("1/0", "1 / 0: division by zero"),
        ("2 % 0", "2 % 0: division by zero"),
        ("1e308 * 10", "the result is out of range"),
        ("18446744073709551615 + 1", "the result is out of range"),
    ] {
        let config = format!("variable \"mem\" {{ default = 1 }}\ncluster \"c\" {{\n  kafka {{ kind = \"tansu\" }}\n  broker \"0\" {{ mem = var.mem * ({expr}) }}\n}}\n");
        fs::write(dir.path().join("main.hcl"), config).expect("write");
        let run = kmesos(dir.path(), &["validate"]);
        assert_eq!(run.code, 1, "{expr}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("error: ./main.hcl:4:") && run.stderr.contains(why),
            "{expr}: {}",
            run.stderr
        );
    }
    fs::write(dir.path().join("main.hcl"), b"cluster \"caf\xe9\" {}\n").expect("write");
    let run = kmesos(dir.path(), &["validate"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: ./main.hcl:1:13: not valid UTF-8 (byte 0xe9); the file must be UTF-8 text\n"
    );
}
