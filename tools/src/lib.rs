//! Where kmesos finds the programs it runs or serves to agents,
//! one lookup for the `kmesos` binary, the executor and the tests: the
//! tansu binary, the Apache Kafka distribution and ZooKeeper's server
//! script (an explicit variable,
//! then, for tansu, `PATH`, then the tools dir the install scripts fill:
//! `$KMESOS_TOOLS`, by default `$HOME/.cache/kmesos/tools`), the executor
//! beside `kmesos`, programs on `PATH` (the executor's `java`), and the
//! tests' Python.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// One tool: its variable, its name on `PATH` (if it is a program) and its
/// place in the tools dir.
pub struct Tool {
    variable: &'static str,
    on_path: Option<&'static str>,
    in_tools: &'static str,
    /// The script that installs it.
    installer: &'static str,
}

/// The tansu binary.
pub const TANSU: Tool = Tool {
    variable: "KMESOS_TANSU",
    on_path: Some("tansu"),
    in_tools: "bin/tansu",
    installer: "scripts/install-tansu.sh",
};

/// The Apache Kafka distribution archive. The scheduler serves it under its
/// real file name, so the link `current.tgz` is followed.
pub const KAFKA_DISTRIBUTION: Tool = Tool {
    variable: "KMESOS_KAFKA_DIST",
    on_path: None,
    in_tools: "kafka/current.tgz",
    installer: "scripts/install-kafka.sh",
};

/// ZooKeeper's server script (`zkServer.sh`, from Debian's `zookeeper`
/// package, linked into the tools dir), for `kmesos dev --ha`.
pub const ZOOKEEPER: Tool = Tool {
    variable: "KMESOS_ZOOKEEPER",
    on_path: None,
    in_tools: "zookeeper/zkServer.sh",
    installer: "scripts/setup.sh",
};

impl Tool {
    /// Where the tool is, if anywhere (links resolved).
    pub fn find(&self) -> Option<PathBuf> {
        let var = std::env::var_os;
        locate(
            self,
            var(self.variable),
            var("PATH"),
            var("KMESOS_TOOLS"),
            var("HOME"),
        )
        .and_then(|p| p.canonicalize().ok())
    }

    /// Where it was looked for and how to install it, for an error.
    pub fn looked_for(&self) -> String {
        let path = self.on_path.map(|_| "PATH, ").unwrap_or_default();
        format!(
            "{}, {path}$KMESOS_TOOLS/{} ($HOME/.cache/kmesos/tools by default); {} installs it",
            self.variable, self.in_tools, self.installer
        )
    }
}

/// [`find`] over the given environment values.
fn locate(
    tool: &Tool,
    explicit: Option<OsString>,
    path: Option<OsString>,
    tools: Option<OsString>,
    home: Option<OsString>,
) -> Option<PathBuf> {
    if let Some(path) = explicit.map(PathBuf::from) {
        // A variable that names nothing is not silently replaced.
        return path.is_file().then_some(path);
    }
    let on_path = tool.on_path.and_then(|name| on_path(name, path));
    on_path.or_else(|| {
        let tools = match tools {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(home?).join(".cache/kmesos/tools"),
        };
        let installed = tools.join(tool.in_tools);
        installed.is_file().then_some(installed)
    })
}

/// The file `name` in the first directory of `path` (a `PATH` value) that
/// has one.
pub fn on_path(name: &str, path: Option<OsString>) -> Option<PathBuf> {
    path.iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// `kmesos-executor` in the directory of the running program (`kmesos`),
/// or why it is not there.
pub fn executor_beside_this_program() -> Result<PathBuf, String> {
    let me = std::env::current_exe()
        .map_err(|e| format!("cannot find the kmesos binary's path: {e}"))?;
    let path = me.with_file_name("kmesos-executor");
    if !path.is_file() {
        return Err(format!("the executor {} is missing (build it: cargo build -p kmesos-executor), or pass --executor", path.display()));
    }
    Ok(path)
}

/// The Python with the Kafka client libraries that tests run:
/// `KMESOS_PYTHON`, else the repository's `.venv` (scripts/setup.sh).
pub fn python() -> PathBuf {
    std::env::var_os("KMESOS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python"))
}

#[cfg(test)]
mod tests {
    use super::{locate, KAFKA_DISTRIBUTION, TANSU};
    use std::ffi::OsString;
    use std::path::{Path, PathBuf};

    fn file_at(path: PathBuf) -> PathBuf {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "").unwrap();
        path
    }

    #[test]
    fn tansu_is_found_by_variable_then_path_then_the_tools_dir() {
        let root = tempfile::tempdir().unwrap();
        let os = |p: &Path| Some(OsString::from(p));
        let tools = root.path().join("tools");
        let installed = file_at(tools.join("bin/tansu"));
        let home_default = file_at(root.path().join("home/.cache/kmesos/tools/bin/tansu"));
        let on_path = file_at(root.path().join("path/tansu"));
        let explicit = file_at(root.path().join("explicit/tansu"));
        let empty = os(&root.path().join("nothing-here"));
        let path_dir = os(on_path.parent().unwrap());
        let home = os(&root.path().join("home"));

        let found = |e, p, t, h| locate(&TANSU, e, p, t, h);
        assert_eq!(
            found(os(&explicit), path_dir.clone(), None, None),
            Some(explicit)
        );
        assert_eq!(found(None, path_dir, os(&tools), None), Some(on_path));
        assert_eq!(
            found(None, empty.clone(), os(&tools), None),
            Some(installed)
        );
        assert_eq!(found(None, empty.clone(), None, home), Some(home_default));
        assert_eq!(found(None, empty, None, None), None);
        let missing = os(&root.path().join("missing"));
        assert_eq!(found(missing, None, os(&tools), None), None);
    }

    #[test]
    fn the_kafka_distribution_is_never_looked_for_on_path() {
        let root = tempfile::tempdir().unwrap();
        let os = |p: &Path| Some(OsString::from(p));
        file_at(root.path().join("path/current.tgz"));
        let path_dir = os(&root.path().join("path"));
        let tools = root.path().join("tools");
        assert_eq!(
            locate(
                &KAFKA_DISTRIBUTION,
                None,
                path_dir.clone(),
                os(&tools),
                None
            ),
            None
        );
        let packed = file_at(tools.join("kafka/current.tgz"));
        assert_eq!(
            locate(&KAFKA_DISTRIBUTION, None, path_dir, os(&tools), None),
            Some(packed)
        );
    }
}
