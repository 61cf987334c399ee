//! The local store: bytes, names, staging folders shared by processes, listing and removal.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

/// The staged writes in this store's own folder (its lease file aside).
fn staged(store: &LocalBlobStore) -> usize {
    std::fs::read_dir(store.staging.dir())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name() != "max-staging-secs")
        .count()
}

/// Sets a file's modification time `ago` into the past, as if written then.
fn age(path: &Path, ago: Duration) {
    File::options().write(true).open(path).unwrap().set_modified(SystemTime::now() - ago).unwrap();
}

async fn put(store: &LocalBlobStore, parts: &[&[u8]]) -> StoredBlob {
    let mut w = store.begin().await.unwrap();
    for p in parts {
        w.write(p).await.unwrap();
    }
    w.finish().await.unwrap()
}

async fn read_all(store: &LocalBlobStore, key: &BlobKey, range: Option<(u64, u64)>) -> Vec<u8> {
    let mut r = store.open(key, range).await.unwrap();
    let mut v = Vec::new();
    r.read_to_end(&mut v).await.unwrap();
    v
}

#[tokio::test]
async fn bytes_come_back_exactly_under_their_hash() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalBlobStore::open(dir.path()).unwrap();
    let big: Vec<u8> = (0..(3 * CHUNK + 17)).map(|i| (i % 251) as u8).collect();
    let b = put(&store, &[&big[..10], &big[10..]]).await;
    assert_eq!(b.size, big.len() as u64);
    assert_eq!(b.key.as_str(), hex::encode(Sha256::digest(&big)));
    assert_eq!(read_all(&store, &b.key, None).await, big);
    assert_eq!(read_all(&store, &b.key, Some((5, 10))).await, big[5..15].to_vec());
    assert!(store.verify(&b.key).await.unwrap());
    assert_eq!(store.size(&b.key).await.unwrap(), Some(big.len() as u64));
}

#[tokio::test]
async fn equal_content_is_stored_once_and_temp_files_do_not_linger() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalBlobStore::open(dir.path()).unwrap();
    let a = put(&store, &[b"hello"]).await;
    let b = put(&store, &[b"hel", b"lo"]).await;
    assert_eq!(a, b);
    let abandoned = {
        let mut w = store.begin().await.unwrap();
        w.write(b"half").await.unwrap();
        w
    };
    drop(abandoned);
    assert_eq!(staged(&store), 0);
}

#[tokio::test]
async fn pending_blobs_appear_only_when_committed() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalBlobStore::open(dir.path()).unwrap();
    let mut pending = Vec::new();
    for content in [&b"one"[..], b"two", b"one"] {
        let mut w = store.begin().await.unwrap();
        w.write(content).await.unwrap();
        pending.push(w.finish_pending().await.unwrap());
    }
    let key = pending[0].key.clone();
    assert_eq!(store.size(&key).await.unwrap(), None, "not visible before commit");
    let dropped = pending.pop().unwrap();
    drop(dropped);
    let stored = store.commit_pending(pending).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(read_all(&store, &key, None).await, b"one");
    assert_eq!(staged(&store), 0);
}

#[tokio::test]
async fn missing_blobs_and_bad_keys_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalBlobStore::open(dir.path()).unwrap();
    let key = BlobKey::parse(&"a".repeat(64)).unwrap();
    assert!(matches!(store.open(&key, None).await, Err(Error::NotFound(_))));
    assert!(BlobKey::parse("../../etc/passwd").is_err());
    assert!(BlobKey::parse(&"A".repeat(64)).is_err());
}

#[tokio::test]
async fn opening_the_store_beside_a_write_in_flight_leaves_it_intact() {
    let dir = tempfile::tempdir().unwrap();
    let serving = LocalBlobStore::open(dir.path()).unwrap();
    let mut upload = serving.begin().await.unwrap();
    upload.write(&vec![7u8; CHUNK + 5]).await.unwrap();
    // A second process (here: a second store) opens the same folder and sweeps it.
    let worker = LocalBlobStore::open(dir.path()).unwrap();
    assert_eq!(worker.sweep_staging(false).await.unwrap(), vec![]);
    upload.write(b"the rest").await.unwrap();
    let b = upload.finish().await.unwrap();
    assert!(serving.verify(&b.key).await.unwrap());
    assert_ne!(serving.staging.dir(), worker.staging.dir(), "a staging folder per store");
}

#[tokio::test]
async fn abandoned_writes_are_swept_only_once_older_than_their_process_allows() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    let store = LocalBlobStore::open_with(dir.path(), Duration::from_secs(60)).unwrap();
    // A crashed process that allowed a minute: one write two minutes old, one just written.
    let crashed = tmp.join("4242-1000");
    std::fs::create_dir_all(&crashed).unwrap();
    std::fs::write(crashed.join("max-staging-secs"), "60").unwrap();
    std::fs::write(crashed.join("old"), b"abandoned").unwrap();
    std::fs::write(crashed.join("young"), b"maybe in flight").unwrap();
    age(&crashed.join("old"), Duration::from_secs(120));
    // A live process that allows two hours: its slow upload, quiet for two minutes, is not stale.
    let slow = tmp.join("4343-1000");
    std::fs::create_dir_all(&slow).unwrap();
    std::fs::write(slow.join("max-staging-secs"), "7200").unwrap();
    std::fs::write(slow.join("upload"), b"slow").unwrap();
    age(&slow.join("upload"), Duration::from_secs(120));
    // A loose file from the layout before staging folders.
    std::fs::write(tmp.join("0190aaaa-loose"), b"x").unwrap();
    age(&tmp.join("0190aaaa-loose"), Duration::from_secs(120));

    let listed = store.sweep_staging(true).await.unwrap();
    let mut names: Vec<String> = listed.iter().map(|w| w.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["tmp/0190aaaa-loose", "tmp/4242-1000/old"]);
    assert!(crashed.join("old").exists(), "a dry run removes nothing");

    assert_eq!(store.sweep_staging(false).await.unwrap().len(), 2);
    assert!(!crashed.join("old").exists() && !tmp.join("0190aaaa-loose").exists());
    assert!(crashed.join("young").exists());
    assert!(slow.join("upload").exists(), "another process's longer limit is respected");

    // Once nothing is left and the lease is old, the folder goes too; ours never does.
    std::fs::remove_file(crashed.join("young")).unwrap();
    age(&crashed.join("max-staging-secs"), Duration::from_secs(120));
    age(&store.staging.dir().join("max-staging-secs"), Duration::from_secs(120));
    store.sweep_staging(false).await.unwrap();
    assert!(!crashed.exists());
    assert!(store.staging.dir().exists());
}

#[tokio::test]
async fn a_store_whose_idle_folder_was_swept_puts_it_back_and_drops_it_when_done() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalBlobStore::open(dir.path()).unwrap();
    let own = store.staging.dir().to_path_buf();
    std::fs::remove_dir_all(&own).unwrap();
    let b = put(&store, &[b"after the sweep"]).await;
    assert!(store.verify(&b.key).await.unwrap());
    assert_eq!(std::fs::read_to_string(own.join("max-staging-secs")).unwrap(), "21600");
    drop(store);
    assert!(!own.exists(), "a store's own leftovers go with it");
}

#[tokio::test]
async fn listing_stat_and_remove() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalBlobStore::open(dir.path()).unwrap();
    let a = put(&store, &[b"alpha"]).await;
    let b = put(&store, &[b"beta!"]).await;
    std::fs::write(dir.path().join("blobs").join(&a.key.as_str()[..2]).join("not-a-blob"), b"x").unwrap();
    let mut listed: Vec<BlobEntry> = store.list().map(|e| e.unwrap()).collect().await;
    listed.sort_by(|x, y| x.key.as_str().cmp(y.key.as_str()));
    let mut want = vec![a.key.clone(), b.key.clone()];
    want.sort_by(|x, y| x.as_str().cmp(y.as_str()));
    assert_eq!(listed.iter().map(|e| e.key.clone()).collect::<Vec<_>>(), want);
    assert!(listed.iter().all(|e| e.size == 5));
    assert_eq!(store.stat(&a.key).await.unwrap().map(|e| e.size), Some(5));
    assert!(store.remove(&a.key).await.unwrap());
    assert!(!store.remove(&a.key).await.unwrap(), "already gone");
    assert_eq!(store.stat(&a.key).await.unwrap(), None);
    assert_eq!(store.list().count().await, 1);
}

#[tokio::test]
async fn equal_content_offered_again_counts_as_new_for_its_age() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalBlobStore::open(dir.path()).unwrap();
    let a = put(&store, &[b"same"]).await;
    let long_ago = Duration::from_secs(3 * 24 * 3600);
    age(&store.path_of(&a.key), long_ago);
    let old = store.stat(&a.key).await.unwrap().unwrap().modified;
    put(&store, &[b"same"]).await;
    assert!(store.stat(&a.key).await.unwrap().unwrap().modified > old);
    age(&store.path_of(&a.key), long_ago);
    let mut w = store.begin().await.unwrap();
    w.write(b"same").await.unwrap();
    let p = w.finish_pending().await.unwrap();
    store.commit_pending(vec![p]).await.unwrap();
    assert!(store.stat(&a.key).await.unwrap().unwrap().modified > old);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn appending_a_file_hashes_the_same_bytes_as_writing_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalBlobStore::open(dir.path()).unwrap();
    let bytes: Vec<u8> = (0..(2 * CHUNK + 999)).map(|i| (i % 241) as u8).collect();
    let source = dir.path().join("source");
    std::fs::write(&source, &bytes).unwrap();
    let written = put(&store, &[&bytes]).await;
    let (store2, source2) = (store.clone(), source.clone());
    let appended = tokio::task::spawn_blocking(move || {
        let rt = tokio::runtime::Handle::current();
        let mut file = File::open(&source2).unwrap();
        let mut head = [0u8; 100];
        std::io::Read::read_exact(&mut file, &mut head).unwrap();
        let mut w = rt.block_on(store2.begin()).unwrap();
        rt.block_on(w.write(&head)).unwrap();
        let n = w.append_file(&mut file, &mut vec![0u8; 4096], u64::MAX).unwrap();
        assert_eq!(n, bytes.len() as u64 - 100);
        rt.block_on(w.finish_pending()).unwrap()
    })
    .await
    .unwrap();
    assert_eq!((appended.key.clone(), appended.size), (written.key, written.size));
    let too_small = tokio::task::spawn_blocking(move || {
        let rt = tokio::runtime::Handle::current();
        let mut w = rt.block_on(store.begin()).unwrap();
        w.append_file(&mut File::open(&source).unwrap(), &mut vec![0u8; 4096], 1000).map(|_| ())
    })
    .await
    .unwrap();
    assert!(matches!(too_small, Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::FileTooLarge));
}
