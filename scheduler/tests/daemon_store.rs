//! The file state store against real files: creation with a fresh lineage,
//! generation bumped per write (the serial is the core's), atomic replacement, and refusal of files that are
//! not kmesos states (which must be left untouched).

use std::fs;

use kmesos_scheduler::core::CoreState;
use kmesos_scheduler::store::{self, FileStore, StateStore};

#[test]
fn a_new_store_gets_a_fresh_lineage_written_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/state.json");
    let store = FileStore::open(&path).unwrap();
    let state = store.load().unwrap().state;
    assert_eq!(state.serial, 0);
    assert!(
        uuid::Uuid::parse_str(&state.lineage).is_ok(),
        "{}",
        state.lineage
    );
    assert!(path.exists());

    let other = FileStore::open(dir.path().join("other.json")).unwrap();
    assert_ne!(other.load().unwrap().state.lineage, state.lineage);
}

#[test]
fn each_write_bumps_the_generation_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let store = FileStore::open(&path).unwrap();
    let mut state = store.load().unwrap();
    state.state.framework_id = Some("fw-7".into());
    state
        .scheduler
        .cluster_ids
        .insert("events".into(), "q1Sh-9_ISia_zwGINzRvyQ".into());
    store.save(&mut state).unwrap();
    assert_eq!(state.state.generation, 1);
    store.save(&mut state).unwrap();
    assert_eq!((state.state.generation, state.state.serial), (2, 0));

    drop(store);
    let reopened = FileStore::open(&path).unwrap().load().unwrap();
    assert_eq!(reopened, state);
    // Nothing but the state and its lock is left in the directory.
    let mut names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["state.json", "state.json.lock"]);
}

#[test]
fn a_stale_copy_cannot_roll_the_generation_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path().join("state.json")).unwrap();
    let mut first = store.load().unwrap();
    let mut stale = first.clone();
    store.save(&mut first).unwrap();
    store.save(&mut first).unwrap();
    store.save(&mut stale).unwrap();
    assert_eq!(
        stale.state.generation, 3,
        "the store numbers writes, not the caller"
    );
}

#[test]
fn a_state_of_another_lineage_is_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let store = FileStore::open(&path).unwrap();
    let before = fs::read_to_string(&path).unwrap();
    let mut foreign = CoreState::from_state(engine::State::new("someone-else"));
    let err = store.save(&mut foreign).unwrap_err().to_string();
    assert!(err.contains("someone-else"), "{err}");
    assert_eq!(fs::read_to_string(&path).unwrap(), before);
}

#[test]
fn corrupt_and_foreign_files_are_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "garbage.json",
            "{\"format_version\": 1, \"lineage\": ",
            "not JSON",
        ),
        (
            "terraform.tfstate",
            "{\"version\": 4, \"terraform_version\": \"1.9.0\"}",
            "is not a kmesos state file",
        ),
        (
            "future.json",
            "{\"format_version\": 99}",
            "format_version 99 is not supported",
        ),
        (
            "latin1.json",
            "{\"format_version\": 1,\n \"lineage\": \"caf\u{e9}\"}",
            "latin1.json:2:17: corrupt state: not valid UTF-8 (byte 0xe9)",
        ),
        (
            "exhausted.json",
            "{\"format_version\": 1, \"lineage\": \"x\", \"serial\": 18446744073709551615}",
            "serial 18446744073709551615 is the largest there is",
        ),
        (
            "pulled.json",
            r#"{"format_version": 1, "lineage": "x", "serial": 3, "clusters": {"prod": {
                "kafka": {"kind": "apache"},
                "config": {"listener.name.sasl_ssl.plain.sasl.jaas.config": "(sensitive)"}}}}"#,
            "it is a redacted copy (`kmesos state pull` output): cluster.prod \"listener.name.sasl_ssl.plain.sasl.jaas.config\" is \"(sensitive)\"",
        ),
    ];
    for (name, content, expected) in cases {
        let path = dir.path().join(name);
        // \u{e9} stands for the single byte 0xe9 (Latin-1 é), not UTF-8.
        let bytes: Vec<u8> = content
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap())
            .collect();
        let content = bytes.as_slice();
        fs::write(&path, content).unwrap();
        let err = FileStore::open(&path).unwrap_err().to_string();
        assert!(err.contains(expected), "{name}: {err}");
        assert!(err.contains(name), "the message names the file: {err}");
        assert!(err.contains("refusing"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), content, "{name} was modified");
    }
}

#[test]
fn locations_name_the_backend() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let store = store::open(&format!("file:{}", path.display())).unwrap();
    assert_eq!(store.location(), format!("file:{}", path.display()));
    let err = store::open("zk://zk1:2181/kmesos")
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("expected file:PATH"), "{err}");
}

#[cfg(unix)]
#[test]
fn the_state_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let store = FileStore::open(&path).unwrap();
    let mut state = store.load().unwrap();
    store.save(&mut state).unwrap();
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn a_bare_state_document_seeds_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let mut seed = engine::State::new("seeded-lineage");
    seed.serial = 41;
    seed.generation = 97;
    fs::write(&path, seed.to_json()).unwrap();
    let store = FileStore::open(&path).unwrap();
    let mut doc = store.load().unwrap();
    assert_eq!(doc.state, seed);
    store.save(&mut doc).unwrap();
    assert_eq!((doc.state.serial, doc.state.generation), (41, 98));
    assert_eq!(store.load().unwrap(), doc);
}

#[test]
fn a_second_store_on_a_state_in_use_is_refused_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let first = FileStore::open(&path).unwrap();
    let before = fs::read_to_string(&path).unwrap();
    let err = FileStore::open(&path).unwrap_err().to_string();
    let holder = format!("pid {} on ", std::process::id());
    assert!(
        err.contains("is in use by another scheduler") && err.contains(&holder),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), before, "left as it was");
    drop(first);
    FileStore::open(&path).expect("free once the first store is gone");
}

#[test]
fn two_stores_opened_at_once_on_a_missing_state_agree_on_one_lineage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let barrier = std::sync::Barrier::new(2);
    let opened: Vec<_> = std::thread::scope(|s| {
        let racers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    // The store is returned, not dropped: a racer that ran
                    // late still finds the state held.
                    FileStore::open(&path)
                })
            })
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let winners: Vec<_> = opened.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "one store holds the state: {opened:?}");
    let stored = store::parse(&fs::read_to_string(&path).unwrap(), "state.json").unwrap();
    assert_eq!(
        stored.state.lineage,
        winners[0].load().unwrap().state.lineage
    );
}
