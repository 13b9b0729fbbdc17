//! A real streaming replica for tests: a primary that listens on loopback (wal_level replica,
//! a replication entry in pg_hba.conf for 127.0.0.1) and a hot standby made from it with
//! `pg_basebackup -R`, both from the machine's own server binaries, under the temp directory.
//! The pair is made once and stays up between runs like the test cluster; each test gets its own
//! database on the primary, which reaches the replica as the primary's WAL does.

use super::{TestDatabase, connect_when_ready, try_fresh_database_on};
use crate::error::{Error, Result};
use crate::store::cluster::{CLUSTER_ROLE, Cluster};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use std::fs::OpenOptions;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// How long a test waits for the replica to replay what the primary wrote.
pub const REPLAY_DEADLINE: Duration = Duration::from_secs(60);

/// The two servers: admin options (Unix socket, database `postgres`) for each.
#[derive(Debug, Clone)]
pub struct ReplicaPair {
    pub primary: PgConnectOptions,
    pub replica: PgConnectOptions,
}

/// One test's database on the primary and the same database read through the replica.
pub struct ReplicatedDatabase {
    pub primary: TestDatabase,
    pub replica: TestDatabase,
    pair: ReplicaPair,
}

/// The pair's directory: one per OS user, beside the test cluster.
pub fn replica_pair_dir() -> PathBuf {
    std::env::temp_dir().join(format!("dsrdesk-replica-{}", nix::unistd::Uid::current()))
}

/// The pair, made and started on first use (in this process and across processes: a lock file).
pub async fn replica_pair() -> Result<ReplicaPair> {
    static PAIR: OnceCell<ReplicaPair> = OnceCell::const_new();
    PAIR.get_or_try_init(|| async {
        let (primary, replica) =
            tokio::task::spawn_blocking(ensure_pair).await.expect("replica pair task panicked")?;
        let options = |cluster: &Cluster, port: u16| {
            PgConnectOptions::new()
                .socket(cluster.socket_dir())
                .port(port)
                .username(CLUSTER_ROLE)
                .database("postgres")
                .disable_statement_logging()
        };
        Ok(ReplicaPair { primary: options(&primary.0, primary.1), replica: options(&replica.0, replica.1) })
    })
    .await
    .cloned()
}

type Started = ((Cluster, u16), (Cluster, u16));

fn ensure_pair() -> Result<Started> {
    let dir = replica_pair_dir();
    let io = |e: std::io::Error| Error::Invalid(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(&dir).map_err(io)?;
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("pair.lock"))
        .map_err(io)?;
    lock.lock().map_err(io)?;
    let ports_file = dir.join("ports");
    let (primary_port, replica_port) = match std::fs::read_to_string(&ports_file) {
        Ok(text) => {
            let mut p = text.split_whitespace().filter_map(|w| w.parse::<u16>().ok());
            (p.next().unwrap_or(0), p.next().unwrap_or(0))
        }
        Err(_) => {
            // Two free loopback ports (other helpers' pairs may run on this machine too).
            let a = std::net::TcpListener::bind("127.0.0.1:0").map_err(io)?;
            let b = std::net::TcpListener::bind("127.0.0.1:0").map_err(io)?;
            let ports = (a.local_addr().map_err(io)?.port(), b.local_addr().map_err(io)?.port());
            std::fs::write(&ports_file, format!("{} {}\n", ports.0, ports.1)).map_err(io)?;
            ports
        }
    };
    let primary = Cluster::new(dir.join("primary"))?;
    if !primary.pgdata().join("PG_VERSION").exists() {
        primary.ensure_running()?;
        primary.stop()?;
        primary.append_settings(
            &format!(
                "\n# dsrdesk test pair: the primary streams to a replica on loopback\nlisten_addresses = '127.0.0.1'\nport = {primary_port}\nwal_level = replica\nmax_wal_senders = 4\nwal_keep_size = '256MB'\n"
            ),
            &format!("\nhost replication {CLUSTER_ROLE} 127.0.0.1/32 trust\n"),
        )?;
    }
    primary.ensure_running()?;
    let replica = Cluster::new(dir.join("replica"))?;
    if !replica.pgdata().join("PG_VERSION").exists() {
        replica.base_backup_from(primary_port)?;
        replica.append_settings(
            &format!(
                "\n# dsrdesk test pair: the hot standby\nlisten_addresses = '127.0.0.1'\nport = {replica_port}\nunix_socket_directories = '{}'\nhot_standby = on\n",
                replica.socket_dir().display()
            ),
            "",
        )?;
    }
    replica.ensure_running()?;
    drop(lock);
    Ok(((primary, primary_port), (replica, replica_port)))
}

/// A fresh migrated database on the primary, and a pool to the same database on the replica
/// once the replica has replayed its creation.
pub async fn fresh_replicated_database() -> ReplicatedDatabase {
    try_fresh_replicated_database().await.unwrap_or_else(|e| panic!("replicated test database: {e}"))
}

async fn try_fresh_replicated_database() -> Result<ReplicatedDatabase> {
    let pair = replica_pair().await?;
    // A test that failed while replay was paused left it paused (the pair outlives the run).
    let mut replica = connect_when_ready(&pair.replica).await?;
    sqlx::query("SELECT pg_wal_replay_resume()").execute(&mut replica).await?;
    replica.close().await.ok();
    let primary = try_fresh_database_on(pair.primary.clone(), 10).await?;
    wait_for_replay_of(&primary.pool, &pair).await?;
    let options = pair.replica.clone().database(&primary.name);
    let pool = PgPoolOptions::new().max_connections(10).connect_with(options.clone()).await?;
    let replica = TestDatabase { pool, name: primary.name.clone(), options };
    Ok(ReplicatedDatabase { primary, replica, pair })
}

/// Wait until the replica has replayed everything the primary had written when this was called.
async fn wait_for_replay_of(primary: &PgPool, pair: &ReplicaPair) -> Result<()> {
    let target: String =
        sqlx::query_scalar("SELECT pg_current_wal_insert_lsn()::text").fetch_one(primary).await?;
    let mut conn = connect_when_ready(&pair.replica).await?;
    let deadline = Instant::now() + REPLAY_DEADLINE;
    loop {
        let done: bool = sqlx::query_scalar("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn")
            .bind(&target)
            .fetch_one(&mut conn)
            .await?;
        if done {
            conn.close().await.ok();
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(Error::Invalid(format!(
                "the replica did not replay up to {target} within {REPLAY_DEADLINE:?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl ReplicatedDatabase {
    /// Wait until the replica has replayed what the primary has written so far.
    pub async fn wait_for_replay(&self) {
        wait_for_replay_of(&self.primary.pool, &self.pair).await.unwrap_or_else(|e| panic!("{e}"));
    }

    /// Stop applying the primary's WAL on the replica (it still receives it): what the primary
    /// writes from now on is not visible there until [`ReplicatedDatabase::resume_replay`].
    /// Cluster-wide: tests that pause must not run beside other replica tests (a new
    /// [`fresh_replicated_database`] resumes it, should a failed test have left it paused).
    pub async fn pause_replay(&self) {
        sqlx::query("SELECT pg_wal_replay_pause()").execute(&self.replica.pool).await.expect("pause replay");
    }

    pub async fn resume_replay(&self) {
        sqlx::query("SELECT pg_wal_replay_resume()")
            .execute(&self.replica.pool)
            .await
            .expect("resume replay");
    }
}
