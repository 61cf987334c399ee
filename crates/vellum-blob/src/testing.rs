//! A real Garage server for tests — the S3 peer of the blob conformance suite and of the
//! cluster stories: one node in a temporary folder on free loopback ports, with one access key
//! and one bucket, killed when dropped. `.ci/run` installs Garage (`scripts/prerequisites.sh`).

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::{S3Config, DEFAULT_MAX_STAGING, DEFAULT_PART_SIZE};

/// A running Garage node.
pub struct Garage {
    child: Child,
    /// The node's data and log, removed with it.
    _dir: tempfile::TempDir,
    pub endpoint: String,
    pub key_id: String,
    pub secret: String,
    pub bucket: String,
}

/// Where the `garage` program is: `VELLUM_GARAGE`, else on the PATH, else where
/// `cargo install` puts it.
pub fn garage_program() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("VELLUM_GARAGE") {
        return Some(PathBuf::from(p));
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("garage"))
        .find(|p| p.is_file());
    on_path.or_else(|| {
        let home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
        Some(home.join("bin").join("garage")).filter(|p| p.is_file())
    })
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// Hex digits no other test run will pick (a v7 id's random bits, hashed to length).
fn random_hex(bytes: usize) -> String {
    use sha2::{Digest, Sha256};
    let mut out = hex::encode(Sha256::digest(uuid::Uuid::now_v7().as_bytes()));
    out.truncate(bytes * 2);
    out
}

impl Garage {
    /// Starts a node and waits until it serves S3 with its key and bucket.
    pub fn start() -> Result<Garage, String> {
        let program = garage_program().ok_or("garage is not installed (scripts/prerequisites.sh installs it)")?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let (s3_port, rpc_port, admin_port) = (free_port()?, free_port()?, free_port()?);
        let path = dir.path().display();
        let config = format!(
            "metadata_dir = \"{path}/meta\"\ndata_dir = \"{path}/data\"\ndb_engine = \"sqlite\"\n\
             replication_factor = 1\nrpc_bind_addr = \"127.0.0.1:{rpc_port}\"\n\
             rpc_public_addr = \"127.0.0.1:{rpc_port}\"\nrpc_secret = \"{}\"\n\n\
             [s3_api]\ns3_region = \"garage\"\napi_bind_addr = \"127.0.0.1:{s3_port}\"\n\
             root_domain = \".s3.garage.localhost\"\n\n\
             [admin]\napi_bind_addr = \"127.0.0.1:{admin_port}\"\nadmin_token = \"{}\"\n",
            random_hex(32),
            random_hex(16),
        );
        let config_path = dir.path().join("garage.toml");
        std::fs::write(&config_path, config).map_err(|e| e.to_string())?;
        let log = std::fs::File::create(dir.path().join("garage.log")).map_err(|e| e.to_string())?;
        let child = Command::new(&program)
            .arg("-c")
            .arg(&config_path)
            .arg("server")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let mut garage = Garage {
            child,
            _dir: dir,
            endpoint: format!("http://127.0.0.1:{s3_port}"),
            key_id: format!("GK{}", random_hex(12)),
            secret: random_hex(32),
            bucket: "vellum".into(),
        };
        garage.set_up(&program, &config_path)?;
        Ok(garage)
    }

    fn set_up(&mut self, program: &Path, config: &Path) -> Result<(), String> {
        let run = |args: &[&str]| -> Result<String, String> {
            let out = Command::new(program).arg("-c").arg(config).args(args).output().map_err(|e| e.to_string())?;
            if out.status.success() {
                Ok(String::from_utf8_lossy(&out.stdout).to_string())
            } else {
                Err(format!("garage {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr)))
            }
        };
        // Polls the node until it answers (not a fixed wait: it returns as soon as it is up).
        let started = Instant::now();
        loop {
            match run(&["status"]) {
                Ok(_) => break,
                Err(e) if started.elapsed() > Duration::from_secs(60) => {
                    return Err(format!("garage did not start: {e}"))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
        let node = run(&["node", "id", "-q"])?;
        let node = node.trim().split('@').next().unwrap_or_default().to_string();
        run(&["layout", "assign", &node, "-z", "dc1", "-c", "1G"])?;
        run(&["layout", "apply", "--version", "1"])?;
        run(&["key", "import", "--yes", "-n", "vellum", &self.key_id, &self.secret])?;
        run(&["bucket", "create", &self.bucket])?;
        run(&["bucket", "allow", "--read", "--write", "--owner", &self.bucket, "--key", &self.key_id])?;
        Ok(())
    }

    /// The store's settings for a folder of the bucket.
    pub fn config(&self, prefix: &str) -> S3Config {
        S3Config {
            bucket: self.bucket.clone(),
            prefix: prefix.into(),
            endpoint: Some(self.endpoint.clone()),
            region: "garage".into(),
            access_key_id: self.key_id.clone(),
            secret_access_key: self.secret.clone(),
            path_style: true,
            part_size: DEFAULT_PART_SIZE,
            max_staging: DEFAULT_MAX_STAGING,
        }
    }

    /// The environment a `vellum` process needs to reach this node (with `--s3-path-style`).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_REGION", "garage".into()),
            ("AWS_ACCESS_KEY_ID", self.key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret.clone()),
        ]
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
