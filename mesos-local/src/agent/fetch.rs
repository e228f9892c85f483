//! The fetcher: before an executor starts, each `CommandInfo.uris` entry is
//! downloaded (http) or copied (absolute path, file://) into the sandbox,
//! made executable or unpacked as Mesos's fetcher does. Archives are unpacked
//! with the system `tar`/`unzip`, as the Mesos fetcher itself does.
//!
//! A URI with `cache = true` is fetched once per agent into the agent's
//! fetcher cache, keyed by the URI as Mesos keys it, and then hard-linked
//! into each sandbox (copied where a link cannot be made). As with Mesos, a
//! cached URI must name fixed content: a framework changes the URI when the
//! content changes.

use std::path::{Path, PathBuf};

/// One URI to fetch, as in `CommandInfo.URI`.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchUri {
    pub value: String,
    pub executable: bool,
    pub extract: bool,
    pub output_file: Option<String>,
    pub cache: bool,
}

/// Why a fetch failed, naming the URI.
#[derive(Debug, thiserror::Error)]
#[error("failed to fetch '{uri}': {problem}")]
pub struct FetchError {
    pub uri: String,
    pub problem: String,
}

const ARCHIVES: [&str; 9] = [
    ".tar", ".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tbz2", ".txz", ".zip", ".gz",
];

/// Fetches every URI in order into `sandbox`, through the agent's fetcher
/// cache at `cache_dir` for cached URIs; the first failure stops it.
pub async fn fetch_all(
    client: &reqwest::Client,
    uris: &[FetchUri],
    sandbox: &Path,
    cache_dir: &Path,
) -> Result<(), FetchError> {
    for uri in uris {
        fetch_one(client, uri, sandbox, cache_dir)
            .await
            .map_err(|problem| FetchError {
                uri: uri.value.clone(),
                problem,
            })?;
    }
    Ok(())
}

async fn fetch_one(
    client: &reqwest::Client,
    uri: &FetchUri,
    sandbox: &Path,
    cache_dir: &Path,
) -> Result<(), String> {
    let target = target_path(uri, sandbox)?;
    if let Some(parent) = target.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| e.to_string())?;
    }
    if uri.cache {
        let cached = cached_copy(client, &uri.value, cache_dir).await?;
        if tokio::fs::hard_link(&cached, &target).await.is_err() {
            tokio::fs::copy(&cached, &target)
                .await
                .map_err(|e| e.to_string())?;
        }
    } else {
        download(client, &uri.value, &target).await?;
    }
    if uri.executable {
        use std::os::unix::fs::PermissionsExt;
        tokio::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))
            .await
            .map_err(|e| e.to_string())?;
    } else if uri.extract {
        extract(&target, sandbox).await?;
    }
    Ok(())
}

/// The cache entry for `value`, fetched now unless an earlier fetch left it.
/// A fetch writes a temporary name and renames it, so a reader never sees a
/// partial entry; two launches racing both fetch and the last rename wins.
async fn cached_copy(
    client: &reqwest::Client,
    value: &str,
    cache_dir: &Path,
) -> Result<PathBuf, String> {
    use sha2::{Digest, Sha256};
    let key = hex::encode(Sha256::digest(value.as_bytes()));
    let entry = cache_dir.join(&key);
    if tokio::fs::metadata(&entry).await.is_ok() {
        return Ok(entry);
    }
    tokio::fs::create_dir_all(cache_dir)
        .await
        .map_err(|e| format!("cannot create the fetcher cache: {e}"))?;
    let partial = cache_dir.join(format!(".{key}.{}", uuid::Uuid::new_v4()));
    let fetched = download(client, value, &partial).await;
    if let Err(e) = fetched {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(e);
    }
    tokio::fs::rename(&partial, &entry)
        .await
        .map_err(|e| format!("cannot fill the fetcher cache: {e}"))?;
    Ok(entry)
}

/// Writes what `value` names (an http(s) URL, a file:// URL or an absolute
/// path) to `target`.
async fn download(client: &reqwest::Client, value: &str, target: &Path) -> Result<(), String> {
    if value.starts_with("http://") || value.starts_with("https://") {
        let resp = client.get(value).send().await.map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("HTTP {}", resp.status()));
        }
        let body = resp.bytes().await.map_err(|e| e.to_string())?;
        tokio::fs::write(target, &body)
            .await
            .map_err(|e| e.to_string())
    } else {
        let source = value.strip_prefix("file://").unwrap_or(value);
        if !Path::new(source).is_absolute() {
            return Err("only http(s) URLs, file:// URLs and absolute paths can be fetched".into());
        }
        tokio::fs::copy(source, target)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Where the fetched file goes: `output_file` if given, else the URI's
/// basename (without query), always inside the sandbox.
fn target_path(uri: &FetchUri, sandbox: &Path) -> Result<PathBuf, String> {
    let name = match &uri.output_file {
        Some(name) => name.clone(),
        None => {
            let path = uri.value.split(['?', '#']).next().unwrap_or_default();
            path.rsplit('/').next().unwrap_or_default().to_string()
        }
    };
    let rel = Path::new(&name);
    let escapes = rel
        .components()
        .any(|c| !matches!(c, std::path::Component::Normal(_)));
    if name.is_empty() || escapes {
        return Err(format!(
            "cannot derive a file name inside the sandbox from '{name}'"
        ));
    }
    Ok(sandbox.join(rel))
}

async fn extract(file: &Path, sandbox: &Path) -> Result<(), String> {
    let name = file.to_string_lossy().to_string();
    let Some(kind) = ARCHIVES.iter().find(|ext| name.ends_with(*ext)) else {
        return Ok(());
    };
    let mut cmd = match *kind {
        ".zip" => {
            let mut c = tokio::process::Command::new("unzip");
            c.arg("-o").arg("-d").arg(sandbox).arg(file);
            c
        }
        ".gz" if !name.ends_with(".tar.gz") => {
            let mut c = tokio::process::Command::new("gunzip");
            c.arg("-k").arg("-f").arg(file);
            c
        }
        _ => {
            let mut c = tokio::process::Command::new("tar");
            c.arg("-C").arg(sandbox).arg("-xf").arg(file);
            c
        }
    };
    let out = cmd
        .output()
        .await
        .map_err(|e| format!("cannot run the extractor: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "extracting failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(value: &str) -> FetchUri {
        FetchUri {
            value: value.into(),
            executable: false,
            extract: true,
            output_file: None,
            cache: false,
        }
    }

    #[tokio::test]
    async fn copies_local_files_marks_executables_and_unpacks_tarballs() {
        let src = tempfile::tempdir().unwrap();
        let sandbox = tempfile::tempdir().unwrap();
        std::fs::write(src.path().join("run.sh"), "#!/bin/sh\necho ok\n").unwrap();
        std::fs::create_dir(src.path().join("pkg")).unwrap();
        std::fs::write(src.path().join("pkg/conf.txt"), "x=1").unwrap();
        let status = std::process::Command::new("tar")
            .arg("-C")
            .arg(src.path())
            .arg("-czf")
            .arg(src.path().join("pkg.tar.gz"))
            .arg("pkg")
            .status()
            .unwrap();
        assert!(status.success());

        let client = reqwest::Client::new();
        let mut exe = uri(&format!("file://{}", src.path().join("run.sh").display()));
        exe.executable = true;
        exe.output_file = Some("bin/start".into());
        let tarball = uri(src.path().join("pkg.tar.gz").to_str().unwrap());
        fetch_all(
            &client,
            &[exe, tarball],
            sandbox.path(),
            &sandbox.path().join("cache"),
        )
        .await
        .unwrap();

        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(sandbox.path().join("bin/start"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111);
        assert_eq!(
            std::fs::read_to_string(sandbox.path().join("pkg/conf.txt")).unwrap(),
            "x=1"
        );
    }

    #[tokio::test]
    async fn failures_name_the_uri() {
        let sandbox = tempfile::tempdir().unwrap();
        let client = reqwest::Client::new();
        let mut escape = uri("/etc/hostname");
        escape.output_file = Some("../x".into());
        for (bad, says) in [
            (uri("/no/such/file"), "/no/such/file"),
            (uri("relative/x"), "absolute"),
            (escape, "inside the sandbox"),
        ] {
            let err = fetch_all(&client, &[bad], sandbox.path(), sandbox.path())
                .await
                .unwrap_err();
            assert!(err.to_string().contains(says), "{err}");
        }
    }

    #[tokio::test]
    async fn a_cached_uri_is_fetched_once_and_shared_by_sandboxes() {
        use std::os::unix::fs::MetadataExt;
        let src = tempfile::tempdir().unwrap();
        let agent = tempfile::tempdir().unwrap();
        let cache = agent.path().join("fetch_cache");
        let source = src.path().join("tool");
        std::fs::write(&source, "version 1").unwrap();
        let mut tool = uri(source.to_str().unwrap());
        tool.cache = true;
        tool.executable = true;
        let client = reqwest::Client::new();
        let first = agent.path().join("run-1");
        fetch_all(&client, &[tool.clone()], &first, &cache)
            .await
            .unwrap();
        std::fs::write(&source, "version 2").unwrap();
        let second = agent.path().join("run-2");
        fetch_all(&client, &[tool], &second, &cache).await.unwrap();

        // The second launch got the cached content, in the same inode: the
        // bytes are on disk once however many sandboxes hold them.
        assert_eq!(
            std::fs::read_to_string(second.join("tool")).unwrap(),
            "version 1"
        );
        let a = std::fs::metadata(first.join("tool")).unwrap();
        let b = std::fs::metadata(second.join("tool")).unwrap();
        assert_eq!((a.dev(), a.ino()), (b.dev(), b.ino()));
        assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 1);

        // An uncached URI is fetched afresh.
        let mut fresh = uri(source.to_str().unwrap());
        fresh.output_file = Some("fresh".into());
        fetch_all(&client, &[fresh], &second, &cache).await.unwrap();
        assert_eq!(
            std::fs::read_to_string(second.join("fresh")).unwrap(),
            "version 2"
        );
    }
}
