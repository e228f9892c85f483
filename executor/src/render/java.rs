//! Finding the JVM that runs Apache Kafka on this agent: the contract's
//! `java_home` (the agent's `kafka.java_home` attribute), else the executor's
//! `JAVA_HOME`, else `java` on its `PATH`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::RenderError;

/// The `java` binary for a broker, or why there is none.
pub fn binary(java_home: Option<&str>) -> Result<PathBuf, RenderError> {
    locate(
        java_home,
        std::env::var_os("JAVA_HOME"),
        std::env::var_os("PATH"),
    )
}

/// [`binary`] over the given environment values.
fn locate(
    java_home: Option<&str>,
    env_home: Option<OsString>,
    path: Option<OsString>,
) -> Result<PathBuf, RenderError> {
    let in_home = |home: &Path, source: &str| {
        let java = home.join("bin").join("java");
        if java.is_file() {
            Ok(java)
        } else {
            Err(RenderError::NoJava(format!(
                "{source} is {}, which has no bin/java",
                home.display()
            )))
        }
    };
    if let Some(home) = java_home {
        return in_home(Path::new(home), "the agent's kafka.java_home attribute");
    }
    if let Some(home) = env_home.filter(|h| !h.is_empty()) {
        return in_home(Path::new(&home), "JAVA_HOME");
    }
    tools::on_path("java", path).ok_or_else(|| {
        RenderError::NoJava(
            "no java on PATH and JAVA_HOME is not set; give the agent Java 17 or newer \
                 (JAVA_HOME, PATH, or a kafka.java_home attribute)"
                .to_string(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::locate;
    use std::ffi::OsString;
    use std::path::Path;

    fn jvm_in(home: &Path) -> std::path::PathBuf {
        std::fs::create_dir_all(home.join("bin")).unwrap();
        let java = home.join("bin/java");
        std::fs::write(&java, "").unwrap();
        java
    }

    #[test]
    fn the_attribute_wins_then_java_home_then_path() {
        let root = tempfile::tempdir().unwrap();
        let attribute = jvm_in(&root.path().join("attr"));
        let env_home = jvm_in(&root.path().join("env"));
        let on_path = jvm_in(&root.path().join("path"));
        let os = |p: &Path| Some(OsString::from(p));
        let path_dir = os(&root.path().join("path/bin"));
        let attr_home = root.path().join("attr").display().to_string();

        let found = locate(
            Some(&attr_home),
            os(&root.path().join("env")),
            path_dir.clone(),
        );
        assert_eq!(found.unwrap(), attribute);
        let found = locate(None, os(&root.path().join("env")), path_dir.clone());
        assert_eq!(found.unwrap(), env_home);
        assert_eq!(locate(None, None, path_dir).unwrap(), on_path);
    }

    #[test]
    fn no_jvm_is_a_message_saying_where_it_looked() {
        let root = tempfile::tempdir().unwrap();
        let empty = Some(OsString::from(root.path()));
        let message = locate(None, None, empty).unwrap_err().to_string();
        assert!(message.contains("no java on PATH"), "{message}");
        assert!(message.contains("kafka.java_home"), "{message}");

        let home = root.path().display().to_string();
        let message = locate(Some(&home), None, None).unwrap_err().to_string();
        assert!(
            message.contains("kafka.java_home attribute is") && message.contains("no bin/java"),
            "{message}"
        );
    }
}
