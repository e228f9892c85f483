//! The agent's directory layout, as a Mesos agent lays out its work dir:
//! sandboxes at `slaves/<agent>/frameworks/<fw>/executors/<exec>/runs/<container>`
//! (with a `latest` link), and persistent volumes at
//! `volumes/roles/<role>/<persistence id>`, linked into a sandbox at the
//! volume's `container_path` (a symlink stands in for Mesos's bind mount).

use std::io;
use std::path::{Component, Path, PathBuf};

/// One agent's work dir.
#[derive(Debug, Clone)]
pub struct AgentDirs {
    root: PathBuf,
}

impl AgentDirs {
    pub fn new(root: PathBuf) -> Self {
        AgentDirs { root }
    }

    /// Creates a fresh run directory for an executor and points `latest` at it.
    pub fn create_sandbox(
        &self,
        agent: &str,
        framework: &str,
        executor: &str,
        container: &str,
    ) -> io::Result<PathBuf> {
        for (what, id) in [
            ("agent", agent),
            ("framework", framework),
            ("executor", executor),
            ("container", container),
        ] {
            check_id(what, id)?;
        }
        let runs = self
            .root
            .join("slaves")
            .join(agent)
            .join("frameworks")
            .join(framework)
            .join("executors")
            .join(executor)
            .join("runs");
        let sandbox = runs.join(container);
        std::fs::create_dir_all(&sandbox)?;
        let latest = runs.join("latest");
        let _ = std::fs::remove_file(&latest);
        std::os::unix::fs::symlink(&sandbox, &latest)?;
        Ok(sandbox)
    }

    /// The fetcher's cache of URIs fetched with `cache = true`.
    pub fn fetch_cache(&self) -> PathBuf {
        self.root.join("fetch_cache")
    }

    /// Where a persistent volume lives; Mesos stores a `/` in a role as a space.
    pub fn volume(&self, role: &str, persistence_id: &str) -> io::Result<PathBuf> {
        check_id("persistence id", persistence_id)?;
        let role_dir = role.replace('/', " ");
        check_id("role", &role_dir)?;
        Ok(self
            .root
            .join("volumes")
            .join("roles")
            .join(role_dir)
            .join(persistence_id))
    }

    pub fn create_volume(&self, role: &str, persistence_id: &str) -> io::Result<PathBuf> {
        let path = self.volume(role, persistence_id)?;
        std::fs::create_dir_all(&path)?;
        Ok(path)
    }

    /// Deletes a volume and its data (DESTROY).
    pub fn destroy_volume(&self, role: &str, persistence_id: &str) -> io::Result<()> {
        let path = self.volume(role, persistence_id)?;
        match std::fs::remove_dir_all(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Makes `volume` visible at `<sandbox>/<container_path>`.
    pub fn link_volume(sandbox: &Path, container_path: &str, volume: &Path) -> io::Result<()> {
        let rel = Path::new(container_path);
        if container_path.is_empty() || rel.components().any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(invalid(format!(
                "container_path '{container_path}' must be a relative path inside the sandbox"
            )));
        }
        let link = sandbox.join(rel);
        if let Some(parent) = link.parent() {
            std::fs::create_dir_all(parent)?;
        }
        if std::fs::symlink_metadata(&link).is_ok() {
            if std::fs::read_link(&link).ok().as_deref() == Some(volume) {
                return Ok(());
            }
            return Err(invalid(format!(
                "'{container_path}' already exists in the sandbox"
            )));
        }
        std::os::unix::fs::symlink(volume, link)
    }

    /// A path under this agent's work dir, for reads over `/files/read`;
    /// `None` if `path` lies outside it (symlinked volumes count as inside).
    pub fn readable(&self, path: &Path) -> Option<PathBuf> {
        let real = path.canonicalize().ok()?;
        let root = self.root.canonicalize().ok()?;
        real.starts_with(&root).then_some(real)
    }
}

fn check_id(what: &str, id: &str) -> io::Result<()> {
    let bad = id.is_empty()
        || id == "."
        || id == ".."
        || id.contains('/')
        || id.chars().any(char::is_control);
    if bad {
        return Err(invalid(format!(
            "{what} '{id}' cannot be used as a directory name"
        )));
    }
    Ok(())
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_outlives_sandboxes_and_is_seen_through_the_link() {
        let tmp = tempfile::tempdir().unwrap();
        let dirs = AgentDirs::new(tmp.path().to_path_buf());
        let vol = dirs.create_volume("kafka/brokers", "broker-0-v1").unwrap();
        assert!(vol.ends_with("volumes/roles/kafka brokers/broker-0-v1"));

        let first = dirs.create_sandbox("S0", "F0", "e1", "c1").unwrap();
        AgentDirs::link_volume(&first, "data", &vol).unwrap();
        std::fs::write(first.join("data/segment"), "abc").unwrap();

        let second = dirs.create_sandbox("S0", "F0", "e1", "c2").unwrap();
        AgentDirs::link_volume(&second, "data", &vol).unwrap();
        assert_eq!(
            std::fs::read_to_string(second.join("data/segment")).unwrap(),
            "abc"
        );
        let latest = std::fs::read_link(second.parent().unwrap().join("latest")).unwrap();
        assert_eq!(latest, second);

        dirs.destroy_volume("kafka/brokers", "broker-0-v1").unwrap();
        assert!(!vol.exists());
    }

    #[test]
    fn ids_and_paths_cannot_escape() {
        let tmp = tempfile::tempdir().unwrap();
        let dirs = AgentDirs::new(tmp.path().to_path_buf());
        assert!(dirs.create_sandbox("S0", "..", "e", "c").is_err());
        assert!(dirs.volume("r", "a/b").is_err());
        let sandbox = dirs.create_sandbox("S0", "F", "e", "c").unwrap();
        assert!(AgentDirs::link_volume(&sandbox, "../up", tmp.path()).is_err());
        assert!(dirs.readable(Path::new("/etc/passwd")).is_none());
        assert!(dirs.readable(&sandbox).is_some());
    }
}
