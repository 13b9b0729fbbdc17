//! The case file (issue 17 §2): unzipped, every file's SHA-256 checked against the manifest, each
//! .eml parsed by an independent parser (mail-parser) and compared with what the SMTP server
//! received, the request's chain against the database's, files 0600, outside text escaped.

#[path = "support/smtp.rs"]
mod smtp;

use chrono::Duration;
use dsrdesk::config::{Config, SmtpSettings};
use dsrdesk::service::outbox::Mailer;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::store::outbox::{self as outbox, NewOutgoing};
use dsrdesk::testing::{fixture_now, fresh_database, verify_by_bankid};
use sha2::{Digest, Sha256};
use smtp::SmtpServer;
use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;

const REQUEST: &str = r#"{"external_id":"cf-1","kind":"access","jurisdiction":"SE","received_at":"2026-10-02T23:30:00Z","channel":"email","requester":{"name":"Åsa <b>Öberg</b>","email":"asa.oberg@example.se","personal_number":"811218-9876"},"text":"Jag vill ha en kopia. <script>alert(1)</script>","language":"sv"}"#;

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn mailer(url: &str) -> Mailer {
    let settings = SmtpSettings { url: Some(url.into()), timeout_secs: Some(10), ..SmtpSettings::default() };
    let config = dsrdesk::mail::smtp::resolve(&settings, |_| None).unwrap().expect("configured");
    Mailer::new(&config, "test (casefile)").unwrap()
}

#[tokio::test]
async fn the_case_file_proves_itself() {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let alice = Operator::new("alice");
    let t = fixture_now() - Duration::days(40);
    let reference = desk.intake(&alice, REQUEST, t).await.unwrap().created.remove(0);
    let request_id: i64 = sqlx::query_scalar("SELECT id FROM requests WHERE reference = $1")
        .bind(&reference)
        .fetch_one(desk.pool())
        .await
        .unwrap();
    desk.extend(&alice, &reference, "många ärenden", None, t + Duration::days(3)).await.unwrap();
    verify_by_bankid(&desk, &alice, &reference).await;
    let server = SmtpServer::start();
    for (subject, body) in [
        ("Förlängd tid", "Hej,\n\nvi behöver mer tid.\n"),
        ("Svar – registerutdrag", "Hej Åsa,\n\när ö å.\n"),
    ] {
        let message = NewOutgoing {
            request_id,
            purpose: "access_copy".into(),
            language: "sv".into(),
            from_name: "Exempel Inkasso AB – Dataskydd".into(),
            from_address: "dataskydd@exempelinkasso.example".into(),
            to_name: Some("Åsa Öberg".into()),
            to_address: "asa.oberg@example.se".into(),
            subject: subject.into(),
            body: body.into(),
            carries_data: false,
            attachments: Vec::new(),
            queued_by: "alice".into(),
        };
        let mut tx = desk.pool().begin().await.unwrap();
        outbox::enqueue(&mut tx, &message, fixture_now()).await.unwrap();
        tx.commit().await.unwrap();
    }
    let report = desk.deliver_due(&mailer(&server.url()), fixture_now()).await.unwrap();
    assert_eq!(report.sent, 2, "{report:?}");

    let out = tempfile::tempdir().unwrap();
    let path = desk.casefile(&alice, &reference, out.path(), fixture_now()).await.unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);

    // Unzip: every entry 0600, every file's digest as the manifest says.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o600), "{name}");
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.insert(name, bytes);
    }
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let listed = manifest["files"].as_array().unwrap();
    assert_eq!(listed.len(), files.len() - 1, "every file but the manifest is listed");
    for f in listed {
        let name = f["file"].as_str().unwrap();
        assert_eq!(f["sha256"].as_str().unwrap(), hex(&files[name]), "{name}");
        assert_eq!(f["size"].as_u64().unwrap(), files[name].len() as u64, "{name}");
    }
    for name in ["timeline.html", "timeline.json", "chain.json"] {
        assert!(files.contains_key(name), "{name} missing: {:?}", files.keys());
    }

    // Each mail as sent: the bytes the SMTP server received, parsed by mail-parser.
    let emls: Vec<(&String, &Vec<u8>)> = files.iter().filter(|(n, _)| n.ends_with(".eml")).collect();
    assert_eq!(emls.len(), 2);
    let received = server.raw();
    assert_eq!(received.len(), 2);
    let subjects: Vec<String> = emls
        .iter()
        .map(|(name, raw)| {
            let parsed = mail_parser::MessageParser::default()
                .parse(raw.as_slice())
                .unwrap_or_else(|| panic!("{name} parses"));
            assert!(parsed.message_id().is_some_and(|id| id.ends_with("@exempelinkasso.example")), "{name}");
            assert_eq!(
                parsed.to().and_then(|a| a.first()).and_then(|a| a.address()),
                Some("asa.oberg@example.se")
            );
            // lettre ends DATA with "\r\n.\r\n" after the message (RFC 5321 §4.1.1.4), so the
            // server's copy is the stored bytes and one more line end.
            let on_the_wire = [raw.as_slice(), b"\r\n"].concat();
            assert!(received.contains(&on_the_wire), "{name}: not byte for byte what the server received");
            parsed.subject().unwrap().to_string()
        })
        .collect();
    assert_eq!(subjects, ["Förlängd tid", "Svar – registerutdrag"]);

    // The request's chain and the head, as the database holds them.
    let chain: Vec<String> = sqlx::query_scalar(
        "SELECT encode(sha256, 'hex') FROM request_events WHERE request_id = $1 ORDER BY chain_seq",
    )
    .bind(request_id)
    .fetch_all(desk.pool())
    .await
    .unwrap();
    let in_file: Vec<String> = manifest["request_chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(in_file, chain);
    assert_eq!(desk.verify_chain().await.unwrap().first_break, None);
    // The head is the request's own (one chain per request, migration 0031): its last link and
    // the head the database keeps on record for it.
    let head_on_record: String =
        sqlx::query_scalar("SELECT encode(sha256, 'hex') FROM request_chain_heads WHERE request_id = $1")
            .bind(request_id)
            .fetch_one(desk.pool())
            .await
            .unwrap();
    assert_eq!(manifest["chain_head"]["sha256"].as_str(), Some(head_on_record.as_str()));
    assert_eq!(chain.last(), Some(&head_on_record));

    // timeline.html: in Swedish, the outside text escaped, the deadline explained.
    let html = String::from_utf8(files["timeline.html"].clone()).unwrap();
    assert!(html.contains("<html lang=\"sv\">"));
    assert!(html.contains("Ärendeakt"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>"));
    assert!(html.contains("Åsa &lt;b&gt;Öberg&lt;/b&gt;"));
    // Received 23:30 UTC on 2 Oct = 01:30 on 3 Oct in Stockholm: the day of receipt is 3 Oct.
    assert!(html.contains("mottagningsdagen är 2026-10-03"), "{html}");
    // Extended: three months after 3 Oct is 3 Jan 2027, a Sunday -> Monday 4 Jan.
    assert!(html.contains("2027-01-03 är en söndag"), "{html}");
    assert!(html.contains("Sista dag enligt lag: 2027-01-04"), "{html}");
    assert!(html.contains("Förlängd med två månader den 2026-10-15: många ärenden"), "{html}");
    // Every event with who and from where.
    let timeline: serde_json::Value = serde_json::from_slice(&files["timeline.json"]).unwrap();
    let events = timeline["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["action"] == "extended" && e["actor"] == "alice"));
    assert!(events.iter().all(|e| e.get("db_role").is_some() && e.get("actor_client").is_some()));
    assert_eq!(timeline["verification"]["method"], "bankid");
}
