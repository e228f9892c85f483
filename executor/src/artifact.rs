//! The broker program on the agent: where it is (fetched into the sandbox or
//! installed at an absolute path), whether it is the file the scheduler
//! served (its sha256), and unpacking an Apache Kafka distribution archive.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The directory an archive distribution is unpacked into, in the sandbox.
pub const UNPACKED_DISTRIBUTION: &str = "kafka-distribution";

/// Why the broker program cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("broker program {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("broker program {path}: sha256 is {actual}, the scheduler announced {expected}")]
    Checksum {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error(
        "Kafka distribution {path}: no libs/kafka_*.jar in it or in a single top-level directory"
    )]
    NotKafka { path: PathBuf },
}

/// A program path from the launch contract: relative ones are in the sandbox.
pub fn resolve(sandbox: &Path, path: &str) -> PathBuf {
    sandbox.join(path)
}

/// Checks that a file exists and, when `expected` is given, that its sha256 matches.
pub fn verify(path: &Path, expected: Option<&str>) -> Result<(), ArtifactError> {
    let io_err = |source| ArtifactError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io_err)?;
    let Some(expected) = expected else {
        return Ok(());
    };
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher).map_err(io_err)?;
    let actual = hex::encode(hasher.finalize());
    if actual == expected {
        Ok(())
    } else {
        Err(ArtifactError::Checksum {
            path: path.to_path_buf(),
            expected: expected.to_string(),
            actual,
        })
    }
}

/// The Kafka home directory (the one holding `libs/`) for a distribution that
/// is a directory, or a `.tgz`/`.tar.gz` archive unpacked into the sandbox.
pub fn kafka_home(
    sandbox: &Path,
    distribution: &str,
    sha256: Option<&str>,
) -> Result<PathBuf, ArtifactError> {
    let path = resolve(sandbox, distribution);
    let io_err = |source| ArtifactError::Io {
        path: path.clone(),
        source,
    };
    let meta = std::fs::metadata(&path).map_err(io_err)?;
    let root = if meta.is_dir() {
        path.clone()
    } else {
        verify(&path, sha256)?;
        let target = sandbox.join(UNPACKED_DISTRIBUTION);
        // A previous launch in this sandbox may have left a partial unpack.
        if target.exists() {
            std::fs::remove_dir_all(&target).map_err(io_err)?;
        }
        let archive = File::open(&path).map_err(io_err)?;
        tar::Archive::new(flate2::read::GzDecoder::new(archive))
            .unpack(&target)
            .map_err(io_err)?;
        target
    };
    find_home(&root).ok_or(ArtifactError::NotKafka { path })
}

fn find_home(root: &Path) -> Option<PathBuf> {
    let is_home = |dir: &Path| holds_kafka_jar(&dir.join("libs"));
    if is_home(root) {
        return Some(root.to_path_buf());
    }
    let dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    match dirs.as_slice() {
        [only] if is_home(only) => Some(only.clone()),
        _ => None,
    }
}

/// Whether `libs` holds the broker's own jar, `kafka_<scala>-<version>.jar`.
fn holds_kafka_jar(libs: &Path) -> bool {
    std::fs::read_dir(libs).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("kafka_") && name.ends_with(".jar")
        })
    })
}
