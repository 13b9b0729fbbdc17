//! The embedded, private PostgreSQL cluster used when no `DATABASE_URL` is given.
//!
//! It runs from the machine's own server binaries, lives in dsrdesk's data directory, listens on
//! a Unix socket in that directory only (no TCP), and stays up between runs; `dsrdesk db stop`
//! stops it. initdb and postgres refuse to run as root, so as root the cluster runs as the
//! unprivileged `postgres` system user, in a directory that user owns.

use nix::unistd::{Gid, Uid, User, chown};
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The database role and the database the application uses inside its own cluster.
pub const CLUSTER_ROLE: &str = "dsrdesk";
/// Only the name of the socket file; nothing listens on a TCP port.
pub const SOCKET_PORT: u16 = 5432;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "the PostgreSQL server programs (initdb, pg_ctl) are not installed.\n  Install them with:  sudo apt-get install postgresql\n  or point dsrdesk at an existing server with DATABASE_URL=postgres://..."
    )]
    NoServerBinaries,
    #[error(
        "running as root, the embedded database runs as the system user `postgres`, which does not exist.\n  Install the server package (sudo apt-get install postgresql) or set DATABASE_URL"
    )]
    NoPostgresUser,
    #[error("{path}: {message}")]
    Directory { path: PathBuf, message: String },
    #[error("{program} failed: {detail}")]
    Command { program: String, detail: String },
}

/// Where the cluster's pieces live inside the data directory.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub data_dir: PathBuf,
    bindir: PathBuf,
    /// Set when running as root: the uid/gid of `postgres`, which runs the server.
    run_as: Option<(Uid, Gid)>,
}

impl Cluster {
    /// The default data directory: `$DSRDESK_DATA_DIR`, else `$XDG_DATA_HOME/dsrdesk`. As root
    /// the home directory is closed to the `postgres` user, so root defaults to /var/lib/dsrdesk.
    pub fn default_data_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os("DSRDESK_DATA_DIR") {
            return PathBuf::from(dir);
        }
        if Uid::effective().is_root() {
            return PathBuf::from("/var/lib/dsrdesk");
        }
        dirs::data_dir().unwrap_or_else(|| PathBuf::from(".local/share")).join("dsrdesk")
    }

    pub fn new(data_dir: impl Into<PathBuf>) -> Result<Cluster, ClusterError> {
        let bindir = find_server_bindir().ok_or(ClusterError::NoServerBinaries)?;
        let run_as = if Uid::effective().is_root() {
            let user = User::from_name("postgres").ok().flatten().ok_or(ClusterError::NoPostgresUser)?;
            Some((user.uid, user.gid))
        } else {
            None
        };
        Ok(Cluster { data_dir: data_dir.into(), bindir, run_as })
    }

    pub fn pgdata(&self) -> PathBuf {
        self.data_dir.join("pg")
    }
    pub fn socket_dir(&self) -> PathBuf {
        self.data_dir.join("run")
    }
    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("postgresql.log")
    }

    /// Initialise (first run) and start (when not running) the cluster. Safe to call from several
    /// processes at once: a lock file serialises them.
    pub fn ensure_running(&self) -> Result<(), ClusterError> {
        let dir_err = |path: &Path, e: std::io::Error| ClusterError::Directory {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        fs::create_dir_all(&self.data_dir).map_err(|e| dir_err(&self.data_dir, e))?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.data_dir.join("cluster.lock"))
            .map_err(|e| dir_err(&self.data_dir, e))?;
        lock.lock().map_err(|e| dir_err(&self.data_dir, e))?;
        let result = self.ensure_running_locked();
        drop(lock);
        result
    }

    fn ensure_running_locked(&self) -> Result<(), ClusterError> {
        let socket_file = self.socket_dir().join(format!(".s.PGSQL.{SOCKET_PORT}"));
        if socket_file.as_os_str().len() > 100 {
            return Err(ClusterError::Directory {
                path: self.data_dir.clone(),
                message: "path too long for a Unix socket (over 100 bytes); set DSRDESK_DATA_DIR to a shorter directory".into(),
            });
        }
        if !self.pgdata().join("PG_VERSION").exists() {
            self.init()?;
        }
        if !self.is_running()? {
            self.start()?;
        }
        Ok(())
    }

    fn prepare_dir(&self, dir: &Path, mode: u32) -> Result<(), ClusterError> {
        let err =
            |e: std::io::Error| ClusterError::Directory { path: dir.to_path_buf(), message: e.to_string() };
        fs::create_dir_all(dir).map_err(err)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(mode)).map_err(err)?;
        if let Some((uid, gid)) = self.run_as {
            chown(dir, Some(uid), Some(gid)).map_err(|e| err(std::io::Error::from_raw_os_error(e as i32)))?;
        }
        Ok(())
    }

    fn init(&self) -> Result<(), ClusterError> {
        if self.run_as.is_some() {
            // The postgres user must be able to reach its directory through every parent.
            self.check_reachable_by_postgres()?;
            fs::set_permissions(&self.data_dir, fs::Permissions::from_mode(0o711)).ok();
        }
        self.prepare_dir(&self.pgdata(), 0o700)?;
        self.prepare_dir(&self.socket_dir(), 0o700)?;
        let pgdata = self.pgdata();
        // C.UTF-8: byte-order sorting, but case folding that knows Å, Ä, Ö (ILIKE 'öberg' must
        // find "Öberg"). Older systems without it fall back to the plain C locale.
        let mut last = None;
        for locale in ["--locale=C.UTF-8", "--no-locale"] {
            let out = self.run(
                "initdb",
                &[
                    "-D".as_ref(),
                    pgdata.as_os_str(),
                    "-U".as_ref(),
                    CLUSTER_ROLE.as_ref(),
                    // Only the socket in a 0700 directory reaches the server: whoever can open the
                    // directory is the cluster's owner (or root), so trust is the private-cluster model.
                    "--auth=trust".as_ref(),
                    "--encoding=UTF8".as_ref(),
                    locale.as_ref(),
                    "--no-instructions".as_ref(),
                ],
            )?;
            if out.status.success() {
                last = None;
                break;
            }
            // initdb leaves nothing behind on failure except the (empty) directory we made.
            last = Some(out);
        }
        if let Some(out) = last {
            check("initdb", &out)?;
        }
        let conf = format!(
            "\n# dsrdesk: private cluster, Unix socket only\nlisten_addresses = ''\nunix_socket_directories = '{}'\nport = {}\nmax_connections = 200\nshared_buffers = '256MB'\nlogging_collector = off\n# no DETAIL lines (\"Failing row contains ...\"): they would copy personal data into the log\nlog_error_verbosity = terse\n",
            self.socket_dir().display(),
            SOCKET_PORT
        );
        let conf_path = pgdata.join("postgresql.conf");
        let mut existing = fs::read_to_string(&conf_path)
            .map_err(|e| ClusterError::Directory { path: conf_path.clone(), message: e.to_string() })?;
        existing.push_str(&conf);
        fs::write(&conf_path, existing)
            .map_err(|e| ClusterError::Directory { path: conf_path.clone(), message: e.to_string() })?;
        Ok(())
    }

    fn check_reachable_by_postgres(&self) -> Result<(), ClusterError> {
        let mut dir = self.data_dir.as_path();
        while let Some(parent) = dir.parent() {
            if let Ok(meta) = fs::metadata(parent)
                && meta.permissions().mode() & 0o001 == 0
            {
                return Err(ClusterError::Directory {
                    path: self.data_dir.clone(),
                    message: format!(
                        "the `postgres` user cannot reach it ({} is closed to others); choose another DSRDESK_DATA_DIR, e.g. /var/lib/dsrdesk",
                        parent.display()
                    ),
                });
            }
            dir = parent;
        }
        Ok(())
    }

    fn is_running(&self) -> Result<bool, ClusterError> {
        let pgdata = self.pgdata();
        let out = self.run("pg_ctl", &["status".as_ref(), "-D".as_ref(), pgdata.as_os_str()])?;
        // pg_ctl status: 0 running, 3 not running, 4 no accessible data directory.
        Ok(out.status.code() == Some(0))
    }

    fn start(&self) -> Result<(), ClusterError> {
        // The log file must be writable by the server's user.
        let log = self.log_file();
        if !log.exists() {
            File::create(&log)
                .map_err(|e| ClusterError::Directory { path: log.clone(), message: e.to_string() })?;
        }
        if let Some((uid, gid)) = self.run_as {
            chown(&log, Some(uid), Some(gid)).ok();
        }
        let pgdata = self.pgdata();
        let out = self.run(
            "pg_ctl",
            &[
                "start".as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "-D".as_ref(),
                pgdata.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
            ],
        )?;
        if !out.status.success() {
            let tail = fs::read_to_string(&log)
                .map(|t| {
                    t.lines()
                        .rev()
                        .take(5)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default();
            return Err(ClusterError::Command {
                program: "pg_ctl start".into(),
                detail: format!("{}\n{}", String::from_utf8_lossy(&out.stderr).trim(), tail),
            });
        }
        Ok(())
    }

    /// Stop the cluster if it runs. Returns whether it was running.
    pub fn stop(&self) -> Result<bool, ClusterError> {
        if !self.pgdata().join("PG_VERSION").exists() || !self.is_running()? {
            return Ok(false);
        }
        let pgdata = self.pgdata();
        let out = self.run(
            "pg_ctl",
            &[
                "stop".as_ref(),
                "-w".as_ref(),
                "-m".as_ref(),
                "fast".as_ref(),
                "-D".as_ref(),
                pgdata.as_os_str(),
            ],
        )?;
        check("pg_ctl stop", &out)?;
        Ok(true)
    }

    /// Add lines to `postgresql.conf` and `pg_hba.conf` (later lines win); takes effect at the
    /// next start. The test harness uses it to make a primary that streams to a replica.
    pub(crate) fn append_settings(&self, conf: &str, hba: &str) -> Result<(), ClusterError> {
        for (file, text) in [("postgresql.conf", conf), ("pg_hba.conf", hba)] {
            let path = self.pgdata().join(file);
            let err =
                |e: std::io::Error| ClusterError::Directory { path: path.clone(), message: e.to_string() };
            let mut existing = fs::read_to_string(&path).map_err(err)?;
            existing.push_str(text);
            fs::write(&path, existing).map_err(err)?;
        }
        Ok(())
    }

    /// Make this (not yet initialised) cluster a streaming replica of the primary listening on
    /// 127.0.0.1:`port`: `pg_basebackup -R` writes `standby.signal` and `primary_conninfo`.
    /// Start it with [`Cluster::ensure_running`]. Used by the test harness.
    pub(crate) fn base_backup_from(&self, port: u16) -> Result<(), ClusterError> {
        self.prepare_dir(&self.pgdata(), 0o700)?;
        self.prepare_dir(&self.socket_dir(), 0o700)?;
        let pgdata = self.pgdata();
        let port = port.to_string();
        let out = self.run(
            "pg_basebackup",
            &[
                "-h".as_ref(),
                "127.0.0.1".as_ref(),
                "-p".as_ref(),
                port.as_ref(),
                "-U".as_ref(),
                CLUSTER_ROLE.as_ref(),
                "-D".as_ref(),
                pgdata.as_os_str(),
                "-R".as_ref(),
                "-X".as_ref(),
                "stream".as_ref(),
                "-c".as_ref(),
                "fast".as_ref(),
            ],
        )?;
        check("pg_basebackup", &out)
    }

    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Result<Output, ClusterError> {
        let mut cmd = Command::new(self.bindir.join(program));
        cmd.args(args).env_remove("PGDATA").env("LC_ALL", "C.UTF-8");
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid.as_raw()).gid(gid.as_raw()).current_dir("/");
        }
        cmd.output()
            .map_err(|e| ClusterError::Command { program: program.to_string(), detail: e.to_string() })
    }
}

fn check(program: &str, out: &Output) -> Result<(), ClusterError> {
    if out.status.success() {
        Ok(())
    } else {
        Err(ClusterError::Command {
            program: program.to_string(),
            detail: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout).trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        })
    }
}

fn has_server(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() && dir.join("postgres").is_file()
}

/// The server binaries: `$DSRDESK_PG_BINDIR`, `pg_config --bindir`, the newest
/// /usr/lib/postgresql/*/bin (Debian's versioned layout), then PATH.
pub fn find_server_bindir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DSRDESK_PG_BINDIR") {
        let dir = PathBuf::from(dir);
        return has_server(&dir).then_some(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_server(&dir) {
            return Some(dir);
        }
    }
    if let Ok(entries) = fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<(u32, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                let bin = e.path().join("bin");
                has_server(&bin).then_some((version, bin))
            })
            .collect();
        versions.sort();
        if let Some((_, bin)) = versions.pop() {
            return Some(bin);
        }
    }
    std::env::var_os("PATH").and_then(|path| std::env::split_paths(&path).find(|d| has_server(d)))
}
