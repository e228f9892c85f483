//! The files agents fetch from the scheduler: the executor binary and the
//! broker program (the tansu binary, or an Apache Kafka distribution). Each is
//! hashed once at startup; the hash travels with its URI in the launch so the
//! executor can check what it fetched before running it.
//!
//! Served by the HTTP API under `/artifacts/NAME`, unauthenticated: Mesos
//! fetchers cannot send a bearer token, and the files hold no secrets.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Where artifacts are served under the API's base URL.
pub const ARTIFACTS_PATH: &str = "/artifacts";

/// One file offered to agents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The file name agents fetch it as (`kmesos-executor`, `tansu`, `kafka_2.13-4.1.0.tgz`).
    pub name: String,
    pub path: PathBuf,
    /// Lower-case hex sha256 of the file's content.
    pub sha256: String,
    /// Whether the agent should make it executable after fetching.
    pub executable: bool,
}

/// The artifacts a scheduler serves, by name, and the base URL agents reach them at.
#[derive(Debug, Clone, Default)]
pub struct Artifacts {
    base_url: String,
    by_name: BTreeMap<String, Artifact>,
}

/// A file that cannot be served.
#[derive(Debug, thiserror::Error)]
#[error("artifact {path}: {source}")]
pub struct ArtifactError {
    pub path: String,
    pub source: std::io::Error,
}

impl Artifacts {
    /// An empty set served at `base_url` (the API's URL as agents reach it,
    /// e.g. `http://127.0.0.1:7000`).
    pub fn new(base_url: impl Into<String>) -> Artifacts {
        Artifacts {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            by_name: BTreeMap::new(),
        }
    }

    /// Adds a file under its own file name, hashing it now.
    pub fn add(
        &mut self,
        path: impl AsRef<Path>,
        executable: bool,
    ) -> Result<&Artifact, ArtifactError> {
        let path = path.as_ref();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sha256 = sha256_of(path)?;
        let artifact = Artifact {
            name: name.clone(),
            path: path.to_path_buf(),
            sha256,
            executable,
        };
        Ok(self.by_name.entry(name).insert_entry(artifact).into_mut())
    }

    pub fn get(&self, name: &str) -> Option<&Artifact> {
        self.by_name.get(name)
    }

    /// The URI an agent fetches `artifact` from. It names the content's
    /// sha256, so a URI always means the same bytes and agents may cache it
    /// (the route ignores the query).
    pub fn uri(&self, artifact: &Artifact) -> String {
        format!(
            "{}{ARTIFACTS_PATH}/{}?sha256={}",
            self.base_url, artifact.name, artifact.sha256
        )
    }

    pub fn iter(&self) -> impl Iterator<Item = &Artifact> {
        self.by_name.values()
    }

    /// The routes serving these files.
    pub fn router(self) -> Router {
        Router::new()
            .route(&format!("{ARTIFACTS_PATH}/{{name}}"), get(serve))
            .with_state(Arc::new(self))
    }
}

/// Bytes read from an artifact per chunk served.
const SERVE_CHUNK: usize = 1 << 20;

async fn serve(
    State(artifacts): State<Arc<Artifacts>>,
    UrlPath(name): UrlPath<String>,
) -> Response {
    let Some(artifact) = artifacts.get(&name) else {
        return (
            StatusCode::NOT_FOUND,
            format!("no artifact named {name:?}\n"),
        )
            .into_response();
    };
    match tokio::fs::File::open(&artifact.path).await {
        Ok(file) => {
            let length = file.metadata().await.map(|m| m.len()).ok();
            // Large reads: each one is a trip to tokio's blocking pool, and
            // the default 4 KiB made a broker archive take seconds.
            let chunks = tokio_util::io::ReaderStream::with_capacity(file, SERVE_CHUNK);
            let body = Body::from_stream(chunks);
            let mut response = (
                [
                    (header::CONTENT_TYPE, "application/octet-stream".to_string()),
                    (header::ETAG, format!("\"{}\"", artifact.sha256)),
                ],
                body,
            )
                .into_response();
            if let Some(length) = length {
                response
                    .headers_mut()
                    .insert(header::CONTENT_LENGTH, length.into());
            }
            response
        }
        Err(e) => {
            tracing::error!(artifact = %artifact.path.display(), error = %e, "cannot serve artifact");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot read {name}: {e}\n"),
            )
                .into_response()
        }
    }
}

/// The lower-case hex sha256 of a file, read in chunks (a broker
/// distribution is hundreds of MiB).
pub fn sha256_of(path: &Path) -> Result<String, ArtifactError> {
    let fail = |source| ArtifactError {
        path: path.display().to_string(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(fail)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer).map_err(fail)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
