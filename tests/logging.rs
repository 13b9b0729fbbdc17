//! The program's own log (issue 18 §3): a whole case through the real binary — intake, link,
//! verify, erase, a reply queued and sent over real SMTP, an export, refusals — with `[log] file`
//! set, then the log is searched for every requester's name, e-mail address and personal number
//! (none may be there: Art. 5(1)(c), the log is outside the erasure's reach) and for the
//! references and the state changes (they must be: a log that says nothing would pass the first
//! half). Under systemd the log goes to the journal (standard error with syslog priorities).

#[path = "support/smtp.rs"]
mod smtp;

use dsrdesk::testing::{LEDGER_FIXTURE, LEDGER_FIXTURE_REQUESTS, TestDatabase, fresh_database};
use smtp::SmtpServer;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn dsrdesk(db: &TestDatabase, config: &Path, data_dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
        .args(args)
        .arg("--config")
        .arg(config)
        .env("DATABASE_URL", db.url())
        .env("DSRDESK_DATA_DIR", data_dir)
        .env_remove("DSRDESK_LOG")
        .env_remove("JOURNAL_STREAM")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dsrdesk");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every requester of the fixture: name, e-mail, personal number (in the forms it was given and
/// its digits), the postal address.
fn personal_data() -> Vec<String> {
    let mut found = Vec::new();
    for line in LEDGER_FIXTURE_REQUESTS.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let r = &v["requester"];
        for field in ["name", "email", "personal_number", "address"] {
            if let Some(text) = r[field].as_str() {
                found.push(text.to_string());
                if field == "name" {
                    found.extend(text.split_whitespace().map(str::to_string));
                }
                if field == "personal_number" {
                    // 811218-9876 and 19811218-9876: the last ten digits in any form.
                    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
                    found.push(digits[digits.len().saturating_sub(10)..].to_string());
                    found.push(text[text.len().saturating_sub(11)..].to_string());
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

fn reference_of(db: &TestDatabase, config: &Path, data: &Path, external_id: &str) -> String {
    let list = ok(&dsrdesk(db, config, data, &["list", "--all", "--json", "--limit", "1000"], None));
    let rows: serde_json::Value = serde_json::from_str(&list).unwrap();
    rows.as_array().unwrap().iter().find(|r| r["external_id"] == external_id).expect("in the list")["reference"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_whole_case_leaves_references_in_the_log_and_no_personal_data() {
    let db = fresh_database().await;
    sqlx::raw_sql(LEDGER_FIXTURE).execute(&db.pool).await.unwrap();
    let server = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("logs/dsrdesk.log");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[log]\nfile = \"logs/dsrdesk.log\"\n\n[smtp]\nurl = \"{}\"\n", server.url()),
    )
    .unwrap();
    let run = |args: &[&str], stdin: Option<&str>| dsrdesk(&db, &config, &data, args, stdin);

    // Intake: every fixture request, names, addresses and numbers included.
    ok(&run(&["intake"], Some(LEDGER_FIXTURE_REQUESTS)));
    let erasure = reference_of(&db, &config, &data, "fx-erasure-anna");
    let access = reference_of(&db, &config, &data, "fx-access-anna");

    // Erasure: link, verify by BankID (the returned number is the requester's), carry out, reply.
    ok(&run(&["link", &erasure, "--auto"], None));
    let bankid = ["--method", "bankid", "--transaction", "tx-1", "--returned-number", "19811218-9876"];
    let verify = |r: &str| {
        let mut args = vec!["verify", r];
        args.extend(bankid);
        args.extend(["--evidence", "BankID returned 19811218-9876, Anna Svensson"]);
        run(&args, None)
    };
    ok(&verify(&erasure));
    ok(&run(&["execute", &erasure, "--yes"], None));
    ok(&run(&["reply", &erasure, "--template", "erasure_partly_refused"], None));

    // Access: link to person 1, verify, an export on its own and one attached to the reply.
    ok(&run(&["link", &access, "--person", "1"], None));
    ok(&verify(&access));
    let out = dir.path().join("Anna Svensson");
    ok(&run(&["export", &access, "--out", out.to_str().unwrap()], None));
    ok(&run(&["reply", &access, "--template", "access_reply", "--attach-export", "access"], None));

    // The worker delivers both replies over SMTP and looks at the follow-ups.
    ok(&run(&["worker", "--once"], None));
    assert_eq!(server.received().len(), 2, "both replies arrived");

    // Refusals quote input: a second verification (the rule names who verified), a bad intake
    // line with a name and an e-mail address in it.
    assert_eq!(verify(&erasure).status.code(), Some(1));
    let bad = r#"{"kind":"access","jurisdiction":"SE","received_at":"2026-11-16T09:00:00+01:00","requester":{"name":"Zelda Quist","email":"zelda.quist@@example.se"}}"#;
    assert_eq!(run(&["intake"], Some(bad)).status.code(), Some(1));

    let text = std::fs::read_to_string(&log).expect("the log file was written");
    for secret in personal_data().iter().map(String::as_str).chain(["Zelda", "Quist", "zelda.quist"]) {
        assert!(!text.contains(secret), "the log holds personal data {secret:?}:\n{text}");
    }
    for (what, needle) in [
        ("the intake", "intake stored"),
        ("the verification", "identity verified"),
        ("the erasure", "erasure carried out"),
        ("the replies queued", "reply queued"),
        ("the replies sent", "reply sent"),
        ("the export", "export written"),
        ("the refusals", "class=\"refused\""),
    ] {
        assert!(text.contains(needle), "{what}: no {needle:?} in the log:\n{text}");
    }
    for reference in [&erasure, &access] {
        let lines = text.lines().filter(|l| l.contains(reference.as_str())).count();
        // Intake, verification, erasure or export, the reply queued.
        assert!(lines >= 3, "{reference} appears on {lines} line(s):\n{text}");
    }
    assert!(text.lines().filter(|l| l.contains("reply sent")).count() == 2, "{text}");
    // The refused second verification names the reference, not the words of the rule.
    assert!(
        text.lines()
            .any(|l| l.contains("failed") && l.contains(erasure.as_str()) && l.contains("exit_code=1")),
        "{text}"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&log).unwrap().permissions().mode() & 0o777, 0o600);
}

/// Under systemd (`JOURNAL_STREAM` names our standard error) the log goes to standard error,
/// which journald keeps, each line with its syslog priority; no file is written.
#[test]
fn under_systemd_the_log_goes_to_the_journal_stream_with_priorities() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let stderr_path = dir.path().join("stderr");
    let stderr = std::fs::File::create(&stderr_path).unwrap();
    let meta = stderr.metadata().unwrap();
    let run = |journal: String, stderr: std::fs::File| {
        Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
            .args(["deadline", "--received", "2026-11-02", "--jurisdiction", "SE"])
            .env("DSRDESK_DATA_DIR", dir.path().join("data"))
            .env_remove("DSRDESK_CONFIG")
            .env_remove("DSRDESK_LOG")
            .env("JOURNAL_STREAM", journal)
            .stderr(stderr)
            .output()
            .unwrap()
    };
    let out = run(format!("{}:{}", meta.dev(), meta.ino()), stderr);
    assert!(out.status.success());
    let journal = std::fs::read_to_string(&stderr_path).unwrap();
    assert!(journal.starts_with("<6>") && journal.contains("started"), "{journal:?}");
    assert!(!dir.path().join("data/dsrdesk.log").exists(), "no file under systemd");

    // A JOURNAL_STREAM inherited by a process whose stderr goes elsewhere: the file, as usual.
    let other = std::fs::File::create(dir.path().join("other")).unwrap();
    let out = run("1:2".into(), other);
    assert!(out.status.success());
    assert!(std::fs::read_to_string(dir.path().join("data/dsrdesk.log")).unwrap().contains("started"));
    assert_eq!(std::fs::read_to_string(dir.path().join("other")).unwrap(), "", "nothing on the terminal");
}
