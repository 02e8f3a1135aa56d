//! Content-addressed image storage.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Where originals (by hash) and rendered variants (by cache key) live.
pub trait MediaStore: Send + Sync + 'static {
    /// Stores an original under its hash. Storing the same hash again is a no-op.
    fn put(&self, hash: &str, bytes: &[u8]) -> std::io::Result<()>;
    fn get(&self, hash: &str) -> std::io::Result<Option<Vec<u8>>>;
    /// Rendered variants (resized / converted), keyed by e.g. `HASH-128.webp`.
    fn put_variant(&self, key: &str, bytes: &[u8]) -> std::io::Result<()>;
    fn get_variant(&self, key: &str) -> std::io::Result<Option<Vec<u8>>>;
}

/// A directory: `originals/HASH` and `variants/KEY`. Each file is written to a temporary file
/// in the same directory and renamed into place, so a crash never leaves half an image behind
/// a name. Nothing is ever deleted: old hashes stay reachable.
pub struct DiskStore {
    originals: PathBuf,
    variants: PathBuf,
}

impl DiskStore {
    /// Creates the directories if needed. The media belong to the server's user alone:
    /// directories are made (and existing ones tightened to) 0700, files 0600 (new ones are
    /// written through `tempfile`, which creates them 0600; existing ones are tightened here).
    pub fn open(root: impl AsRef<Path>) -> std::io::Result<DiskStore> {
        let root = root.as_ref();
        let store =
            DiskStore { originals: root.join("originals"), variants: root.join("variants") };
        for dir in [&store.originals, &store.variants] {
            owner_only::create_dir_all(dir)?;
        }
        owner_only::tighten_dir(root)?;
        for dir in [&store.originals, &store.variants] {
            owner_only::tighten_dir(dir)?;
            for entry in std::fs::read_dir(dir)? {
                let entry = entry?;
                if entry.file_type()?.is_file() {
                    owner_only::tighten_file(&entry.path())?;
                }
            }
        }
        Ok(store)
    }
}

/// Owner-only modes (Unix; elsewhere the platform's defaults stand).
mod owner_only {
    use std::path::Path;

    #[cfg(unix)]
    pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
    }

    #[cfg(not(unix))]
    pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)
    }

    pub fn tighten_dir(dir: &Path) -> std::io::Result<()> {
        tighten(dir, 0o700)
    }

    pub fn tighten_file(file: &Path) -> std::io::Result<()> {
        tighten(file, 0o600)
    }

    #[cfg(unix)]
    fn tighten(path: &Path, mode: u32) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
        // Only ever removes bits: an owner who made it stricter keeps that.
        if current & !mode != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(current & mode))?;
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn tighten(_: &Path, _: u32) -> std::io::Result<()> {
        Ok(())
    }
}

/// Names come from our own hashes and formats; refuse anything that could leave the directory.
fn safe(name: &str) -> std::io::Result<&str> {
    let ok = !name.is_empty()
        && name.len() <= 80
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        && !name.starts_with('.');
    if ok {
        Ok(name)
    } else {
        Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "invalid media name"))
    }
}

fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let target = dir.join(safe(name)?);
    if target.exists() {
        return Ok(());
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

fn read(dir: &Path, name: &str) -> std::io::Result<Option<Vec<u8>>> {
    match std::fs::read(dir.join(safe(name)?)) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

impl MediaStore for DiskStore {
    fn put(&self, hash: &str, bytes: &[u8]) -> std::io::Result<()> {
        write_atomically(&self.originals, hash, bytes)
    }
    fn get(&self, hash: &str) -> std::io::Result<Option<Vec<u8>>> {
        read(&self.originals, hash)
    }
    fn put_variant(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        write_atomically(&self.variants, key, bytes)
    }
    fn get_variant(&self, key: &str) -> std::io::Result<Option<Vec<u8>>> {
        read(&self.variants, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_path_tricks() {
        let dir = tempfile::tempdir().unwrap();
        let store = DiskStore::open(dir.path().join("media")).unwrap();
        store.put("abc", b"one").unwrap();
        store.put("abc", b"two").unwrap();
        assert_eq!(store.get("abc").unwrap().unwrap(), b"one");
        assert_eq!(store.get("missing").unwrap(), None);
        for bad in ["../x", "a/b", "", ".hidden"] {
            assert!(store.get(bad).is_err(), "{bad}");
        }
        // No temporary files are left behind.
        assert_eq!(std::fs::read_dir(dir.path().join("media/originals")).unwrap().count(), 1);
    }
}
