//! The blob conformance suite: what every store promises, run on the local folder and on S3
//! (a real Garage node). Bytes come back exactly under their hash, in ranges too; a write is
//! visible only whole; equal content is stored once; an abandoned write leaves nothing
//! visible; missing blobs are errors or absences, never panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;
use vellum_blob::{testing::Garage, BlobKey, BlobStore, Error, LocalBlobStore, S3BlobStore, S3Config, MIN_PART_SIZE};

async fn put(store: &dyn BlobStore, parts: &[&[u8]]) -> vellum_blob::StoredBlob {
    let mut w = store.begin().await.unwrap();
    for p in parts {
        w.write(p).await.unwrap();
    }
    w.finish().await.unwrap()
}

async fn read(store: &dyn BlobStore, key: &BlobKey, range: Option<(u64, u64)>) -> Vec<u8> {
    let mut r = store.open(key, range).await.unwrap();
    let mut v = Vec::new();
    r.read_to_end(&mut v).await.unwrap();
    v
}

async fn listed(store: &dyn BlobStore) -> Vec<String> {
    let mut keys: Vec<String> = store.list().map_ok(|e| e.key.as_str().to_string()).try_collect().await.unwrap();
    keys.sort();
    keys
}

/// Bytes of `n` in a pattern that is not a multiple of any part or chunk size.
fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

/// Everything a store promises, in one pass (the store starts empty).
async fn conformance(store: &dyn BlobStore) {
    // Round trip, ranges, size, stat, verify.
    let small = pattern(100_000);
    let b = put(store, &[&small[..7], &small[7..]]).await;
    assert_eq!(b.key.as_str(), hex::encode(Sha256::digest(&small)));
    assert_eq!(b.size, small.len() as u64);
    assert_eq!(read(store, &b.key, None).await, small);
    assert_eq!(read(store, &b.key, Some((5, 10))).await, small[5..15].to_vec());
    assert_eq!(read(store, &b.key, Some((99_990, 10))).await, small[99_990..].to_vec());
    assert_eq!(read(store, &b.key, Some((0, 0))).await, Vec::<u8>::new());
    assert_eq!(store.size(&b.key).await.unwrap(), Some(small.len() as u64));
    assert_eq!(store.stat(&b.key).await.unwrap().unwrap().size, small.len() as u64);
    assert!(store.verify(&b.key).await.unwrap());

    // Equal content is one blob.
    let again = put(store, &[&small]).await;
    assert_eq!(again, b);

    // A write larger than several parts, in uneven pieces, comes back exactly.
    let big = pattern(2 * MIN_PART_SIZE + 3 * 1024 * 1024 + 17);
    let mut w = store.begin().await.unwrap();
    for piece in big.chunks(777_777) {
        w.write(piece).await.unwrap();
    }
    assert_eq!(w.written(), big.len() as u64);
    let large = w.finish().await.unwrap();
    assert_eq!(large.key.as_str(), hex::encode(Sha256::digest(&big)));
    assert_eq!(read(store, &large.key, None).await, big);
    let at = MIN_PART_SIZE as u64 - 3;
    assert_eq!(read(store, &large.key, Some((at, 10))).await, big[at as usize..at as usize + 10].to_vec());
    assert!(store.verify(&large.key).await.unwrap());

    // Abandoned writes, small and large, leave nothing visible.
    {
        let mut w = store.begin().await.unwrap();
        w.write(b"never finished").await.unwrap();
    }
    {
        let mut w = store.begin().await.unwrap();
        w.write(&pattern(MIN_PART_SIZE + 1)).await.unwrap();
    }
    let mut want = vec![b.key.as_str().to_string(), large.key.as_str().to_string()];
    want.sort();
    assert_eq!(listed(store).await, want);

    // Pending writes appear when committed.
    let mut w = store.begin().await.unwrap();
    w.write(b"pending bytes").await.unwrap();
    let pending = w.finish_pending().await.unwrap();
    let key = pending.key.clone();
    let stored = store.commit_pending(vec![pending]).await.unwrap();
    assert_eq!(stored[0].key, key);
    assert_eq!(read(store, &key, None).await, b"pending bytes");

    // Absent blobs.
    let absent = BlobKey::parse(&"ab".repeat(32)).unwrap();
    assert!(matches!(store.open(&absent, None).await, Err(Error::NotFound(_))));
    assert_eq!(store.size(&absent).await.unwrap(), None);
    assert!(store.stat(&absent).await.unwrap().is_none());
    assert!(!store.remove(&absent).await.unwrap());

    // Removal.
    assert!(store.remove(&key).await.unwrap());
    assert_eq!(store.size(&key).await.unwrap(), None);
    assert_eq!(listed(store).await, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_folder_conforms() {
    let dir = tempfile::tempdir().unwrap();
    conformance(&LocalBlobStore::open(dir.path()).unwrap()).await;
}

fn garage() -> Option<Garage> {
    match Garage::start() {
        Ok(g) => Some(g),
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("Garage is required in CI: {e}"),
        Err(e) => {
            eprintln!("skipping the S3 run: {e}");
            None
        }
    }
}

fn small_parts(config: S3Config) -> S3Config {
    S3Config { part_size: MIN_PART_SIZE, ..config }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_on_garage_conforms() {
    let Some(garage) = garage() else { return };
    let store = S3BlobStore::open(&small_parts(garage.config("conformance"))).unwrap();
    store.check().await.unwrap();
    conformance(&store).await;
    // A store on another folder of the same bucket sees none of it.
    let other = S3BlobStore::open(&garage.config("elsewhere")).unwrap();
    assert!(listed(&other).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_refuses_wrong_credentials_and_bad_addresses() {
    let Some(garage) = garage() else { return };
    let wrong = S3Config { secret_access_key: "0".repeat(64), ..garage.config("x") };
    assert!(S3BlobStore::open(&wrong).unwrap().check().await.is_err());
    let env = |name: &str| garage.env().into_iter().find(|(k, _)| *k == name).map(|(_, v)| v);
    assert!(S3Config::from_url("s3://vellum/assets/2026", env).is_ok());
    for bad in ["s3://", "s3://A_B", "s3://vellum/../x", "https://vellum"] {
        assert!(S3Config::from_url(bad, env).is_err(), "{bad}");
    }
    let no_secret = |name: &str| if name == "AWS_SECRET_ACCESS_KEY" { None } else { env(name) };
    let e = S3Config::from_url("s3://vellum", no_secret).err().unwrap().to_string();
    assert!(e.contains("AWS_SECRET_ACCESS_KEY"), "{e}");
    assert!(S3BlobStore::open(&S3Config { part_size: 1024, ..garage.config("x") }).is_err());
}

/// A process that dies in the middle of a multipart upload leaves parts and a staged key;
/// nothing is visible, and the sweeper aborts the upload once it is older than any write
/// may take (and not before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_sweeps_the_parts_of_a_dead_upload() {
    let Some(garage) = garage() else { return };
    let patient = S3BlobStore::open(&small_parts(garage.config("sweep"))).unwrap();
    let mut w = patient.begin().await.unwrap();
    w.write(&pattern(MIN_PART_SIZE + 10)).await.unwrap();
    // As if the process died here: no Drop, so no abort.
    std::mem::forget(w);
    assert!(listed(&patient).await.is_empty(), "nothing visible");
    assert!(patient.sweep_staging(false).await.unwrap().is_empty(), "too young to be abandoned");

    let impatient =
        S3BlobStore::open(&S3Config { max_staging: Duration::ZERO, ..small_parts(garage.config("sweep")) }).unwrap();
    let named = impatient.sweep_staging(true).await.unwrap();
    assert_eq!(named.len(), 1, "a dry run names it: {named:?}");
    let swept = impatient.sweep_staging(false).await.unwrap();
    assert_eq!(swept.len(), 1, "{swept:?}");
    assert!(swept[0].name.contains("multipart upload"), "{swept:?}");
    assert!(impatient.sweep_staging(false).await.unwrap().is_empty(), "gone");
}
