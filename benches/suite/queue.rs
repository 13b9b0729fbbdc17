//! The queue at scale: intake from a file (the real binary), the shift overview, the queue's first
//! page and a page deep in it, search, and claims by 16 operators at once.

use crate::Plan;
use crate::report::{Row, median};
use crate::scale::BigDatabase;
use chrono::{Duration, Utc};
use dsrdesk::domain::search::SearchTerm;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::store::requests::QueueQuery;
use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;

const SECTION: &str = "queue";

async fn time_ms<F, Fut, T>(runs: usize, mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    f().await; // warm the caches and the prepared statement
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(f().await);
        samples.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    median(samples)
}

/// PostgreSQL's own execution time for `sql`, one run, from EXPLAIN ANALYZE: for what takes long.
pub async fn server_ms_once(desk: &Desk, sql: &str) -> f64 {
    let explain = format!("EXPLAIN (ANALYZE, FORMAT JSON) {sql}");
    let plan: serde_json::Value =
        sqlx::query_scalar(sqlx::AssertSqlSafe(explain)).fetch_one(desk.pool()).await.unwrap();
    plan[0]["Execution Time"].as_f64().unwrap()
}

/// PostgreSQL's own execution time for `sql` (median of runs), from EXPLAIN ANALYZE.
pub async fn server_ms(desk: &Desk, sql: &str) -> f64 {
    let explain = format!("EXPLAIN (ANALYZE, FORMAT JSON) {sql}");
    let mut samples = Vec::new();
    for _ in 0..9 {
        let plan: serde_json::Value =
            sqlx::query_scalar(sqlx::AssertSqlSafe(explain.clone())).fetch_one(desk.pool()).await.unwrap();
        samples.push(plan[0]["Execution Time"].as_f64().unwrap());
    }
    median(samples)
}

/// PostgreSQL's own execution time for `sql` (median of runs) in a transaction that first runs
/// `settings` (SET LOCAL ...), as the desk runs it.
pub async fn server_ms_under(desk: &Desk, settings: &str, sql: &str) -> f64 {
    let explain = format!("EXPLAIN (ANALYZE, FORMAT JSON) {sql}");
    let mut samples = Vec::new();
    for _ in 0..9 {
        let mut tx = desk.pool().begin().await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(settings.to_string())).execute(&mut *tx).await.unwrap();
        let plan: serde_json::Value =
            sqlx::query_scalar(sqlx::AssertSqlSafe(explain.clone())).fetch_one(&mut *tx).await.unwrap();
        tx.rollback().await.unwrap();
        samples.push(plan[0]["Execution Time"].as_f64().unwrap());
    }
    median(samples)
}

/// PostgreSQL's own time for `sql` including its planning (median of runs): a search's SQL carries
/// its term as a literal, so the server plans it for each search, as it does for the desk.
pub async fn server_planned_ms(desk: &Desk, sql: &str) -> f64 {
    let explain = format!("EXPLAIN (ANALYZE, FORMAT JSON) {sql}");
    let mut samples = Vec::new();
    for _ in 0..9 {
        let plan: serde_json::Value =
            sqlx::query_scalar(sqlx::AssertSqlSafe(explain.clone())).fetch_one(desk.pool()).await.unwrap();
        samples
            .push(plan[0]["Execution Time"].as_f64().unwrap() + plan[0]["Planning Time"].as_f64().unwrap());
    }
    median(samples)
}

/// The desk's search for `q` (`Desk::queue`), and the statement it sends (the same text, the same
/// values bound) sent again by a bare client on a connection of its own, its rows read and dropped:
/// what any client waits for it, without the desk's work on the rows. Medians of runs.
pub async fn desk_and_bare_client_ms(desk: &Desk, q: &QueueQuery, now: chrono::DateTime<Utc>) -> (f64, f64) {
    let mut conn = desk.pool().acquire().await.unwrap();
    for _ in 0..6 {
        desk.queue_statement("", q, now).build().fetch_all(&mut *conn).await.unwrap();
    }
    // Taken in turns, so both see the same load from the rest of the machine (on two cores a
    // burst of autovacuum moved one series and not the other when they were taken one after the
    // other).
    let (mut by_desk, mut by_bare) = (Vec::new(), Vec::new());
    for _ in 0..31 {
        let t = Instant::now();
        std::hint::black_box(desk.queue(q, now).await.unwrap());
        by_desk.push(t.elapsed().as_secs_f64() * 1000.0);
        let mut statement = desk.queue_statement("", q, now);
        let t = Instant::now();
        std::hint::black_box(statement.build().fetch_all(&mut *conn).await.unwrap());
        by_bare.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (median(by_desk), median(by_bare))
}

/// The server's own time (planning and execution, median of runs) for the statement the desk
/// sends for `q`, with the same values.
pub async fn statement_by_server_ms(desk: &Desk, q: &QueueQuery, now: chrono::DateTime<Utc>) -> f64 {
    let mut samples = Vec::new();
    for _ in 0..9 {
        let mut explain = desk.queue_statement("EXPLAIN (ANALYZE, FORMAT JSON) ", q, now);
        let plan: serde_json::Value = explain.build_query_scalar().fetch_one(desk.pool()).await.unwrap();
        samples
            .push(plan[0]["Execution Time"].as_f64().unwrap() + plan[0]["Planning Time"].as_f64().unwrap());
    }
    median(samples)
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub async fn run(plan: &Plan, big: &BigDatabase, desk: &Desk) -> Vec<Row> {
    let mut rows = vec![intake(plan, big, desk).await];
    sqlx::query("ANALYZE requests").execute(desk.pool()).await.unwrap();
    let now = Utc::now();
    // The columns the queue reads (store::requests::QUEUE_COLUMNS).
    let columns = "id, reference, external_id, kind, status, jurisdiction, received_at, received_on, due_on, \
                   internal_due_on, extended_on, paused_days, paused_since, assignee, requester_name, \
                   requester_email, requester_personal_number";

    // The shift overview (its counts are kept by the database as requests change).
    let ms = time_ms(30, || desk.overview(now)).await;
    let today = now.date_naive();
    // The statement the overview sends, with today's date for both controllers.
    let summary = server_ms(
        desk,
        &dsrdesk::store::requests::OVERVIEW_COUNTS
            .replace("$1", &format!("'{today}'"))
            .replace("$2", &format!("'{today}'")),
    )
    .await;
    let scan = server_ms(desk, &format!(
        "SELECT kind, assignee, status = 'awaiting_information', GREATEST(-1, LEAST(8, due_on - '{today}'::date)), count(*) FROM requests WHERE status IN ('new','in_progress','awaiting_information') GROUP BY 1,2,3,4"
    )).await;
    rows.push(
        Row::new(SECTION, "overview at shift start", format!("{ms:.2} ms"))
            .target("< 50 ms", ms < 50.0)
            .plain(format!(
                "{summary:.2} ms, its statement (counting the open requests instead: {scan:.0} ms)"
            )),
    );

    // The overview's feed beside the counts: what others recorded in the last day (an operator who
    // has not marked anything seen), ten shown and counted up to 10,001, right after the intake's
    // 100,000 events. Its count once took a scan of every event (store::shift::count_changes_since).
    let newcomer = Operator::new("bench.newcomer");
    let feed_ms = time_ms(10, || desk.changes_since(&newcomer, None, now, 10)).await;
    let feed = desk.changes_since(&newcomer, None, now, 10).await.unwrap();
    rows.push(
        Row::new(
            SECTION,
            format!(
                "overview: the feed of the last day's changes by others ({} counted, up to 10,001; 10 shown)",
                feed.total
            ),
            format!("{feed_ms:.2} ms"),
        )
        .target("< 50 ms", feed_ms < 50.0),
    );

    // The open queue's first page, as `dsrdesk list` and the desk ask for it.
    let first = QueueQuery { limit: 100, ..Default::default() };
    let ms = time_ms(30, || desk.queue(&first, now)).await;
    let plain = server_ms(desk, &format!(
        "SELECT {columns} FROM requests WHERE status IN ('new','in_progress','awaiting_information') ORDER BY due_on, id LIMIT 100"
    )).await;
    rows.push(
        Row::new(SECTION, "queue: first page (100 open requests)", format!("{ms:.2} ms"))
            .target("< 5 ms", ms < 5.0)
            .plain(format!("{plain:.2} ms")),
    );

    // The queue screen's count of its rows, asked again at each refresh: from the summary the
    // database keeps, beside a count of the open requests themselves.
    let counted_ms = time_ms(10, || desk.queue_count(&first)).await;
    let open = desk.queue_count(&first).await.unwrap();
    let scan_ms = server_ms(
        desk,
        "SELECT count(*) FROM requests WHERE status IN ('new', 'in_progress', 'awaiting_information')",
    )
    .await;
    rows.push(
        Row::new(
            SECTION,
            format!("queue: the open queue's count ({open} open requests)"),
            format!("{counted_ms:.2} ms"),
        )
        .target("< 50 ms", counted_ms < 50.0)
        .plain(format!("counting the open requests themselves: {scan_ms:.1} ms")),
    );

    // A page in the middle of everything ever received (closed too), by keyset.
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM requests").fetch_one(desk.pool()).await.unwrap();
    let middle: (chrono::NaiveDate, i64) =
        sqlx::query_as("SELECT due_on, id FROM requests ORDER BY due_on, id OFFSET $1 LIMIT 1")
            .bind(total / 2)
            .fetch_one(desk.pool())
            .await
            .unwrap();
    let deep = QueueQuery { include_closed: true, after: Some(middle), limit: 100, ..Default::default() };
    let ms = time_ms(30, || desk.queue(&deep, now)).await;
    let plain = server_ms(
        desk,
        &format!(
            "SELECT {columns} FROM requests WHERE (due_on, id) > ('{}', {}) ORDER BY due_on, id LIMIT 100",
            middle.0, middle.1
        ),
    )
    .await;
    rows.push(
        Row::new(
            SECTION,
            format!("queue: a page {} requests deep (all statuses)", total / 2),
            format!("{ms:.2} ms"),
        )
        .target("< 5 ms", ms < 5.0)
        .plain(format!("{plain:.2} ms")),
    );

    // Search for one requester among all requests, by each thing a DPO types.
    // A third of the way through the requests that have a number (the seeded ones: intake's bench
    // lines have none, so an offset into all requests ran past them when the intake was larger).
    let sample: (String, String, String) = sqlx::query_as(
        "SELECT reference, requester_personal_number, requester_name FROM requests
         WHERE requester_personal_number IS NOT NULL AND requester_name IS NOT NULL
         ORDER BY id LIMIT 1 OFFSET (SELECT count(*) / 3 FROM requests
             WHERE requester_personal_number IS NOT NULL AND requester_name IS NOT NULL)",
    )
    .fetch_one(desk.pool())
    .await
    .unwrap();
    // A name's requests grow with the queue: the seeded names repeat, so the sample's name is on
    // about 700 requests at 1M and 2,000 at 3M, and a search by name reads each of them to order
    // them by date. So that growth compares the search at the same size of answer, one more name:
    // one the seeded names do not use, on exactly 500 requests at every size (made once by an
    // intake with fixed external ids, so a reused database keeps 500).
    let fixed_name = "Vendela Fjällgren";
    let mut lines = String::new();
    for k in 0..500 {
        let received = (now - Duration::days(1 + k % 25)).to_rfc3339();
        let _ = writeln!(
            lines,
            r#"{{"external_id":"bench-fixed-name-{k}","kind":"access","jurisdiction":"SE","received_at":"{received}","channel":"email","requester":{{"name":"{fixed_name}","email":"vendela.{k}@example.se"}},"text":"Jag begär registerutdrag."}}"#
        );
    }
    desk.intake(&Operator::new("bench"), &lines, now).await.unwrap();
    for (label, term) in [
        ("reference", sample.0.clone()),
        ("personal number", sample.1.clone()),
        ("name", sample.2.clone()),
        ("a name on 500 requests, the same at every size", fixed_name.to_string()),
    ] {
        let q =
            QueueQuery { include_closed: true, search: Some(term.clone()), limit: 100, ..Default::default() };
        let found = desk.queue(&q, now).await.unwrap().len();
        let matching = desk.queue_count(&q).await.unwrap();
        // As a desk that has been open a while: PostgreSQL plans a prepared statement afresh for
        // its first five runs on each connection, and the pool hands out its connections in turn,
        // so every pooled connection runs the search that often before it is timed (the bare
        // client below gets the same on its one connection).
        for _ in 0..6 * desk.pool().size().max(1) {
            desk.queue(&q, now).await.unwrap();
        }
        // The condition store::requests::push_filters writes for this kind of term.
        let condition = match SearchTerm::parse(&term).unwrap() {
            SearchTerm::Reference(r) => format!("reference = {}", quote(&r)),
            SearchTerm::PersonalNumber(forms) => format!(
                "requester_number_normalized IN ({})",
                forms.iter().map(|f| quote(f)).collect::<Vec<_>>().join(", ")
            ),
            SearchTerm::NameWords(words) => dsrdesk::store::requests::name_condition(&words),
            SearchTerm::Substring(s) => format!(
                "id IN (SELECT request_id FROM request_search WHERE text ILIKE {})",
                quote(&format!("%{s}%"))
            ),
        };
        let sql = format!("SELECT {columns} FROM requests WHERE {condition} ORDER BY due_on, id LIMIT 100");
        let plain = server_planned_ms(desk, &sql).await;
        // Its SQL (issue 18 §1): the statement the desk sent, by a bare client and by the server.
        // The server's figure alone (EXPLAIN ANALYZE) leaves out the round trip and sending the
        // rows, which on loopback are 0.05–0.1 ms: more than a search by reference takes to
        // execute; the bare client's figure holds them, so the target is judged against it.
        let (ms, bare) = desk_and_bare_client_ms(desk, &q, now).await;
        let server = statement_by_server_ms(desk, &q, now).await;
        let ratio = ms / bare.max(1e-6);
        let limit = if label.contains("name") { 10.0 } else { 20.0 };
        rows.push(
            Row::new(
                SECTION,
                format!("search by {label} (all statuses; {matching} match, the first {found} shown)"),
                format!("{ms:.2} ms = {ratio:.2}× its statement by a bare client"),
            )
            .target(format!("≤ {limit} ms and ≤ 1.2× the server"), ms <= limit && ratio <= 1.2)
            .plain(format!(
                "its statement by a bare client: {bare:.2} ms; by the server (planning and execution): {server:.2} ms; the search alone, without the paused requests' shown dates: {plain:.2} ms"
            )),
        );
    }

    let claimed = claims(plan, desk).await;
    let (pgbench_row, pgbench) = claims_by_pgbench(plan, big);
    rows.push(claims_row(claimed, pgbench));
    rows.push(pgbench_row);
    rows
}

/// `dsrdesk intake FILE` with the release binary, as an agency's mail gateway would run it, beside
/// the server's own COPY of the same rows into the same tables in the same run.
async fn intake(plan: &Plan, big: &BigDatabase, desk: &Desk) -> Row {
    let now = Utc::now();
    let mut file = String::new();
    let run = std::process::id();
    let tag = format!("bench-{run}-{}-", now.timestamp());
    for i in 0..plan.intake {
        let received = (now - Duration::minutes(10 + (i as i64 % 20_000))).to_rfc3339();
        let (j, kind) = if i % 3 == 0 { ("FI", "erasure") } else { ("SE", "access") };
        let _ = writeln!(
            file,
            r#"{{"external_id":"{tag}{i}","kind":"{kind}","jurisdiction":"{j}","received_at":"{received}","channel":"email","requester":{{"name":"Bench Person {i}","email":"p{i}@example.se"}},"text":"Jag begär registerutdrag."}}"#
        );
    }
    let scratch = tempfile::tempdir().unwrap();
    let path = scratch.path().join("intake.jsonl");
    std::fs::write(&path, &file).unwrap();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
        .arg("intake")
        .arg(&path)
        .env("DATABASE_URL", big.url())
        .env("XDG_CONFIG_HOME", scratch.path())
        .env_remove("DSRDESK_CONFIG")
        .output()
        .expect("run dsrdesk intake");
    let seconds = started.elapsed().as_secs_f64();
    assert!(out.status.success(), "dsrdesk intake failed: {}", String::from_utf8_lossy(&out.stderr));
    let rate = plan.intake as f64 / seconds;
    let (copy_seconds, copied) = server_copy_of_intake(desk, &tag).await;
    assert_eq!(copied as u64, plan.intake, "the reference copies every request intake stored");
    let copy_rate = copied as f64 / copy_seconds;
    let ratio = rate / copy_rate;
    Row::new(
        SECTION,
        format!(
            "intake: `dsrdesk intake FILE` of {} requests (JSON Lines, {:.1} MB)",
            plan.intake,
            file.len() as f64 / 1e6
        ),
        format!("{seconds:.2} s, {rate:.0} requests/s = {ratio:.2}× the server's COPY"),
    )
    .target("≥ 50,000 requests/s and ≥ 0.5× COPY", rate >= 50_000.0 && ratio >= 0.5)
    .plain(format!(
        "COPY of the same rows into requests and request_events (every index and trigger, the search \
         rows, the checks at commit; the commit's flush not counted): {copy_seconds:.2} s, {copy_rate:.0} requests/s"
    ))
}

/// The server's own COPY of the requests intake just stored (external ids starting with `tag`)
/// and their events into the same tables, under new ids and references, in a transaction whose
/// deferred checks are run (`SET CONSTRAINTS ALL IMMEDIATE`) and which is then rolled back, so the
/// database is left as it was. Returns the seconds and the rows copied.
async fn server_copy_of_intake(desk: &Desk, tag: &str) -> (f64, usize) {
    let mut conn = desk.pool().acquire().await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP TABLE IF EXISTS pg_temp.bench_intake_ids;
         CREATE TEMP TABLE bench_intake_ids AS
         SELECT id AS old, nextval(pg_get_serial_sequence('requests', 'id')) AS new
         FROM requests WHERE external_id LIKE {} ORDER BY id",
        quote(&format!("{tag}%"))
    )))
    .execute(&mut *conn)
    .await
    .unwrap();
    // The columns intake's COPY writes (store::intake_copy), a reference and external id of their own.
    let requests = copy_out(
        &mut conn,
        "COPY (SELECT m.new, 'DSR-' || substr(r.reference, 5, 5) || '9' || substr(r.reference, 10),
                      r.external_id || '-copy', kind, status, jurisdiction, received_at, received_on, channel,
                      language, requester_name, requester_email, requester_personal_number, requester_address,
                      requester_phone, body, assignee, extended_on, extension_reason, paused_days, paused_since,
                      pause_reason, due_on, internal_due_on, closed_at
               FROM requests r JOIN bench_intake_ids m ON m.old = r.id ORDER BY r.id) TO STDOUT",
    )
    .await;
    let events = copy_out(
        &mut conn,
        "COPY (SELECT m.new, e.effective_at, e.actor, e.actor_client, e.action, e.details
               FROM request_events e JOIN bench_intake_ids m ON m.old = e.request_id ORDER BY e.id) TO STDOUT",
    )
    .await;
    let rows = requests.iter().filter(|&&b| b == b'\n').count();
    let started = Instant::now();
    sqlx::raw_sql("BEGIN").execute(&mut *conn).await.unwrap();
    for (statement, data) in [
        (
            "COPY requests (id, reference, external_id, kind, status, jurisdiction, received_at, received_on, \
             channel, language, requester_name, requester_email, requester_personal_number, requester_address, \
             requester_phone, body, assignee, extended_on, extension_reason, paused_days, paused_since, \
             pause_reason, due_on, internal_due_on, closed_at) FROM STDIN",
            &requests,
        ),
        (
            "COPY request_events (request_id, effective_at, actor, actor_client, action, details) FROM STDIN",
            &events,
        ),
    ] {
        let mut copy = conn.copy_in_raw(statement).await.unwrap();
        for piece in data.chunks(1 << 20) {
            copy.send(piece).await.unwrap();
        }
        copy.finish().await.unwrap();
    }
    sqlx::raw_sql("SET CONSTRAINTS ALL IMMEDIATE").execute(&mut *conn).await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    sqlx::raw_sql("ROLLBACK; DROP TABLE bench_intake_ids").execute(&mut *conn).await.unwrap();
    (seconds, rows)
}

async fn copy_out(conn: &mut sqlx::PgConnection, sql: &'static str) -> Vec<u8> {
    use futures_util::TryStreamExt;
    let mut data = Vec::new();
    let mut stream = conn.copy_out_raw(sql).await.unwrap();
    while let Some(chunk) = stream.try_next().await.unwrap() {
        data.extend_from_slice(&chunk);
    }
    data
}

/// CPU time (user and system) used so far by this process (`RUSAGE_SELF`) or by its ended
/// children (`RUSAGE_CHILDREN`), in seconds.
fn cpu_seconds(who: nix::sys::resource::UsageWho) -> f64 {
    let usage = nix::sys::resource::getrusage(who).expect("getrusage");
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    secs(usage.user_time()) + secs(usage.system_time())
}

/// The claims measured: how many, per second, how many twice, and the client's CPU per claim (µs).
type Claimed = (usize, f64, usize, f64);

/// 16 operators pressing "claim next" as fast as they can, each on a connection of their own.
async fn claims(plan: &Plan, desk: &Desk) -> Claimed {
    let operators = 16;
    // The same sixteen names in every run, as an agency's staff stays the same: with names of each
    // run's own, a reused database gained sixteen assignees per run, and the overview's summary
    // (one row per assignee and date) grew with the number of runs, not with the queue. This
    // run's claims are told apart by their ids and time below.
    let run = "bench.claimer.";
    let since: chrono::DateTime<Utc> =
        sqlx::query_scalar("SELECT now()").fetch_one(desk.pool()).await.unwrap();
    // The desk's own CPU: what it costs the machine the server shares (two cores here).
    let cpu_before = cpu_seconds(nix::sys::resource::UsageWho::RUSAGE_SELF);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..operators {
        let desk = desk.clone();
        let each = plan.claims / operators;
        let name = format!("{run}{n}");
        tasks.push(tokio::spawn(async move {
            let op = Operator::new(name);
            let mut got = Vec::new();
            for _ in 0..each {
                match desk.claim_next(&op, Utc::now()).await.unwrap() {
                    Some(r) => got.push(r.id),
                    None => break,
                }
            }
            got
        }));
    }
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.unwrap());
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(nix::sys::resource::UsageWho::RUSAGE_SELF) - cpu_before;
    let n = claimed.len();
    claimed.sort();
    claimed.dedup();
    let doubles = n - claimed.len();
    // The history must agree: one claim event per claimed request.
    let events: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM request_events
         WHERE action = 'assigned' AND starts_with(actor, $1) AND recorded_at >= $2
           AND request_id = ANY($3)",
    )
    .bind(run)
    .bind(since)
    .bind(&claimed)
    .fetch_one(desk.pool())
    .await
    .unwrap();
    assert_eq!(doubles, 0, "a request was claimed twice");
    assert_eq!(events as usize, n, "claims and their events disagree");
    let rate = n as f64 / seconds;
    (n, rate, doubles, cpu * 1e6 / n.max(1) as f64)
}

/// The claims' row, judged against pgbench's rate for the same statement in the same run (issue
/// 18 §1: the figures on this machine move from run to run; the ratio is the target).
fn claims_row((n, rate, doubles, cpu_us): Claimed, pgbench: Option<f64>) -> Row {
    let row = Row::new(
        SECTION,
        format!("claims by 16 operators at once ({n} claims)"),
        match pgbench {
            Some(tps) => format!(
                "{rate:.0} claims/s = {:.2}× pgbench, {doubles} double; the desk's CPU {cpu_us:.0} µs per claim",
                rate / tps
            ),
            None => format!("{rate:.0} claims/s, {doubles} double; the desk's CPU {cpu_us:.0} µs per claim"),
        },
    );
    match pgbench {
        Some(tps) => row.target("≥ 0.8× pgbench, 0 double", rate >= 0.8 * tps && doubles == 0),
        None => row.target("≥ 2,000 claims/s, 0 double", rate >= 2_000.0 && doubles == 0),
    }
}

/// The same claim statement driven by pgbench with 16 clients: the database's own rate.
fn claims_by_pgbench(plan: &Plan, big: &BigDatabase) -> (Row, Option<f64>) {
    let Some(bindir) = dsrdesk::store::cluster::find_server_bindir() else {
        return (Row::new(SECTION, "claims by pgbench", "pgbench not found"), None);
    };
    let scratch = tempfile::tempdir().unwrap();
    let script = scratch.path().join("claim.sql");
    // The statement of store::claim_next_unclaimed, the same text, with literal parameters: it
    // returns the claimed request's columns, as the desk's does.
    let statement = dsrdesk::store::requests::CLAIM_NEXT_UNCLAIMED
        .replace("$1", "'bench.pgbench'")
        .replace("$2", "now()")
        .replace("$3", "NULL")
        .replace("$4", r#"'{"from": null, "to": "bench.pgbench", "claimed_next": true}'::jsonb"#);
    std::fs::write(&script, format!("{statement};\n")).unwrap();
    let cluster = dsrdesk::store::cluster::Cluster::new(dsrdesk::testing::test_cluster_dir()).unwrap();
    let per_client = (plan.claims / 16).max(1);
    let cpu_before = cpu_seconds(nix::sys::resource::UsageWho::RUSAGE_CHILDREN);
    let out = Command::new(bindir.join("pgbench"))
        .args(["-n", "-c", "16", "-j", "2", "-M", "prepared", "-t", &per_client.to_string(), "-f"])
        .arg(&script)
        .arg("-h")
        .arg(cluster.socket_dir())
        .args(["-p", &dsrdesk::store::cluster::SOCKET_PORT.to_string()])
        .args(["-U", dsrdesk::store::cluster::CLUSTER_ROLE, &big.name])
        .output()
        .expect("run pgbench");
    let cpu_us = (cpu_seconds(nix::sys::resource::UsageWho::RUSAGE_CHILDREN) - cpu_before) * 1e6
        / (per_client * 16) as f64;
    let text = String::from_utf8_lossy(&out.stdout);
    let tps = text
        .lines()
        .find(|l| l.starts_with("tps ="))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse::<f64>().ok());
    let row = match tps {
        Some(tps) => Row::new(SECTION, "claims: the same statement by pgbench, 16 clients (without the notification dsrdesk sends after each)", "")
            .plain(format!("{tps:.0} claims/s; pgbench's CPU {cpu_us:.0} µs per claim")),
        None => Row::new(
            SECTION,
            "claims by pgbench",
            format!("failed: {}", String::from_utf8_lossy(&out.stderr)),
        ),
    };
    (row, tps)
}
