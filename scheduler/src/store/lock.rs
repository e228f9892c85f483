//! One scheduler per state file: an exclusive lock on `STATE.lock` beside
//! it, held for as long as the store is open and released by the kernel when
//! the process ends (however it ends). The lock file names its holder, so a
//! second scheduler is refused with who has the state and since when.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::StoreError;

/// The held lock of one state file.
#[derive(Debug)]
pub struct StateLock {
    /// Open for as long as the lock is held: closing it releases the lock.
    _file: File,
}

impl StateLock {
    /// Takes the lock of the state at `state_path`, or says who holds it.
    pub fn acquire(state_path: &Path) -> Result<StateLock, StoreError> {
        let path = lock_path(state_path);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| super::file::io("creating directory", dir, e))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| super::file::io("opening the lock", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = fs::read_to_string(&path).unwrap_or_default();
                return Err(StoreError::Locked {
                    path: state_path.display().to_string(),
                    holder: holder.trim().to_string(),
                });
            }
            Err(TryLockError::Error(e)) => {
                return Err(super::file::io("locking", &path, e));
            }
        }
        file.set_len(0)
            .and_then(|()| file.write_all(holder().as_bytes()))
            .and_then(|()| file.sync_all())
            .map_err(|e| super::file::io("writing the holder into", &path, e))?;
        Ok(StateLock { _file: file })
    }
}

/// `state.json` → `state.json.lock`.
fn lock_path(state_path: &Path) -> PathBuf {
    let mut name = state_path.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

/// This process, as the refusal names it: `pid 123 on host since TIME`.
fn holder() -> String {
    let host = fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    format!(
        "pid {} on {} since {}\n",
        std::process::id(),
        host.trim(),
        humantime::format_rfc3339_seconds(SystemTime::now())
    )
}
