//! Blob throughput: one large upload and download through Vellum's blob stores — the local
//! folder and S3 on a real Garage node started for the run — next to the raw S3 client doing a
//! plain multipart upload and download of the same bytes to the same node (no hashing, no
//! staging copy).

use std::time::{Duration, Instant};

use object_store::{aws::AmazonS3Builder, path::Path, ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::io::AsyncReadExt;
use vellum_blob::{testing::Garage, BlobStore, LocalBlobStore, S3BlobStore, S3Config};

use super::XorShift;

const CHUNK: usize = 1 << 20;

fn rate(mib: u64, d: Duration) -> f64 {
    mib as f64 / d.as_secs_f64().max(1e-9)
}

async fn through(store: &dyn BlobStore, data: &[u8]) -> Result<(Duration, Duration), String> {
    let t = Instant::now();
    let mut w = store.begin().await.map_err(|e| e.to_string())?;
    for chunk in data.chunks(CHUNK) {
        w.write(chunk).await.map_err(|e| e.to_string())?;
    }
    let stored = w.finish().await.map_err(|e| e.to_string())?;
    let up = t.elapsed();
    let t = Instant::now();
    let mut r = store.open(&stored.key, None).await.map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; CHUNK];
    let mut read = 0u64;
    loop {
        let n = r.read(&mut buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        read += n as u64;
    }
    if read != data.len() as u64 {
        return Err(format!("read back {read} of {} bytes", data.len()));
    }
    Ok((up, t.elapsed()))
}

async fn raw(config: &S3Config, data: &[u8]) -> Result<(Duration, Duration), String> {
    let client = AmazonS3Builder::new()
        .with_bucket_name(&config.bucket)
        .with_region(&config.region)
        .with_access_key_id(&config.access_key_id)
        .with_secret_access_key(&config.secret_access_key)
        .with_endpoint(config.endpoint.clone().unwrap_or_default())
        .with_allow_http(true)
        .with_virtual_hosted_style_request(false)
        .build()
        .map_err(|e| e.to_string())?;
    let path = Path::from("raw/object");
    let t = Instant::now();
    let upload = client.put_multipart(&path).await.map_err(|e| e.to_string())?;
    let mut w = WriteMultipart::new_with_chunk_size(upload, config.part_size);
    for chunk in data.chunks(CHUNK) {
        w.wait_for_capacity(1).await.map_err(|e| e.to_string())?;
        w.put(bytes::Bytes::copy_from_slice(chunk));
    }
    w.finish().await.map_err(|e| e.to_string())?;
    let up = t.elapsed();
    let t = Instant::now();
    let got = client.get(&path).await.map_err(|e| e.to_string())?;
    let body = got.bytes().await.map_err(|e| e.to_string())?;
    if body.len() != data.len() {
        return Err("the raw download is short".into());
    }
    client.put(&Path::from("raw/done"), PutPayload::from_static(b"")).await.map_err(|e| e.to_string())?;
    Ok((up, t.elapsed()))
}

pub async fn run(mib: u64, part_mib: usize) -> Result<(), String> {
    let mut data = vec![0u8; (mib as usize) << 20];
    XorShift(0x5eed_b10b).fill(&mut data);
    let scratch = tempfile::Builder::new().prefix("vellum-bench-").tempdir_in(".").map_err(|e| e.to_string())?;
    let garage = Garage::start()?;
    let config = S3Config { part_size: part_mib << 20, ..garage.config("bench") };

    let local = LocalBlobStore::open(scratch.path()).map_err(|e| e.to_string())?;
    let (local_up, local_down) = through(&local, &data).await?;
    let s3 = S3BlobStore::open(&config).map_err(|e| e.to_string())?;
    let (s3_up, s3_down) = through(&s3, &data).await?;
    let (raw_up, raw_down) = raw(&config, &data).await?;

    println!("{mib} MiB, parts of {part_mib} MiB, Garage {} on loopback:", garage.endpoint);
    let line = |label: &str, up: Duration, down: Duration| {
        println!(
            "  {label:<38} upload {:7.1} MiB/s ({:6.2} s)   download {:7.1} MiB/s ({:6.2} s)",
            rate(mib, up),
            up.as_secs_f64(),
            rate(mib, down),
            down.as_secs_f64()
        );
    };
    line("Vellum, local folder (fsync)", local_up, local_down);
    line("Vellum, S3 (hash, staging, copy)", s3_up, s3_down);
    line("baseline: raw S3 multipart (object_store)", raw_up, raw_down);
    println!(
        "  Vellum on S3 uploads at {:.0}% and downloads at {:.0}% of the raw client's rate",
        100.0 * raw_up.as_secs_f64() / s3_up.as_secs_f64(),
        100.0 * raw_down.as_secs_f64() / s3_down.as_secs_f64()
    );
    Ok(())
}
