//! Configuration: defaults, then `VELLUM_*` environment variables, then flags (clap reads
//! both). Where the data lives and how to open it.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use clap::Args;
use vellum_blob::{BlobStore, LocalBlobStore};
use vellum_core::{audit::AuditKeeper, Core, Limits, Store};

/// The data folder when neither `--data` nor `VELLUM_DATA` names one.
pub const DEFAULT_DATA: &str = "./vellum-data";

/// How the server reaches people (email) and systems (webhooks).
#[derive(Args, Clone, Default)]
pub struct NotifyArgs {
    /// Where to send email: smtp://[user:password@]host[:port] (none: no email is sent; the
    /// in-app inbox still fills).
    #[arg(long = "smtp-url", env = "VELLUM_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The From of every email, e.g. "Vellum <vellum@example.com>".
    #[arg(long = "mail-from", env = "VELLUM_MAIL_FROM", default_value = "Vellum <vellum@localhost>")]
    pub mail_from: String,
    /// The server's address as people reach it, for links in email (default: the listen address).
    #[arg(long = "public-url", env = "VELLUM_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Hosts webhooks may call even though they resolve to private or loopback addresses.
    #[arg(long = "webhook-allow-hosts", env = "VELLUM_WEBHOOK_ALLOW_HOSTS", value_delimiter = ',')]
    pub webhook_allow_hosts: Vec<String>,
    /// PEM certificates of CAs https webhook targets may also be signed by (an internal CA),
    /// besides the public roots.
    #[arg(long = "webhook-ca-file", env = "VELLUM_WEBHOOK_CA_FILE")]
    pub webhook_ca_file: Option<PathBuf>,
}

impl std::fmt::Debug for NotifyArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyArgs")
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "***"))
            .field("mail_from", &self.mail_from)
            .field("public_url", &self.public_url)
            .field("webhook_allow_hosts", &self.webhook_allow_hosts)
            .field("webhook_ca_file", &self.webhook_ca_file)
            .finish()
    }
}

impl NotifyArgs {
    /// The core's notification settings; `listen` is the fallback public address.
    pub fn config(&self, listen: &str) -> Result<vellum_core::notify::NotifyConfig, String> {
        use vellum_core::notify::{AllowList, NotifyConfig, SmtpServer, Tls};
        let smtp = self
            .smtp_url
            .as_deref()
            .filter(|u| !u.is_empty())
            .map(SmtpServer::parse)
            .transpose()
            .map_err(|e| format!("--smtp-url: {e}"))?;
        if !vellum_domain::mail::plausible_address(vellum_core::notify::smtp::bare_address(&self.mail_from)) {
            return Err(format!("--mail-from: '{}' is not an email address", self.mail_from));
        }
        let public_url = match &self.public_url {
            Some(u) if u.starts_with("http://") || u.starts_with("https://") => u.trim_end_matches('/').to_string(),
            Some(u) => return Err(format!("--public-url: '{u}' must start with http:// or https://")),
            None => format!("http://{listen}"),
        };
        let hosts = self.webhook_allow_hosts.iter().map(|h| h.trim().to_string()).filter(|h| !h.is_empty()).collect();
        let tls = match &self.webhook_ca_file {
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| format!("--webhook-ca-file {}: {e}", path.display()))?;
                Tls::with_extra_roots(Some(&pem)).map_err(|e| format!("--webhook-ca-file {}: {e}", path.display()))?
            }
            None => Tls::default(),
        };
        Ok(NotifyConfig {
            smtp,
            mail_from: self.mail_from.clone(),
            public_url,
            webhook_allow_hosts: AllowList(hosts),
            tls,
        })
    }
}

/// Single sign-on with an OpenID Connect provider. The client secret is read only from
/// VELLUM_OIDC_CLIENT_SECRET, so it never shows in a process list.
#[derive(Args, Clone, Debug, Default)]
pub struct SsoArgs {
    /// The OpenID Connect issuer URL (https; plain http only on a loopback host, for
    /// development). Sets the issuer at start; server admins can change the rest (claim rules,
    /// whether passwords still work) with PUT /api/v1/admin/sso.
    #[arg(long = "oidc-issuer", env = "VELLUM_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// The client id registered at the provider (its redirect URI is
    /// <public URL>/auth/oidc/callback).
    #[arg(long = "oidc-client-id", env = "VELLUM_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
}

impl SsoArgs {
    /// Stores the issuer and client given at start, and hands the core the client secret.
    pub async fn apply(&self, core: vellum_core::Core) -> Result<vellum_core::Core, String> {
        let secret = std::env::var("VELLUM_OIDC_CLIENT_SECRET").ok();
        let core = core.with_sso(vellum_core::sso::Sso::with_client_secret(secret));
        match (self.oidc_issuer.as_deref().filter(|i| !i.is_empty()), self.oidc_client_id.as_deref()) {
            (None, _) => Ok(core),
            (Some(_), None) => Err("--oidc-issuer needs --oidc-client-id".into()),
            (Some(issuer), Some(client)) => {
                core.configure_sso(issuer, client).await.map_err(|e| format!("--oidc-issuer: {e}"))?;
                Ok(core)
            }
        }
    }
}

/// The SQLite database of a data folder.
pub fn sqlite_url(data: &Path) -> String {
    sqlite_file_url(&data.join("vellum.db"))
}

/// A SQLite database file, created when missing.
pub fn sqlite_file_url(file: &Path) -> String {
    format!("sqlite://{}?mode=rwc", file.display())
}

/// Where Vellum keeps its data.
#[derive(Args, Clone)]
pub struct StorageArgs {
    /// The data folder: SQLite database and local blob store.
    #[arg(long = "data", env = "VELLUM_DATA", default_value = DEFAULT_DATA)]
    pub data: PathBuf,
    /// Use this database instead of the SQLite file in the data folder (postgres://…).
    #[arg(long, env = "VELLUM_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The audit signing key (64 hex digits); default: `<data>/audit/signing.key`, made on
    /// first start. Give every node of a cluster the same key.
    #[arg(long = "audit-key", env = "VELLUM_AUDIT_KEY", hide_env_values = true, hide = true)]
    pub audit_key: Option<String>,
    #[command(flatten)]
    pub blobs: BlobArgs,
}

/// Where the blobs live when not in the data folder.
#[derive(Args, Clone, Debug)]
pub struct BlobArgs {
    /// Keep blobs in S3-compatible storage, s3://bucket/prefix, instead of the data folder
    /// (endpoint, region and credentials from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY).
    #[arg(long = "blob-url", env = "VELLUM_BLOB_URL")]
    pub blob_url: Option<String>,
    /// S3: the bucket in the path rather than the host name (Garage, MinIO).
    #[arg(long = "s3-path-style", env = "VELLUM_S3_PATH_STYLE")]
    pub s3_path_style: bool,
    /// S3: the size of each part of a multipart upload, in MiB (at least 5): the memory an
    /// upload holds.
    #[arg(long = "s3-part-size-mib", env = "VELLUM_S3_PART_SIZE_MIB", default_value_t = 8)]
    pub s3_part_size_mib: usize,
}

impl BlobArgs {
    /// The blob store: the one `--blob-url` names, else the data folder's.
    pub async fn open(&self, data: &Path, max_staging: Duration) -> Result<Arc<dyn BlobStore>, String> {
        let options = vellum_blob::OpenOptions {
            path_style: self.s3_path_style,
            part_size: self.s3_part_size_mib.saturating_mul(1 << 20),
            max_staging,
        };
        match self.blob_url.as_deref().filter(|u| !u.is_empty()) {
            Some(url) => {
                vellum_blob::open_url(url, &options).await.map_err(|e| format!("cannot open the blob store {url}: {e}"))
            }
            None => Ok(Arc::new(
                LocalBlobStore::open_with(data, max_staging)
                    .map_err(|e| format!("cannot open the blob store in {}: {e}", data.display()))?,
            )),
        }
    }
}

impl std::fmt::Debug for StorageArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageArgs")
            .field("data", &self.data)
            .field("database_url", &self.database_url.as_deref().map(vellum_store::redact))
            .field("audit_key", &self.audit_key.as_ref().map(|_| "***"))
            .field("blobs", &self.blobs)
            .finish()
    }
}

impl StorageArgs {
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| sqlite_url(&self.data))
    }

    /// Refuses, before anything is created, a data folder that holds no Vellum data: a command
    /// that works on existing data (an import) must not start an empty database and blob
    /// folder beside the server's real ones, to fail later with "workspace not found".
    /// The data folder must hold the blob store (`blobs/`), and the SQLite database unless a
    /// database URL is given.
    pub fn require_existing_data(&self) -> Result<(), String> {
        let data = self.data.display();
        let defaulted = self.data == Path::new(DEFAULT_DATA);
        let has_blobs = self.blobs.blob_url.is_some() || self.data.join("blobs").is_dir();
        let has_db = self.database_url.is_some() || self.data.join("vellum.db").is_file();
        if has_blobs && has_db {
            return Ok(());
        }
        let pass = "pass --data DIR with the data folder your `vellum serve` uses (and --database-url URL if it \
                    runs on PostgreSQL)";
        Err(if defaulted && !self.data.exists() {
            format!("no data folder given, and there is none at {data}: {pass}; nothing was created")
        } else if !has_blobs {
            format!(
                "{data} holds no Vellum data (no blobs/ folder): {pass}, or start `vellum serve --data {data}` once \
                 to create it; nothing was created"
            )
        } else {
            format!(
                "{data} has no vellum.db: if your server runs on PostgreSQL, pass its --database-url too; \
                 nothing was created"
            )
        })
    }

    /// Where the data is, for messages: the data folder, and the database and blob store if
    /// they are elsewhere.
    pub fn describe(&self) -> String {
        let elsewhere: Vec<String> = self
            .database_url
            .as_deref()
            .map(vellum_store::redact)
            .into_iter()
            .chain(self.blobs.blob_url.clone())
            .collect();
        match elsewhere.is_empty() {
            true => self.data.display().to_string(),
            false => format!("{} ({})", self.data.display(), elsewhere.join(", ")),
        }
    }

    pub async fn open_store(&self) -> Result<Store, String> {
        std::fs::create_dir_all(&self.data)
            .map_err(|e| format!("cannot create the data folder {}: {e}", self.data.display()))?;
        let url = self.database_url();
        Store::connect(&url).await.map_err(|e| format!("cannot open the database {}: {e}", vellum_store::redact(&url)))
    }

    /// The database as it is, refused when its schema is behind this version: for commands
    /// that must not migrate.
    pub async fn open_store_unmigrated(&self) -> Result<Store, String> {
        let url = self.database_url();
        Store::connect_current(&url)
            .await
            .map_err(|e| format!("cannot open the database {}: {e}", vellum_store::redact(&url)))
    }

    /// The blob store (the data folder's, or `--blob-url`), promising other processes on it
    /// that no write of ours stays staged longer than the longest upload.
    pub async fn open_blobs(&self, limits: &Limits) -> Result<Arc<dyn BlobStore>, String> {
        self.blobs.open(&self.data, Duration::from_secs(limits.max_upload_secs)).await
    }

    /// Opens database and blob store, and clears staged writes a crash left behind (only
    /// those: other processes may be uploading into the same folder right now).
    pub async fn open_core(&self, limits: Limits, migrate: bool) -> Result<Core, String> {
        let store = if migrate {
            self.open_store().await?
        } else {
            std::fs::create_dir_all(&self.data)
                .map_err(|e| format!("cannot create the data folder {}: {e}", self.data.display()))?;
            self.open_store_unmigrated().await?
        };
        let blobs = self.open_blobs(&limits).await?;
        match blobs.sweep_staging(false).await {
            Ok(swept) if !swept.is_empty() => tracing::info!(count = swept.len(), "removed abandoned staged writes"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not sweep abandoned staged writes"),
        }
        Core::new(store, blobs, limits).with_audit(self.audit_keeper()?).await.map_err(|e| e.to_string())
    }

    /// Where this node keeps its search indexes.
    pub fn index_dir(&self) -> std::path::PathBuf {
        self.data.join("index")
    }

    /// The audit key and checkpoint log of this data folder (the key is made on first use).
    pub fn audit_keeper(&self) -> Result<AuditKeeper, String> {
        crate::audit::open_keeper(&self.data, self.audit_key.as_deref())
    }
}
