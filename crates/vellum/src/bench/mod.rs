//! `vellum bench …`: each benchmark prints our figure next to a baseline measured in the
//! same run on the same machine. Timings are reported, never asserted.

mod audit;
mod backup;
mod blobs;
mod compare;
mod decisions;
mod distribution;
mod e2e;
mod ingest;
mod mcp;
mod memory;
mod planning;
mod probe;
mod quality;
mod routing;
mod search;
mod setup;
mod sweep;
mod thumbnails;
mod webhooks;
mod worker_memory;

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// `vellum import` of a generated tree against `cp -r` + `sync` of the same tree, on the
    /// disk and on tmpfs.
    Ingest {
        /// Scratch folder on the disk to measure (a temporary folder is made in it); default ".".
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Scratch folder on tmpfs, measured too when it exists.
        #[arg(long, default_value = "/dev/shm")]
        tmpfs: Option<PathBuf>,
        /// Files read and hashed at once (default: two per core).
        #[arg(long)]
        jobs: Option<usize>,
        /// Runs per medium; the best and the median are reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        #[arg(long, default_value_t = 2000)]
        files: usize,
        /// Approximate total size of the tree in MiB.
        #[arg(long, default_value_t = 1024)]
        total_mib: u64,
    },
    /// Decisions per second and latency over HTTP with concurrent clients, next to /healthz
    /// and a bare one-row INSERT per request on the same database.
    Decisions {
        #[arg(long, default_value_t = 16)]
        clients: usize,
        #[arg(long, default_value_t = 2000)]
        requests: usize,
        /// Also run on this PostgreSQL server (a fresh database is created in it).
        #[arg(long)]
        postgres: Option<String>,
        /// On PostgreSQL, also spread the clients over this many nodes (servers with their own
        /// connection pools) and compare with one.
        #[arg(long, default_value_t = 3)]
        nodes: usize,
    },
    /// Thumbnails and previews per second over 24 MP JPEGs, next to `vipsthumbnail`, with the
    /// PSNR and SSIM of both against a Lanczos3 reference.
    Thumbnails {
        #[arg(long, default_value_t = 12)]
        count: usize,
        #[arg(long, default_value_t = 24)]
        megapixels: u32,
    },
    /// From upload accepted to thumbnail served, p50/p99, for a 24 MP JPEG and a 20-page PDF.
    E2e {
        #[arg(long, default_value_t = 20)]
        runs: usize,
        #[arg(long, default_value_t = 2)]
        workers: usize,
    },
    /// Peak memory of a worker process (and its tools) processing one file.
    WorkerMemory { file: PathBuf },
    /// Events verified per second over a long chain with tags and signed checkpoints, next to
    /// SHA-256 over the same bytes alone.
    Audit {
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        #[arg(long, default_value_t = 1000)]
        checkpoint_every: u64,
    },
    /// Search over generated asset documents with facets: p50/p99 of a fixed query mix next
    /// to raw tantivy and PostgreSQL full-text on the same rows; find-similar next to a full
    /// scan; indexing throughput through the change record.
    Search {
        #[arg(long, default_value_t = 1_000_000)]
        assets: u64,
        #[arg(long, default_value_t = 200)]
        rounds: usize,
        /// A PostgreSQL database for the GIN baseline (a table is made and dropped).
        #[arg(long, env = "VELLUM_BENCH_POSTGRES")]
        postgres_url: Option<String>,
        /// Assets created and then indexed through the change record (0: skip).
        #[arg(long, default_value_t = 5000)]
        through_outbox: u64,
    },
    /// `search_assets` round trips through the official MCP Python SDK next to the same search
    /// through the REST API, on one server in the same run.
    Mcp {
        #[arg(long, default_value_t = 2000)]
        assets: usize,
        #[arg(long, default_value_t = 300)]
        calls: usize,
        /// The Python with the `mcp` package (the test install puts it in .tools/python).
        #[arg(long, default_value = ".tools/python/bin/python")]
        python: std::path::PathBuf,
        /// The SDK client script.
        #[arg(long, default_value = "tests/peers/mcp_agent.py")]
        script: std::path::PathBuf,
    },
    /// `vellum backup`, `backup verify` and `restore` of a generated library, next to `cp -r`
    /// (and `pg_dump` with `--postgres`).
    Backup {
        #[arg(long, default_value_t = 10_000)]
        assets: usize,
        #[arg(long, default_value_t = 5120)]
        total_mib: u64,
        /// Also measure a node on this PostgreSQL server (fresh databases are made in it).
        #[arg(long)]
        postgres: Option<String>,
    },
    /// One large upload and download through the local folder and through S3 on a Garage
    /// node started for the run, next to a raw S3 multipart upload of the same bytes.
    Blobs {
        #[arg(long, default_value_t = 512)]
        mib: u64,
        #[arg(long, default_value_t = 8)]
        part_mib: usize,
    },
    /// Routing rules evaluated per asset (10, 100, 1,000 rules), next to reading the asset.
    Routing {
        #[arg(long, default_value_t = 2000)]
        iterations: u32,
    },
    /// One reminder sweep over many open stages with deadlines, next to a bare indexed count.
    Sweep {
        #[arg(long, default_value_t = 100_000)]
        stages: usize,
        /// The share of stages with a reminder due now.
        #[arg(long, default_value_t = 1)]
        due_percent: u32,
    },
    /// Signed webhook deliveries per second to a local receiver, next to unsigned POSTs.
    Webhooks {
        #[arg(long, default_value_t = 2000)]
        count: usize,
    },
    /// Proofing: the pixel diff of two 24 MP JPEGs next to decoding them, the word diff of two
    /// 20-page PDFs next to extracting their text, and listing 2,000 comments over HTTP next
    /// to `/healthz`.
    Compare {
        #[arg(long, default_value_t = 3)]
        runs: usize,
        #[arg(long, default_value_t = 2000)]
        comments: usize,
        #[arg(long, default_value_t = 400)]
        requests: usize,
    },
    /// Briefs and timelines: the board and the master calendar of a workspace with 10,000
    /// briefs and assets and 2,000 milestones over HTTP, next to `/healthz` and a bare indexed
    /// count of the same rows.
    Planning {
        #[arg(long, default_value_t = 5000)]
        briefs: usize,
        #[arg(long, default_value_t = 5000)]
        assets: usize,
        #[arg(long, default_value_t = 2000)]
        milestones: usize,
        #[arg(long, default_value_t = 200)]
        requests: usize,
    },
    /// Distribution: an always-current link to a 2 MiB file (304 and full) next to the plain
    /// download, and XMP-stamped downloads of a large JPEG and a many-page PDF next to plain
    /// downloads of the same files.
    Distribution {
        #[arg(long, default_value_t = 2000)]
        requests: usize,
        #[arg(long, default_value_t = 50)]
        jpeg_mib: usize,
        #[arg(long, default_value_t = 200)]
        pdf_pages: usize,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Server RSS growth while one large file uploads.
    UploadMemory {
        #[arg(long, default_value_t = 2048)]
        mib: u64,
    },
}

pub async fn run(command: BenchCommand) -> Result<ExitCode, String> {
    match command {
        BenchCommand::Ingest { dir, tmpfs, files, total_mib, jobs, runs } => {
            ingest::run(dir, tmpfs, files, total_mib, jobs, runs).await?
        }
        BenchCommand::Backup { assets, total_mib, postgres } => {
            backup::run(assets.max(1), total_mib.max(1), postgres).await?
        }
        BenchCommand::Blobs { mib, part_mib } => blobs::run(mib.max(1), part_mib.max(5)).await?,
        BenchCommand::Decisions { clients, requests, postgres, nodes } => {
            decisions::run(clients, requests, postgres, nodes).await?
        }
        BenchCommand::UploadMemory { mib } => memory::run(mib).await?,
        BenchCommand::Thumbnails { count, megapixels } => thumbnails::run(count, megapixels).await?,
        BenchCommand::E2e { runs, workers } => e2e::run(runs, workers).await?,
        BenchCommand::WorkerMemory { file } => worker_memory::run(&file).await?,
        BenchCommand::Audit { events, checkpoint_every } => audit::run(events, checkpoint_every.max(1)).await?,
        BenchCommand::Search { assets, rounds, postgres_url, through_outbox } => {
            search::run(assets.max(1), rounds.max(1), postgres_url, through_outbox).await?
        }
        BenchCommand::Routing { iterations } => routing::run(iterations.max(1)).await?,
        BenchCommand::Mcp { assets, calls, python, script } => {
            mcp::run(assets.max(1), calls.max(2), python, script).await?
        }
        BenchCommand::Sweep { stages, due_percent } => sweep::run(stages, due_percent).await?,
        BenchCommand::Webhooks { count } => webhooks::run(count.max(1)).await?,
        BenchCommand::Planning { briefs, assets, milestones, requests } => {
            planning::run(briefs, assets, milestones, requests.max(1)).await?
        }
        BenchCommand::Distribution { requests, jpeg_mib, pdf_pages, runs } => {
            distribution::run(requests.max(1), jpeg_mib.max(1), pdf_pages.max(1), runs.max(1)).await?
        }
        BenchCommand::Compare { runs, comments, requests } => {
            compare::run(runs, comments.max(1), requests.max(1)).await?
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The p-th percentile (0–100) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// A small fast generator for benchmark data (not for secrets).
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_ranks() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50.0), Duration::from_millis(51));
        assert_eq!(percentile(&v, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }
}
