//! The real `dsrdesk` binary against a fresh database: what a DPO types, what they see.

use dsrdesk::testing::{TestDatabase, fresh_database};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn dsrdesk(db: &TestDatabase, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
        .args(args)
        .env("DATABASE_URL", db.url())
        .env_remove("DSRDESK_CONFIG")
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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const TWO: &str = r#"{"external_id":"mail-1","kind":"access","jurisdiction":"SE","received_at":"2026-11-02T10:00:00+01:00","requester":{"name":"Åsa Öberg","email":"asa@example.se","personal_number":"19811218-9876"},"text":"Skicka mina uppgifter \u001b[2J"}
{"external_id":"mail-2","kind":"erasure","jurisdiction":"FI","received_at":"2026-10-02T10:00:00+03:00","requester":{"email":"matti@example.fi"}}
"#;

#[tokio::test]
async fn intake_list_show_as_a_user_would() {
    let db = fresh_database().await;
    let out = dsrdesk(&db, &["intake"], Some(TWO));
    assert!(out.status.success(), "{}", stderr(&out));
    let refs: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(refs, ["DSR-2026-000001", "DSR-2026-000002"]);
    assert!(stderr(&out).contains("2 request(s) created, 0 already present"));

    // Re-running creates nothing.
    let again = dsrdesk(&db, &["intake"], Some(TWO));
    assert!(again.status.success());
    assert_eq!(stdout(&again), "");
    assert!(stderr(&again).contains("0 request(s) created, 2 already present"));

    let list = dsrdesk(&db, &["list", "--json"], None);
    assert!(list.status.success(), "{}", stderr(&list));
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    // Most urgent first: the Finnish erasure received 2 Oct was due 2 Nov.
    assert_eq!(rows[0]["reference"], "DSR-2026-000002");
    assert_eq!(rows[0]["due_on"], "2026-11-02");
    for key in [
        "reference",
        "external_id",
        "kind",
        "status",
        "jurisdiction",
        "received_at",
        "received_on",
        "due_on",
        "internal_due_on",
        "days_left",
        "extended",
        "paused",
        "assignee",
    ] {
        assert!(rows[0].get(key).is_some(), "list --json lacks {key}");
    }
    assert_eq!(rows[1]["internal_due_on"], "2026-12-02");

    let show = dsrdesk(&db, &["show", "dsr-2026-000001"], None);
    assert!(show.status.success(), "{}", stderr(&show));
    let text = stdout(&show);
    // The escape sequence in the request text is shown escaped, never sent to the terminal.
    assert!(!text.contains('\u{1b}'), "raw ESC reached the terminal");
    assert!(text.contains("\\x1b[2J"), "{text}");
    // The personal number is masked but for the last four.
    assert!(text.contains("9876") && !text.contains("19811218"), "{text}");
    assert!(text.contains("legal due       2026-12-02"), "{text}");
}

#[tokio::test]
async fn bad_intake_file_names_line_and_field_and_stores_nothing() {
    let db = fresh_database().await;
    let bad = TWO.replace("\"erasure\"", "\"forget-me\"");
    let out = dsrdesk(&db, &["intake"], Some(&bad));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("line 2: field `kind`"), "{}", stderr(&out));
    let list = dsrdesk(&db, &["list", "--json", "--all"], None);
    assert_eq!(stdout(&list).trim(), "[]");
}

/// A line with three mistakes reports all three, each with its field, and counts them: the DPO
/// corrects the file in one go (it said "1 problem(s)" and named only the first).
#[tokio::test]
async fn a_line_with_three_mistakes_reports_each_of_them() {
    let db = fresh_database().await;
    let first = TWO.lines().next().unwrap();
    let bad = format!(
        "{first}\n{}\n",
        r#"{"kind":"forget-me","jurisdiction":"FI","received_at":"2026-10-02T10:00:00+03:00","channel":"pigeon","language":"swedish","requester":{"email":"matti@example.fi"}}"#
    );
    let out = dsrdesk(&db, &["intake"], Some(&bad));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for field in ["`kind`", "`language`", "`channel`"] {
        assert!(err.contains(&format!("line 2: field {field}")), "{field}: {err}");
    }
    assert!(err.contains("(3 problems on 1 line)"), "{err}");
    let list = dsrdesk(&db, &["list", "--json", "--all"], None);
    assert_eq!(stdout(&list).trim(), "[]");
}

#[tokio::test]
async fn extend_after_the_first_month_is_refused_with_the_rule() {
    let db = fresh_database().await;
    dsrdesk(&db, &["intake"], Some(TWO));
    let out = dsrdesk(&db, &["extend", "DSR-2026-000002", "--reason", "complex", "--at", "2026-11-05"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("the first month ended on 2026-11-02"), "{}", stderr(&out));
    let ok = dsrdesk(&db, &["extend", "DSR-2026-000001", "--reason", "many sources", "--json"], None);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let r: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(r["extended"], true);
    // Received 2 Nov 2026 -> 2 Feb 2027, a Tuesday.
    assert_eq!(r["due_on"], "2027-02-02");
    let future = dsrdesk(&db, &["pause", "DSR-2026-000001", "--reason", "id", "--at", "2099-01-01"], None);
    assert_eq!(future.status.code(), Some(1));
    assert!(stderr(&future).contains("in the future"));
}

#[tokio::test]
async fn assign_pause_resume_and_history() {
    let db = fresh_database().await;
    dsrdesk(&db, &["intake"], Some(TWO));
    let claim = dsrdesk(&db, &["assign", "DSR-2026-000001", "--to", "anna"], None);
    assert!(claim.status.success(), "{}", stderr(&claim));
    let pause = dsrdesk(
        &db,
        &["pause", "DSR-2026-000001", "--reason", "asked for BankID", "--at", "2026-11-03T09:00:00+01:00"],
        None,
    );
    assert!(pause.status.success(), "{}", stderr(&pause));
    let resume =
        dsrdesk(&db, &["resume", "DSR-2026-000001", "--at", "2026-11-10T09:00:00+01:00", "--json"], None);
    assert!(resume.status.success(), "{}", stderr(&resume));
    let r: serde_json::Value = serde_json::from_slice(&resume.stdout).unwrap();
    assert_eq!(r["paused_days"], 7);
    // 2 Dec + 7 = 9 Dec 2026, a Wednesday.
    assert_eq!(r["due_on"], "2026-12-09");
    let show = dsrdesk(&db, &["show", "DSR-2026-000001", "--json"], None);
    let d: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    let actions: Vec<&str> =
        d["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["received", "assigned", "paused", "resumed"]);
    let missing = dsrdesk(&db, &["show", "DSR-2026-999999"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no request DSR-2026-999999"));
    let malformed = dsrdesk(&db, &["show", "2026-1"], None);
    assert_eq!(malformed.status.code(), Some(1));
    assert!(stderr(&malformed).contains("expected DSR-YYYY-NNNNNN"));
}

#[tokio::test]
async fn deadline_calculator_and_overview_json() {
    let db = fresh_database().await;
    let out = dsrdesk(&db, &["deadline", "--received", "2026-03-03", "--jurisdiction", "SE", "--json"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // 3 April 2026 is Good Friday: due Tuesday 7 April.
    assert_eq!(d["received_on"], "2026-03-03");
    assert_eq!(d["due_on"], "2026-04-07");
    assert_eq!(d["rolled_from"], "2026-04-03");
    let text = dsrdesk(&db, &["deadline", "--received", "2026-03-03", "--jurisdiction", "SE"], None);
    assert!(stdout(&text).contains("Good Friday"), "{}", stdout(&text));
    let bad = dsrdesk(&db, &["deadline", "--received", "yesterday", "--jurisdiction", "SE"], None);
    assert_eq!(bad.status.code(), Some(1));

    dsrdesk(&db, &["intake"], Some(TWO));
    let o = dsrdesk(&db, &["overview", "--json"], None);
    let o: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o["counts"]["total"], 2);
    assert!(o["by_kind"]["erasure"]["total"] == 1);
    assert!(o["by_assignee"][""]["total"] == 2);
}

/// The subcommands clap lists under "Commands:" in `dsrdesk [path] --help` (without `help`).
fn subcommands_of(path: &[&str]) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_dsrdesk")).args(path).arg("--help").output().unwrap();
    assert!(out.status.success(), "dsrdesk {path:?} --help failed");
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    let expected = format!("Usage: dsrdesk {}", path.iter().map(|p| format!("{p} ")).collect::<String>());
    assert!(help.contains(expected.trim_end()), "the help of {path:?} itself:\n{help}");
    help.lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// Every subcommand clap knows — taken from clap's own list, so a new one cannot be missed —
/// and every nested one (`db migrate`, `outbox send`, ...) prints its own help.
#[test]
fn every_subcommand_has_help() {
    let top = subcommands_of(&[]);
    assert!(top.len() >= 29, "clap's list of subcommands: {top:?}");
    for name in ["intake", "plan", "execute", "reply", "outbox", "export", "object", "datamap", "db"] {
        assert!(top.iter().any(|t| t == name), "{name} in {top:?}");
    }
    let mut checked = 0;
    let mut pending: Vec<Vec<String>> = top.into_iter().map(|t| vec![t]).collect();
    while let Some(path) = pending.pop() {
        let args: Vec<&str> = path.iter().map(String::as_str).collect();
        for nested in subcommands_of(&args) {
            let mut deeper = path.clone();
            deeper.push(nested);
            pending.push(deeper);
        }
        checked += 1;
    }
    assert!(checked >= 29, "{checked} helps checked");
}

#[test]
fn id_check_prints_the_normalised_form_or_the_reason() {
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_dsrdesk")).args(args).output().unwrap();
    let ok = run(&["id", "check", "811218-9876", "--json"]);
    assert!(ok.status.success());
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["normalized"], "19811218-9876");
    assert_eq!(v["country"], "SE");
    assert_eq!(v["kind"], "personnummer");
    assert_eq!(v["temporary"], false);
    assert_eq!(v["error"], serde_json::Value::Null);
    let temp = run(&["id", "check", "010594Y9032", "--country", "FI", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&temp.stdout).unwrap();
    assert_eq!((v["valid"].as_bool(), v["temporary"].as_bool()), (Some(true), Some(true)));
    let bad = run(&["id", "check", "131052-308U"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("check character is U, expected T"));
    let bad_json = run(&["id", "check", "811218-9875", "--json"]);
    assert_eq!(bad_json.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&bad_json.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["error"], "check digit is 5, expected 6");
}

fn fixture_reference(db: &TestDatabase, external_id: &str) -> String {
    let list = dsrdesk(db, &["list", "--all", "--json", "--limit", "1000"], None);
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["external_id"] == external_id)
        .unwrap_or_else(|| panic!("{external_id} in the list"))["reference"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn link_verify_plan_execute_tasks_and_rectify_as_a_user_would() {
    let db = fresh_database().await;
    let desk = dsrdesk::service::Desk::new(db.pool.clone(), dsrdesk::config::Config::default());
    dsrdesk::testing::load_ledger_fixture(&desk).await.unwrap();
    let access = fixture_reference(&db, "fx-access-anna");
    // Candidates, field by field; a name match is not linked without a choice.
    let out = dsrdesk(&db, &["link", &access], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("person 1") && text.contains("person 2") && text.contains("choose with"), "{text}");
    assert!(!text.contains("19811218-9876"), "personal numbers are masked: {text}");
    let out = dsrdesk(&db, &["link", &access, "--auto"], None);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    let erasure = fixture_reference(&db, "fx-erasure-anna");
    let out = dsrdesk(&db, &["link", &erasure, "--auto"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = dsrdesk(&db, &["plan", &erasure], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("bokföringslagen (1999:1078) 7 kap. 2 §") && text.contains("erasable from"),
        "{text}"
    );
    assert!(text.contains("re-examined daily"), "{text}");
    let json = dsrdesk(&db, &["plan", &erasure, "--json"], None);
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(plan["follow_up"]["kind"], "when_events_allow");

    // Not verified: refused, exit 1, nothing changed.
    let out = dsrdesk(&db, &["execute", &erasure, "--yes"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("Art. 12(6)"), "{}", stderr(&out));
    // Without --yes and without a terminal: refused with what to do.
    let out = dsrdesk(&db, &["execute", &erasure], None);
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    let out = dsrdesk(
        &db,
        &[
            "verify",
            &erasure,
            "--method",
            "bankid",
            "--transaction",
            "tx-9",
            "--returned-number",
            "19811218-9876",
            "--evidence",
            "BankID in the portal",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = dsrdesk(&db, &["execute", &erasure, "--yes"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("deleted") && stdout(&out).contains("Art. 19: tell The client (creditor)"),
        "{}",
        stdout(&out)
    );
    let out = dsrdesk(&db, &["tasks", &erasure, "--json"], None);
    let tasks: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = tasks[0]["id"].to_string();
    let out = dsrdesk(&db, &["tasks", &erasure, "--done", &first], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = dsrdesk(&db, &["tasks", &erasure], None);
    assert!(stdout(&out).contains("[x]"), "{}", stdout(&out));

    let rectify = fixture_reference(&db, "fx-rectify-anna");
    dsrdesk(&db, &["link", &rectify, "--auto"], None);
    dsrdesk(
        &db,
        &["verify", &rectify, "--method", "id-document", "--evidence", "passport copy checked"],
        None,
    );
    let out = dsrdesk(&db, &["rectify", &rectify], None);
    assert!(stdout(&out).contains("person.street (row 1): Storgatan 1"), "{}", stdout(&out));
    let out = dsrdesk(&db, &["rectify", &rectify, "--set", "person.street=Storgatan 3"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Storgatan 1 -> Storgatan 3"), "{}", stdout(&out));

    let out = dsrdesk(&db, &["datamap"], None);
    assert!(out.status.success() && stdout(&out).contains("valid against this database"), "{}", stderr(&out));
}

/// `dsrdesk demo` seeds its own database and says how to reach it: every command takes `--demo`
/// (issue 15: after the demo, `dsrdesk list` showed an empty queue and nothing said why). The
/// operator's own database in the same cluster stays empty.
#[test]
fn the_demo_says_how_to_reach_it_and_every_command_takes_demo() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
            .args(args)
            .env_remove("DATABASE_URL")
            .env("DSRDESK_DATA_DIR", data.path())
            .output()
            .unwrap()
    };
    let demo = run(&["demo", "--requests", "30"]);
    let said = String::from_utf8_lossy(&demo.stderr).to_string();
    let stopped = || run(&["db", "stop"]);
    if !demo.status.success() {
        stopped();
        panic!("demo failed: {said}");
    }
    assert!(said.contains("dsrdesk list --demo"), "{said}");
    let demo_list = run(&["list", "--demo", "--json", "--all"]);
    let own_list = run(&["list", "--json", "--all"]);
    stopped();
    let rows: serde_json::Value = serde_json::from_slice(&demo_list.stdout).expect("json");
    assert_eq!(rows.as_array().map(Vec::len), Some(30), "{}", String::from_utf8_lossy(&demo_list.stderr));
    assert_eq!(String::from_utf8_lossy(&own_list.stdout).trim(), "[]");
}

/// The command line shows times as the desk does: the controller's local time with its zone
/// (issue 15: it printed UTC while the desk showed local time). Received 10:00 at +01:00 in
/// Stockholm in November is 10:00 CET; 10:00 at +03:00 in Helsinki in October is 10:00 EEST.
#[tokio::test]
async fn show_prints_local_times_with_the_zone() {
    let db = fresh_database().await;
    assert!(dsrdesk(&db, &["intake"], Some(TWO)).status.success());
    let se = stdout(&dsrdesk(&db, &["show", "DSR-2026-000001"], None));
    assert!(se.contains("received        2026-11-02 (2026-11-02 10:00 CET)"), "{se}");
    let fi = stdout(&dsrdesk(&db, &["show", "DSR-2026-000002"], None));
    assert!(fi.contains("received        2026-10-02 (2026-10-02 10:00 EEST)"), "{fi}");
    // The history's times carry the zone too.
    assert!(fi.lines().any(|l| l.contains(" EE") && l.contains("received")), "{fi}");
}

/// A personal number is found in any written form (issue 15): written "811218-9876" at intake
/// (received 2026, so born 1981: the century that puts the birth date before receipt), it is
/// found as 19811218-9876, 198112189876, 8112189876 and 811218-9876 — and stored in its normal
/// form 19811218-9876 beside what was written.
#[tokio::test]
async fn a_personal_number_is_found_in_any_written_form() {
    let db = fresh_database().await;
    let line = r#"{"kind":"access","jurisdiction":"SE","received_at":"2026-11-02T10:00:00+01:00","requester":{"name":"Åsa Öberg","personal_number":"811218-9876"}}"#;
    assert!(dsrdesk(&db, &["intake"], Some(line)).status.success());
    for written in ["19811218-9876", "198112189876", "8112189876", "811218-9876"] {
        let out = dsrdesk(&db, &["list", "--json", "--all", "--search", written], None);
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(rows.as_array().map(Vec::len), Some(1), "{written}: {}", stderr(&out));
    }
    let stored: (String, String) =
        sqlx::query_as("SELECT requester_personal_number, requester_number_normalized FROM requests")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(stored, ("811218-9876".to_string(), "19811218-9876".to_string()));
    // Someone else's number finds nothing.
    let out = dsrdesk(&db, &["list", "--json", "--all", "--search", "19550505-4329"], None);
    assert_eq!(stdout(&out).trim(), "[]");
}
