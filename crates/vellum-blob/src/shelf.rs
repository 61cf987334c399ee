//! A few named files beside a blob store — a backup's database, manifest and audit key — in a
//! local folder or under a prefix of a bucket. Each file is stored whole or not at all.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use async_trait::async_trait;

use crate::{BlobStore, Error, LocalBlobStore, OpenOptions, Result, S3BlobStore};

#[async_trait]
pub trait Shelf: Send + Sync {
    /// Stores the file at `from` as `name`, replacing any earlier one.
    async fn put(&self, name: &str, from: &Path) -> Result<()>;
    /// Copies `name` to `to`; false when there is no such file.
    async fn get(&self, name: &str, to: &Path) -> Result<bool>;
    /// Removes `name` if it is there.
    async fn remove(&self, name: &str) -> Result<()>;
    /// The blob store beside the files.
    fn blobs(&self) -> Arc<dyn BlobStore>;
}

/// A name is relative plain segments (`audit/signing.key`): never a path out of the shelf.
fn check(name: &str) -> Result<()> {
    let plain = |s: &str| {
        !s.is_empty() && s != "." && s != ".." && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    if name.split('/').all(plain) {
        Ok(())
    } else {
        Err(Error::BadKey(name.chars().take(80).collect()))
    }
}

/// Opens the shelf a URL names: `s3://bucket[/prefix]` or a local folder (made if missing).
pub async fn open_shelf(url: &str, options: &OpenOptions) -> Result<Box<dyn Shelf>> {
    if url.starts_with("s3://") {
        return Ok(Box::new(S3Shelf(crate::s3_store(url, options).await?)));
    }
    let dir = PathBuf::from(url.strip_prefix("file://").unwrap_or(url));
    std::fs::create_dir_all(&dir)?;
    let blobs = LocalBlobStore::open_with(&dir, options.max_staging)?;
    Ok(Box::new(FolderShelf { dir, blobs }))
}

struct FolderShelf {
    dir: PathBuf,
    blobs: LocalBlobStore,
}

#[async_trait]
impl Shelf for FolderShelf {
    async fn put(&self, name: &str, from: &Path) -> Result<()> {
        check(name)?;
        let (from, dest) = (from.to_path_buf(), self.dir.join(name));
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let parent = dest.parent().ok_or_else(|| std::io::Error::other("no folder"))?;
            std::fs::create_dir_all(parent)?;
            let tmp = dest.with_extension("partial");
            std::fs::copy(&from, &tmp)?;
            std::fs::File::open(&tmp)?.sync_all()?;
            std::fs::rename(&tmp, &dest)?;
            std::fs::File::open(parent)?.sync_all()
        })
        .await
        .map_err(|e| Error::Io(std::io::Error::other(e)))??;
        Ok(())
    }

    async fn get(&self, name: &str, to: &Path) -> Result<bool> {
        check(name)?;
        match tokio::fs::copy(self.dir.join(name), to).await {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    async fn remove(&self, name: &str) -> Result<()> {
        check(name)?;
        match tokio::fs::remove_file(self.dir.join(name)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn blobs(&self) -> Arc<dyn BlobStore> {
        Arc::new(self.blobs.clone())
    }
}

struct S3Shelf(S3BlobStore);

#[async_trait]
impl Shelf for S3Shelf {
    async fn put(&self, name: &str, from: &Path) -> Result<()> {
        check(name)?;
        self.0.put_file(name, from).await
    }

    async fn get(&self, name: &str, to: &Path) -> Result<bool> {
        check(name)?;
        self.0.get_file(name, to).await
    }

    async fn remove(&self, name: &str) -> Result<()> {
        check(name)?;
        self.0.remove_file(name).await
    }

    fn blobs(&self) -> Arc<dyn BlobStore> {
        Arc::new(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_stay_inside() {
        for ok in ["manifest.json", "audit/signing.key", "database.sqlite"] {
            assert!(super::check(ok).is_ok(), "{ok}");
        }
        for bad in ["", "../x", "a//b", "/etc/passwd", "a/./b", "a b", "x\\y"] {
            assert!(super::check(bad).is_err(), "{bad}");
        }
    }
}
