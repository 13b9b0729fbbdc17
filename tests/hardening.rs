//! Issue 14 §§2, 4, 5: no stored value takes the desk down, exports only the DPO can read, input
//! refused once at the door instead of accepted and failing later. The real binary on a fresh
//! PostgreSQL database; the headless desk for what the screen shows.

mod tui_support;

use dsrdesk::config::Config;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{TestDatabase, fresh_database};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

fn alice() -> Operator {
    Operator::new("alice")
}

fn dsrdesk(db: &TestDatabase, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let config = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
        .args(args)
        .env("DATABASE_URL", db.url())
        .env("DSRDESK_CONFIG", config.path())
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dsrdesk");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_no_panic(what: &str, out: &Output) {
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{what} panicked:\n{stderr}");
    assert_ne!(out.status.code(), Some(101), "{what}: exit 101 is a panic\n{stderr}");
}

const GOOD: &str = r#"{"external_id":"x-1","kind":"access","jurisdiction":"SE","received_at":"2026-11-16T09:00:00+01:00","channel":"email","requester":{"name":"Åsa Öberg","email":"asa@example.se"},"text":"Hej"}"#;

/// Requests `x-1` .. `x-n`, stored through the service as intake stores them.
async fn desk_with(n: usize) -> (TestDatabase, Desk, Vec<String>) {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let input: Vec<String> = (1..=n).map(|i| GOOD.replace("x-1", &format!("x-{i}"))).collect();
    let outcome = desk.intake(&alice(), &input.join("\n"), chrono::Utc::now()).await.expect("intake");
    (db, desk, outcome.created)
}

/// What a bad migration, a restore or the owner with psql could leave behind: a pause of two
/// billion days, which no deadline can be computed from (Art. 12(3) + the paused days). Since
/// migration 0018 the database refuses such a row from any other role (its due date is not the
/// legal one), so the owner switches that trigger off for this one change: the desk must still
/// show whatever is stored without a panic.
async fn store_impossible_pause(db: &TestDatabase, reference: &str) {
    let mut tx = db.pool.begin().await.unwrap();
    sqlx::query("ALTER TABLE requests DISABLE TRIGGER requests_legal_due_dates")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE requests SET paused_days = 2000000000 WHERE reference = $1")
        .bind(reference)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO request_events (request_id, actor, action) \
         SELECT id, 'psql', 'resumed' FROM requests WHERE reference = $1",
    )
    .bind(reference)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // After the commit: the deferred event check must have run before the table is altered again.
    sqlx::query("ALTER TABLE requests ENABLE TRIGGER requests_legal_due_dates")
        .execute(&db.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn impossible_paused_days_shows_as_an_error_on_its_row_in_list_and_show_never_a_panic() {
    let (db, _desk, refs) = desk_with(3).await;
    let bad = &refs[1];
    store_impossible_pause(&db, bad).await;

    let out = dsrdesk(&db, &["list"], None);
    assert_no_panic("list", &out);
    assert!(out.status.success(), "list: {}", text(&out.stderr));
    let shown = text(&out.stdout);
    for r in &refs {
        assert!(shown.contains(r.as_str()), "every row is still listed, {r} missing:\n{shown}");
    }
    let row = shown.lines().position(|l| l.starts_with(bad.as_str())).unwrap();
    let lines: Vec<&str> = shown.lines().collect();
    assert!(lines[row].contains("date err"), "the row says its date is wrong:\n{shown}");
    assert!(lines[row + 1].contains("cannot be computed"), "and why, under it:\n{shown}");

    let out = dsrdesk(&db, &["list", "--json"], None);
    assert_no_panic("list --json", &out);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("list --json is JSON");
    let rows = rows.as_array().expect("an array");
    let errors: Vec<_> = rows.iter().filter(|r| !r["deadline_error"].is_null()).collect();
    assert_eq!(errors.len(), 1, "{rows:?}");
    assert_eq!(errors[0]["reference"], bad.as_str());

    let out = dsrdesk(&db, &["show", bad], None);
    assert_no_panic("show", &out);
    assert_eq!(out.status.code(), Some(1), "a rule error: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("the deadline cannot be computed"), "{}", text(&out.stderr));
    // The other requests are untouched by it.
    let out = dsrdesk(&db, &["show", &refs[0]], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[tokio::test]
async fn impossible_paused_days_shows_as_date_error_in_the_desk_and_q_still_quits() {
    let (db, desk) = tui_support::seeded().await;
    // The row the queue shows first (open, earliest stored due date).
    let first: String = sqlx::query_scalar(
        "SELECT reference FROM requests WHERE closed_at IS NULL ORDER BY due_on, id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    store_impossible_pause(&db, &first).await;
    let mut h = tui_support::open(&desk, 80, 24).await;
    let screen = h.text();
    let row = screen.lines().find(|l| l.contains(first.as_str())).unwrap_or_default().to_string();
    assert!(row.contains("date err"), "the row says its date is wrong: {}", h.screen());
    // The queue screen lists it too, and the rest of the queue with it.
    h.keys("2").await;
    assert!(h.text().contains(" date err"), "{}", h.screen());
    assert!(h.text().contains("d over"), "{}", h.screen());
}

#[test]
fn a_huge_paused_days_on_the_command_line_is_refused_not_a_panic() {
    let out = Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
        .args(["deadline", "--received", "2026-03-02", "--jurisdiction", "SE", "--paused-days", "2000000000"])
        .env("DSRDESK_CONFIG", "/dev/null")
        .output()
        .unwrap();
    assert_no_panic("deadline --paused-days", &out);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("cannot be computed"), "{}", text(&out.stderr));
}

#[tokio::test]
async fn intake_refuses_a_receipt_before_the_gdpr_applied() {
    // Art. 99(2): the GDPR applies from 25 May 2018; year 0000 gave "DSR-0000-000001, 740284d over".
    let db = fresh_database().await;
    let line = GOOD.replace("2026-11-16T09:00:00+01:00", "0000-01-01T00:00:00Z");
    let out = dsrdesk(&db, &["intake", "-"], Some(line.as_bytes()));
    assert_no_panic("intake", &out);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("line 1: field `received_at`") && stderr.contains("2018-05-25"), "{stderr}");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM requests").fetch_one(&db.pool).await.unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn list_json_into_a_reader_that_stops_after_one_line_ends_quietly() {
    // More than a pipe buffer (64 KiB) of JSON, so the writer meets the closed pipe.
    let (db, _desk, _refs) = desk_with(400).await;
    let config = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
        .args(["list", "--json", "--limit", "400"])
        .env("DATABASE_URL", db.url())
        .env("DSRDESK_CONFIG", config.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert_eq!(first.trim(), "[");
    // `head -1` exits: the reading end closes.
    let out = child.wait_with_output().unwrap();
    assert_no_panic("list --json | head -1", &out);
    assert_eq!(out.status.code(), Some(0), "ends quietly with success: {}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "", "nothing on stderr");
}

#[tokio::test]
async fn intake_refuses_a_duplicate_key_naming_line_and_key_and_stores_nothing() {
    // RFC 8259 §4 leaves duplicate names to the parser; last-one-wins would store an erasure
    // request where the line also says access (Art. 15 vs Art. 17: different duties).
    let db = fresh_database().await;
    let input = format!(
        "{GOOD}\n{}\n",
        GOOD.replace("x-1", "x-2").replace(r#""kind":"access""#, r#""kind":"access","kind":"erasure""#,)
    );
    let out = dsrdesk(&db, &["intake", "-"], Some(input.as_bytes()));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("line 2: field `kind`: appears twice"), "{stderr}");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM requests").fetch_one(&db.pool).await.unwrap();
    assert_eq!(stored, 0, "all or nothing");
}

#[tokio::test]
async fn json_output_escapes_c1_controls_and_bidi_overrides_like_esc() {
    let db = fresh_database().await;
    // The request body may hold anything the subject wrote; names cannot (intake refuses them).
    let line = GOOD.replace(r#""text":"Hej""#, r#""text":"a\u009b31mb\u009dc\u202ed\u001be""#);
    let out = dsrdesk(&db, &["intake", "-", "--json"], Some(line.as_bytes()));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reference = created["created"][0].as_str().unwrap().to_string();
    let out = dsrdesk(&db, &["show", &reference, "--json"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    for raw in ['\u{9b}', '\u{9d}', '\u{202e}', '\u{1b}'] {
        assert!(!shown.contains(raw), "{raw:?} written raw:\n{shown}");
    }
    assert!(shown.contains(r"a\u009b31mb\u009dc\u202ed\u001be"), "{shown}");
    // Still the same text to a JSON reader.
    let detail: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(detail["request"]["body"], "a\u{9b}31mb\u{9d}c\u{202e}d\u{1b}e");
}

// ---- §4: exports only the DPO can read ----

async fn anna_ready() -> (TestDatabase, Desk, String) {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let refs = dsrdesk::testing::load_ledger_fixture(&desk).await.expect("fixture loads");
    let r = refs["fx-access-anna"].clone();
    desk.link(&alice(), &r, Some("1"), dsrdesk::testing::fixture_now()).await.unwrap();
    dsrdesk::testing::verify_by_bankid(&desk, &alice(), &r).await;
    (db, desk, r)
}

async fn export_to(
    desk: &Desk,
    r: &str,
    dir: &std::path::Path,
) -> dsrdesk::error::Result<std::path::PathBuf> {
    let options = dsrdesk::export::ExportOptions::default();
    let outcome = desk.export(r, &options, dir, &alice(), dsrdesk::testing::fixture_now()).await?;
    Ok(dir.join(&outcome.file.file_name))
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[tokio::test]
async fn an_export_is_written_0600_in_directories_it_creates_0700() {
    // Art. 32(1)(b): the access copy is the subject's data; no other local user may read it.
    let (_db, desk, r) = anna_ready().await;
    let base = tempfile::tempdir().unwrap();
    let out = base.path().join("exports").join("2026");
    let file = export_to(&desk, &r, &out).await.expect("exported");
    assert_eq!(mode(&file), 0o600, "{}", file.display());
    assert_eq!(mode(&out), 0o700);
    assert_eq!(mode(&base.path().join("exports")), 0o700);
    // An existing directory is left as it is; the file in it is still 0600.
    let shared = base.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let file = export_to(&desk, &r, &shared).await.expect("exported");
    assert_eq!((mode(&shared), mode(&file)), (0o755, 0o600));
}

#[tokio::test]
async fn an_output_path_through_another_users_symlink_is_refused_and_nothing_is_written() {
    let (_db, desk, r) = anna_ready().await;
    let base = tempfile::tempdir().unwrap();
    let target = base.path().join("elsewhere");
    std::fs::create_dir(&target).unwrap();
    let link = base.path().join("link");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    // Another user's link (uid 4242); the tests run as root, who may give it away.
    std::os::unix::fs::lchown(&link, Some(4242), Some(4242)).expect("lchown (tests run as root)");
    let err = export_to(&desk, &r, &link.join("out")).await.unwrap_err().to_string();
    assert!(err.contains("symbolic link owned by another user (uid 4242)"), "{err}");
    assert!(std::fs::read_dir(&target).unwrap().next().is_none(), "nothing written through it");
    // The same link, our own: followed.
    std::os::unix::fs::lchown(&link, Some(nix::unistd::Uid::current().as_raw()), None).unwrap();
    export_to(&desk, &r, &link.join("out")).await.expect("our own link is fine");
}

#[tokio::test]
async fn an_output_path_through_a_world_writable_directory_without_the_sticky_bit_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let (_db, desk, r) = anna_ready().await;
    let base = tempfile::tempdir().unwrap();
    let open = base.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = export_to(&desk, &r, &open.join("dpo")).await.unwrap_err().to_string();
    assert!(err.contains("anyone may write to, without the sticky bit"), "{err}");
    assert!(std::fs::read_dir(&open).unwrap().next().is_none(), "nothing created in it");
    // With the sticky bit (as /tmp has), others cannot move our directory away.
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let file = export_to(&desk, &r, &open.join("dpo")).await.expect("sticky is safe");
    assert_eq!(mode(&file), 0o600);
}

// ---- §5: input refused once, at the door ----

#[tokio::test]
async fn intake_refuses_addresses_a_reply_could_not_or_should_not_send_to() {
    // One rule for a sendable address (intake, rectification, reply): before, intake stored
    // `"asa oberg"@example.se`, which the reply then refused, and IP literals, '%' and
    // look-alike domains, which a reply would have sent to.
    let db = fresh_database().await;
    for (i, bad) in [
        r#"\"asa oberg\"@example.se"#,
        "asa@[192.0.2.1]",
        "asa%evil.example@example.se",
        "asa@ex\u{0430}mple.se",
    ]
    .iter()
    .enumerate()
    {
        let line = GOOD.replace("x-1", &format!("m-{i}")).replace("asa@example.se", bad);
        let out = dsrdesk(&db, &["intake", "-"], Some(line.as_bytes()));
        assert_eq!(out.status.code(), Some(1), "{bad} accepted: {}", text(&out.stdout));
        assert!(text(&out.stderr).contains("field `requester.email`"), "{bad}: {}", text(&out.stderr));
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM requests").fetch_one(&db.pool).await.unwrap();
    assert_eq!(stored, 0);

    // And the reply side keeps the same rule, for anything stored before it.
    let message = dsrdesk::store::outbox::NewOutgoing {
        request_id: 1,
        purpose: "acknowledgement".into(),
        language: "sv".into(),
        from_name: "Dataskydd".into(),
        from_address: "dataskydd@exempelinkasso.example".into(),
        to_name: None,
        to_address: "asa@[192.0.2.1]".into(),
        subject: "Svar".into(),
        body: "Hej".into(),
        carries_data: false,
        attachments: Vec::new(),
        queued_by: "alice".into(),
    };
    let err = dsrdesk::store::outbox::validate(&message).unwrap_err().to_string();
    assert!(err.contains("IP-address literals"), "{err}");
}

#[tokio::test]
async fn names_of_only_zero_width_or_tag_characters_and_invisible_ids_are_refused_at_intake() {
    let db = fresh_database().await;
    for (field, line) in [
        ("requester.name", GOOD.replace("Åsa Öberg", r"\u200b\u200c\u200d")),
        ("requester.name", GOOD.replace("Åsa Öberg", r"\udb40\udc41\udb40\udc42\udb40\udc7f")),
        ("external_id", GOOD.replace("x-1", r"x\u200b-1")),
    ] {
        let out = dsrdesk(&db, &["intake", "-"], Some(line.as_bytes()));
        assert_eq!(out.status.code(), Some(1), "{line}");
        assert!(text(&out.stderr).contains(&format!("field `{field}`")), "{}", text(&out.stderr));
    }
}

#[tokio::test]
async fn rectify_set_gets_the_intake_rules_per_column() {
    // Art. 16 corrects data; it may not store what intake refuses.
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let refs = dsrdesk::testing::load_ledger_fixture(&desk).await.unwrap();
    let r = refs["fx-rectify-anna"].clone();
    let now = dsrdesk::testing::fixture_now();
    desk.link(&alice(), &r, None, now).await.unwrap();
    dsrdesk::testing::verify_by_bankid(&desk, &alice(), &r).await;
    let long = "1".repeat(100_000);
    for (column, value, why) in [
        ("street", "Storgatan \u{1b}[2J3", "control characters"),
        ("email", "anna@example.se\r\nBcc: evil@attacker.example", "control characters"),
        ("email", "\"anna svensson\"@example.se", "e-mail address"),
        ("email", "anna@[192.0.2.1]", "not a sendable e-mail address"),
        ("postal_code", long.as_str(), "the limit is 1000"),
        ("first_name", "\u{200b}\u{200b}", "no visible characters"),
    ] {
        let fix = vec![dsrdesk::service::rights::Correction {
            source: "person".into(),
            row_id: "1".into(),
            column: column.into(),
            new_value: Some(value.into()),
        }];
        let err = desk.rectify(&alice(), &r, &fix, now).await.unwrap_err().to_string();
        assert!(err.contains(why) && err.contains(&format!("person.{column}")), "{column}: {err}");
    }
    let (street, email): (String, String) =
        sqlx::query_as("SELECT street, email FROM ledger.persons WHERE id = 1")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((street.as_str(), email.contains('\n')), ("Storgatan 1", false), "nothing stored");
}

#[tokio::test]
async fn a_reference_with_a_padded_seventh_digit_is_refused_not_normalised() {
    let (db, _desk, refs) = desk_with(1).await;
    assert_eq!(refs[0].len(), "DSR-2026-000001".len());
    let padded = format!("{}0{}", &refs[0][..9], &refs[0][9..]);
    assert_eq!(padded.len(), refs[0].len() + 1);
    let out = dsrdesk(&db, &["show", &padded], None);
    assert_eq!(out.status.code(), Some(1), "{padded} was taken as {}", text(&out.stdout));
    assert!(text(&out.stderr).contains("is not a request reference"), "{}", text(&out.stderr));
}

#[tokio::test]
async fn two_intakes_of_the_same_file_at_once_account_for_every_line() {
    // Before, the run that lost the race said "created 0, already present 0" for lines that were
    // in the queue: now it says the other run created them.
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    for round in 0..3 {
        let lines: Vec<String> = (1..=300).map(|i| GOOD.replace("x-1", &format!("c-{round}-{i}"))).collect();
        let input = lines.join("\n");
        let op = alice();
        let now = chrono::Utc::now();
        let (a, b) = tokio::join!(desk.intake(&op, &input, now), desk.intake(&op, &input, now));
        let (a, b) = (a.unwrap(), b.unwrap());
        eprintln!(
            "round {round}: created {} + {}, by the other run {} + {}",
            a.created.len(),
            b.created.len(),
            a.created_by_another_run.len(),
            b.created_by_another_run.len()
        );
        for o in [&a, &b] {
            assert_eq!(
                o.created.len() + o.already_present.len() + o.created_by_another_run.len(),
                300,
                "every line accounted for: {} created, {} present, {} by the other run",
                o.created.len(),
                o.already_present.len(),
                o.created_by_another_run.len()
            );
        }
        assert_eq!(a.created.len() + b.created.len(), 300, "each created once");
    }
}

#[tokio::test]
async fn a_bulk_intake_by_copy_keeps_every_check_the_statement_path_had() {
    // Issue 18 §1: a file goes in by COPY. Each request still gets its search row (the personal
    // number findable in another written form, migration 0030), its "received" event in an
    // unbroken hash chain, its place in the overview's counts, and desks hear of it once.
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let mut listener = sqlx::postgres::PgListener::connect_with(&db.pool).await.unwrap();
    listener.listen("dsrdesk_requests").await.unwrap();
    let n = 2_500;
    let lines: Vec<String> = (1..=n)
        .map(|i| {
            let line = GOOD.replace("x-1", &format!("bulk-{i}"));
            if i == 7 {
                // What COPY's text format would misread unescaped: a line break, a tab, a
                // backslash before N (NULL) and before a dot (the old end-of-data mark).
                line.replace(r#""text":"Hej""#, r#""text":"Rad ett\nRad två\tkolumn \\N \\. \\\\ slut""#)
            } else if i == 1_234 {
                line.replace(
                    r#""email":"asa@example.se""#,
                    r#""email":"asa@example.se","personal_number":"9403025340""#,
                )
            } else {
                line
            }
        })
        .collect();
    let outcome = desk.intake(&alice(), &lines.join("\n"), chrono::Utc::now()).await.unwrap();
    assert_eq!(outcome.created.len(), n);
    // Numbered in input order from the first of the year (the file was received in 2026).
    assert_eq!(
        (outcome.created[0].as_str(), outcome.created[n - 1].as_str()),
        ("DSR-2026-000001", "DSR-2026-002500")
    );

    let one = |sql: &'static str| {
        let pool = db.pool.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    assert_eq!(
        one("SELECT count(*) FROM requests r WHERE (SELECT count(*) FROM request_events e
             WHERE e.request_id = r.id AND e.action = 'received' AND e.actor = 'alice') = 1")
        .await,
        n as i64,
        "one received event per request"
    );
    assert_eq!(one("SELECT count(*) FROM request_events").await, n as i64);
    assert_eq!(one("SELECT count(*) FROM request_search").await, n as i64, "a search row per request");
    assert_eq!(
        one("SELECT ((SELECT coalesce(sum(n), 0) FROM open_request_counts)
                  + (SELECT coalesce(sum(n), 0) FROM open_request_count_deltas))::bigint")
        .await,
        n as i64,
        "the overview counts every new request"
    );
    // 9403025340 was received in 2026: born 1994 (Folkbokföringslagen 18 §), so found as written
    // in full.
    let found = desk
        .queue(
            &dsrdesk::store::requests::QueueQuery {
                search: Some("19940302-5340".into()),
                include_closed: true,
                limit: 10,
                ..Default::default()
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(found.iter().map(|r| r.record.reference.as_str()).collect::<Vec<_>>(), ["DSR-2026-001234"]);
    let body: String = sqlx::query_scalar("SELECT body FROM requests WHERE external_id = 'bulk-7'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(body, "Rad ett\nRad två\tkolumn \\N \\. \\\\ slut", "stored as written");
    let chain = desk.verify_chain().await.unwrap();
    assert_eq!((chain.events, chain.first_break), (n as i64, None), "the hash chain holds");

    let note =
        tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv()).await.unwrap().unwrap();
    let payload: serde_json::Value = serde_json::from_str(note.payload()).unwrap();
    assert_eq!((payload["op"].as_str(), payload["count"].as_i64()), (Some("insert"), Some(n as i64)));
    let more = tokio::time::timeout(std::time::Duration::from_millis(300), listener.recv()).await;
    assert!(more.is_err(), "one notification for the file: {more:?}");
}
