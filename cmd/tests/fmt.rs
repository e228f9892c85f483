//! `kmesos fmt`: rewrites files in place, keeps comments, is idempotent, and
//! `--check` exits with 3 when a file would change.

mod common;

use std::fs;

use common::kmesos;

const MESSY: &str = "# the events cluster\ncluster \"events\" {\nkafka {kind=\"tansu\"}\n   config = { \"num.io.threads\" = 8, # more threads\n \"log.retention.ms\"=1000 }\n\n\n\n  broker \"0..2\" {\n  cpus=0.5 # half a core\n      mem = 512\n  }\n}\n";

const TIDY: &str = "# the events cluster\ncluster \"events\" {\n  kafka {\n    kind = \"tansu\"\n  }\n  config = {\n    \"num.io.threads\"   = 8 # more threads\n    \"log.retention.ms\" = 1000\n  }\n\n  broker \"0..2\" {\n    cpus = 0.5 # half a core\n    mem  = 512\n  }\n}\n";

#[test]
fn check_reports_without_writing_then_fmt_rewrites_idempotently() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("main.hcl");
    fs::write(&file, MESSY).expect("write");

    let check = kmesos(dir.path(), &["fmt", "--check"]);
    assert_eq!((check.code, check.stdout.as_str()), (3, "./main.hcl\n"));
    assert_eq!(
        fs::read_to_string(&file).expect("read"),
        MESSY,
        "--check must not write"
    );

    let fmt = kmesos(dir.path(), &["fmt", "main.hcl"]);
    assert_eq!((fmt.code, fmt.stdout.as_str()), (0, "main.hcl\n"));
    assert_eq!(fs::read_to_string(&file).expect("read"), TIDY);

    let again = kmesos(dir.path(), &["fmt", "--check", "main.hcl"]);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, ""),
        "formatting is idempotent"
    );
    let validated = kmesos(dir.path(), &["validate"]);
    assert_eq!(validated.code, 0, "{}", validated.stderr);
}

#[test]
fn a_file_that_does_not_parse_is_an_error_and_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("bad.hcl"), "cluster \"x\" {\n").expect("write");
    let run = kmesos(dir.path(), &["fmt"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .starts_with("error: ./bad.hcl:1:15: syntax error"),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("bad.hcl")).expect("read"),
        "cluster \"x\" {\n"
    );
}

#[test]
fn recursive_takes_the_files_of_every_subdirectory_but_hidden_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    for sub in ["a", "b/c", ".hidden"] {
        fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        fs::write(dir.path().join(sub).join("main.hcl"), MESSY).expect("write");
    }

    // Without --recursive a directory's own files only: here none.
    let flat = kmesos(dir.path(), &["fmt", "--check", "."]);
    assert_eq!(flat.code, 1);
    assert!(
        flat.stderr.contains("holds no .hcl files"),
        "{}",
        flat.stderr
    );

    let check = kmesos(dir.path(), &["fmt", "--check", "--recursive", "."]);
    assert_eq!(
        (check.code, check.stdout.as_str()),
        (3, "./a/main.hcl\n./b/c/main.hcl\n")
    );
    let fmt = kmesos(dir.path(), &["fmt", "--recursive", "."]);
    assert_eq!(fmt.code, 0, "{}", fmt.stderr);
    for sub in ["a", "b/c"] {
        let text = fs::read_to_string(dir.path().join(sub).join("main.hcl")).expect("read");
        assert_eq!(text, TIDY, "{sub}");
    }
    let hidden = fs::read_to_string(dir.path().join(".hidden/main.hcl")).expect("read");
    assert_eq!(hidden, MESSY, "hidden directories are left alone");
}
