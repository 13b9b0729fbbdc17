//! The database at scale, built the way an agency would: `dsrdesk seed` (the release binary, a
//! child process) into a database of its own in the test cluster. Its loading rate is measured
//! beside the server's own COPY of the biggest table.

use crate::Plan;
use crate::report::Row;
use dsrdesk::config::Config;
use dsrdesk::service::Desk;
use dsrdesk::store::cluster::{CLUSTER_ROLE, SOCKET_PORT};
use dsrdesk::store::{self, DatabaseTarget};
use sqlx::Connection;
use std::process::Command;
use std::time::Instant;

pub struct BigDatabase {
    pub name: String,
    full: bool,
}

/// The tables `dsrdesk seed` fills, for counting what it loaded.
const SEEDED_TABLES: [&str; 14] = [
    "requests",
    "request_events",
    "ledger.clients",
    "ledger.persons",
    "ledger.contact_details",
    "ledger.cases",
    "ledger.case_parties",
    "ledger.payments",
    "ledger.letters",
    "ledger.calls",
    "ledger.credit_lookups",
    "ledger.aml_checks",
    "ledger.marketing_preferences",
    "request_verifications",
];

impl BigDatabase {
    pub fn new(plan: &Plan) -> BigDatabase {
        // A full run keeps its database for `--reuse`; a smoke run's name is its own, so two
        // checkouts testing at once never share one.
        let name = if plan.full {
            format!("dsrdesk_bench_{}", plan.requests)
        } else {
            format!("dsrdesk_bench_smoke_{}", std::process::id())
        };
        BigDatabase { name, full: plan.full }
    }

    pub fn target(&self) -> DatabaseTarget {
        DatabaseTarget::Embedded {
            data_dir: dsrdesk::testing::test_cluster_dir(),
            database: self.name.clone(),
        }
    }

    /// A `postgres://` URL for child processes (the socket directory percent-encoded as host).
    pub fn url(&self) -> String {
        format!("postgres://{CLUSTER_ROLE}@{}:{SOCKET_PORT}/{}", socket_dir_encoded(), self.name)
    }

    pub async fn desk(&self, connections: u32) -> Desk {
        let pool = store::open(&self.target(), connections).await.expect("the benchmark database");
        Desk::new(pool, Config::default())
    }

    async fn admin(&self) -> sqlx::PgConnection {
        // Starts the test cluster if needed (and creates this database, which we may drop next).
        store::open(&self.target(), 1).await.expect("the test cluster").close().await;
        let url = format!("postgres://{CLUSTER_ROLE}@{}:{SOCKET_PORT}/postgres", socket_dir_encoded());
        sqlx::PgConnection::connect(&url).await.expect("the test cluster's postgres database")
    }

    /// Seed the database at the plan's size (unless `--reuse` finds it seeded), timing
    /// `dsrdesk seed` and counting what it loaded.
    pub async fn build(&self, plan: &Plan) -> Vec<Row> {
        if plan.reuse {
            let desk = self.desk(2).await;
            let seeded: Option<String> =
                sqlx::query_scalar("SELECT value FROM dsrdesk_meta WHERE key = 'ledger_seeded'")
                    .fetch_optional(desk.pool())
                    .await
                    .unwrap();
            if seeded.is_some_and(|s| s.contains("\"complete\":true")) {
                eprintln!("reusing {} as seeded by an earlier run", self.name);
                let measured: Option<String> =
                    sqlx::query_scalar("SELECT value FROM dsrdesk_meta WHERE key = 'bench_seed_row'")
                        .fetch_optional(desk.pool())
                        .await
                        .unwrap();
                return match measured.and_then(|m| serde_json::from_str::<Row>(&m).ok()) {
                    Some(mut row) => {
                        row.what = format!("{} (measured when this database was seeded)", row.what);
                        vec![row]
                    }
                    None => vec![Row::new("seed", "database reused from an earlier run (not re-seeded)", "")],
                };
            }
        }
        let mut admin = self.admin().await;
        let name = &self.name;
        // Two statements: DROP DATABASE refuses to run inside the implicit transaction of a batch.
        for sql in [format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), format!("CREATE DATABASE {name}")]
        {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.unwrap();
        }
        // Migrations are not part of the loading rate.
        self.desk(1).await.pool().close().await;

        eprintln!("seeding {} requests and ledger persons with `dsrdesk seed` ...", plan.requests);
        let config_home = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
            .args(["seed", "--requests", &plan.requests.to_string()])
            .env("DATABASE_URL", self.url())
            .env("XDG_CONFIG_HOME", config_home.path())
            .env_remove("DSRDESK_CONFIG")
            .status()
            .expect("run dsrdesk seed");
        let seconds = started.elapsed().as_secs_f64();
        assert!(status.success(), "dsrdesk seed failed");

        let desk = self.desk(4).await;
        let mut loaded = 0i64;
        for table in SEEDED_TABLES {
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(desk.pool())
                .await
                .unwrap();
            loaded += n;
        }
        sqlx::raw_sql("VACUUM ANALYZE").execute(desk.pool()).await.unwrap();
        let rate = loaded as f64 / seconds;
        let plain = server_copy_rate(&desk).await;
        let row = Row::new(
            "seed",
            format!("`dsrdesk seed --requests {}`: {loaded} rows in all tables", plan.requests),
            format!("{seconds:.1} s, {rate:.0} rows/s"),
        )
        .target("≥ 50,000 rows/s", rate >= 50_000.0)
        .plain(plain);
        // Kept with the database, for runs that `--reuse` it.
        sqlx::query("INSERT INTO dsrdesk_meta (key, value) VALUES ('bench_seed_row', $1)")
            .bind(serde_json::to_string(&row).unwrap())
            .execute(desk.pool())
            .await
            .unwrap();
        vec![row]
    }

    /// What the database holds, in a sentence.
    pub async fn describe(&self, desk: &Desk) -> String {
        let one = |sql: &'static str| async move {
            sqlx::query_scalar::<_, i64>(sql).fetch_one(desk.pool()).await.unwrap()
        };
        let requests = one("SELECT count(*) FROM requests").await;
        let open =
            one("SELECT count(*) FROM requests WHERE status IN ('new','in_progress','awaiting_information')")
                .await;
        let events = one("SELECT count(*) FROM request_events").await;
        let persons = one("SELECT count(*) FROM ledger.persons").await;
        let cases = one("SELECT count(*) FROM ledger.cases").await;
        let payments = one("SELECT count(*) FROM ledger.payments").await;
        let size: String = sqlx::query_scalar("SELECT pg_size_pretty(pg_database_size(current_database()))")
            .fetch_one(desk.pool())
            .await
            .unwrap();
        format!(
            "The database (`{}`, {size}) holds {requests} requests ({open} open) with {events} events, and a ledger \
of {persons} persons with {cases} cases and {payments} payments.",
            self.name
        )
    }

    pub async fn drop_if_smoke(&self) {
        if self.full {
            return;
        }
        let mut admin = self.admin().await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)))
            .execute(&mut admin)
            .await
            .unwrap();
    }
}

fn socket_dir_encoded() -> String {
    let cluster = dsrdesk::store::cluster::Cluster::new(dsrdesk::testing::test_cluster_dir()).unwrap();
    cluster.socket_dir().to_string_lossy().replace('/', "%2F")
}

/// The server's own COPY rate: the payments (the biggest table) copied out and loaded again into
/// a table with the same indexes, by plain COPY without dsrdesk's generation and encoding.
async fn server_copy_rate(desk: &Desk) -> String {
    let mut conn = desk.pool().acquire().await.unwrap();
    let mut data = Vec::new();
    {
        use futures_util::TryStreamExt;
        let mut out = conn.copy_out_raw("COPY ledger.payments TO STDOUT").await.unwrap();
        while let Some(chunk) = out.try_next().await.unwrap() {
            data.extend_from_slice(&chunk);
        }
    }
    let rows = data.iter().filter(|&&b| b == b'\n').count();
    sqlx::raw_sql(
        "DROP TABLE IF EXISTS bench_copy_probe; CREATE TABLE bench_copy_probe (LIKE ledger.payments INCLUDING ALL)",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    let started = Instant::now();
    let mut copy = conn.copy_in_raw("COPY bench_copy_probe FROM STDIN").await.unwrap();
    copy.send(data).await.unwrap();
    copy.finish().await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    sqlx::raw_sql("DROP TABLE bench_copy_probe").execute(&mut *conn).await.unwrap();
    format!("plain COPY of the {rows} payments: {:.0} rows/s", rows as f64 / seconds)
}
