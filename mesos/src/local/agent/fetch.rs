//! The fetcher: before an executor starts, each `CommandInfo.uris` entry is
//! downloaded (http) or copied (absolute path, file://) into the sandbox,
//! made executable or unpacked as Mesos's fetcher does. Archives are unpacked
//! with the system `tar`/`unzip`, as the Mesos fetcher itself does.

use std::path::{Path, PathBuf};

/// One URI to fetch, as in `CommandInfo.URI`.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchUri {
    pub value: String,
    pub executable: bool,
    pub extract: bool,
    pub output_file: Option<String>,
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

/// Fetches every URI in order into `sandbox`; the first failure stops it.
pub async fn fetch_all(
    client: &reqwest::Client,
    uris: &[FetchUri],
    sandbox: &Path,
) -> Result<(), FetchError> {
    for uri in uris {
        fetch_one(client, uri, sandbox)
            .await
            .map_err(|problem| FetchError {
                uri: uri.value.clone(),
                problem,
            })?;
    }
    Ok(())
}

async fn fetch_one(client: &reqwest::Client, uri: &FetchUri, sandbox: &Path) -> Result<(), String> {
    let target = target_path(uri, sandbox)?;
    if let Some(parent) = target.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| e.to_string())?;
    }
    let value = uri.value.as_str();
    if value.starts_with("http://") || value.starts_with("https://") {
        let resp = client.get(value).send().await.map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("HTTP {}", resp.status()));
        }
        let body = resp.bytes().await.map_err(|e| e.to_string())?;
        tokio::fs::write(&target, &body)
            .await
            .map_err(|e| e.to_string())?;
    } else {
        let source = value.strip_prefix("file://").unwrap_or(value);
        if !Path::new(source).is_absolute() {
            return Err("only http(s) URLs, file:// URLs and absolute paths can be fetched".into());
        }
        tokio::fs::copy(source, &target)
            .await
            .map_err(|e| e.to_string())?;
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
        fetch_all(&client, &[exe, tarball], sandbox.path())
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
        let err = fetch_all(&client, &[uri("/no/such/file")], sandbox.path())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("/no/such/file"));
        let err = fetch_all(&client, &[uri("relative/x")], sandbox.path())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("absolute"));
        let mut escape = uri("/etc/hostname");
        escape.output_file = Some("../x".into());
        assert!(fetch_all(&client, &[escape], sandbox.path()).await.is_err());
    }
}
