//! Hostile mail taken in from a Maildir (issue 16 §1): encoded words carrying escape sequences and
//! line breaks, bidi overrides, bad charsets, a 100-deep multipart, a zip bomb, a 50 MB attachment,
//! malformed headers. Each is stored (escaped) or kept with its header only, and nothing of it
//! reaches the terminal (the real binary's output is checked) or a header (the database refuses
//! control characters in every one-line field).

#[path = "support/dovecot.rs"]
mod dovecot;

use dovecot::deliver_to;
use dsrdesk::config::Config;
use dsrdesk::domain::RequestKind;
use dsrdesk::mail::inbox::fetch::fetch_one;
use dsrdesk::mail::inbox::settings::resolve;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{TestDatabase, fresh_database};
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

fn zip_bomb() -> Vec<u8> {
    // 64 MB of zeros compress to some 60 KB: stored as a blob, never inflated.
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("zeros.bin", options).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..64 {
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap();
    buf.into_inner()
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + bytes.len() / 57 * 2 + 4);
    for (i, c) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 { T[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if c.len() > 2 { T[n as usize & 63] as char } else { '=' });
    }
    out
}

fn with_attachment(name: &str, content_type: &str, content: &[u8]) -> Vec<u8> {
    format!(
        "From: a@example.se\r\nSubject: bilaga\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSe bilagan.\r\n--b\r\nContent-Type: {content_type}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        base64(content)
    )
    .into_bytes()
}

fn deep_multipart(depth: usize) -> Vec<u8> {
    let mut s = String::from("From: deep@example.se\r\nSubject: djup\r\nMIME-Version: 1.0\r\n");
    for i in 0..depth {
        s.push_str(&format!("Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"));
    }
    s.push_str("Content-Type: text/plain\r\n\r\nlängst in\r\n");
    for i in (0..depth).rev() {
        s.push_str(&format!("--b{i}--\r\n"));
    }
    s.into_bytes()
}

fn corpus() -> Vec<(&'static str, Vec<u8>)> {
    let mut big = vec![b'A'; 50 * 1024 * 1024];
    big[0] = b'B';
    vec![
        (
            "escapes",
            b"From: =?utf-8?q?Eve=1B[2J=1B]0;pwned=07=0D=0ABcc:_victim@example.com?= <eve@example.com>\r\n\
Subject: =?utf-8?b?SGVqG1szMW0NClgtSW5qZWN0ZWQ6IDE=?=\r\n\
Message-ID: <esc@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nJag vill ha mina uppgifter\x1b[2J\x1b]52;c;cHduZWQ=\x07 nu.\r\n--b\r\n\
Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"=?utf-8?q?..=2F..=2Fetc=2Fpasswd=1B[1m.pdf?=\"\r\n\r\n%PDF\r\n--b--\r\n"
                .to_vec(),
        ),
        (
            "bidi",
            "From: Mallory <m@example.com>\r\nSubject: faktura \u{202e}fdp.exe\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nText \u{2066}dold\u{2069} \u{202e}vänd\r\n"
                .as_bytes()
                .to_vec(),
        ),
        (
            "charset",
            b"From: =?x-no-such-charset?B?//79/A==?= <c@example.com>\r\nSubject: =?koi8-r?B?8NLJ18XU?= =?bogus?Q?=FF=FE?=\r\nContent-Type: text/plain; charset=\"x-klingon\"\r\n\r\n\xff\xfe\x00\x01 broken \xc3\x28 bytes\r\n"
                .to_vec(),
        ),
        ("deep", deep_multipart(100)),
        ("zipbomb", with_attachment("bomb.zip", "application/zip", &zip_bomb())),
        ("huge", with_attachment("stor.bin", "application/octet-stream", &big)),
        (
            "malformed",
            b"This line has no colon\r\nFrom: <<<@@@>>>\r\nDate: not a date at all\r\nSubject: \x00nul\x00 and \x1b esc\r\nX-Long: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n\tcontinued\r\nMessage-ID: <has space@x>\r\nIn-Reply-To: <a\x1b@b>\r\n\r\nbody\r\n"
                .to_vec(),
        ),
        ("empty", Vec::new()),
    ]
}

fn no_terminal_control(s: &str) -> bool {
    !s.chars().any(|c| {
        (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

fn dsrdesk(db: &TestDatabase, config: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("DATABASE_URL", db.url())
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("the output is UTF-8")
}

#[tokio::test]
async fn hostile_mail_is_stored_escaped_or_kept_with_its_header_and_never_reaches_the_terminal() {
    let db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    let text =
        format!("[[mailboxes]]\nname = \"se\"\ncontroller = \"SE\"\nmaildir = \"{}\"\n", maildir.display());
    let path = dir.path().join("config.toml");
    std::fs::write(&path, &text).unwrap();
    let config = Config::parse(&text, &path).unwrap();
    let desk = Desk::new(db.pool.clone(), config.clone());
    let corpus = corpus();
    for (i, (name, bytes)) in corpus.iter().enumerate() {
        deliver_to(&maildir, &format!("{}.M{i}.{name}", 1764545400 + i), bytes, SystemTime::now());
    }
    let mailbox = resolve(&config.mailboxes[0], |_| None).unwrap();
    let report = fetch_one(&desk, &Operator::new("alice"), &mailbox).await.unwrap();
    assert_eq!(report.stored, corpus.len(), "every one is kept: {report:?}");
    assert_eq!(report.too_large, 1, "{report:?}");

    let id_of = |name: &'static str| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM inbox_messages WHERE maildir_key LIKE '%.' || $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let now = chrono::Utc::now();
    let detail = |id| desk.inbox_message(id, now);

    // Escape sequences and CR/LF in encoded words: escaped, never a second header.
    let d = detail(id_of("escapes").await).await.unwrap();
    let m = &d.item.message;
    let name = m.from_name.clone().unwrap();
    assert!(
        no_terminal_control(&name) && name.contains("\\x1b[2J") && name.contains("\\x0d\\x0a"),
        "{name:?}"
    );
    let subject = m.subject.clone().unwrap();
    assert!(no_terminal_control(&subject) && subject.contains("\\x1b[31m"), "{subject:?}");
    assert!(no_terminal_control(&m.body_text) && m.body_text.contains("\\x1b]52;"), "{:?}", m.body_text);
    assert_eq!(m.from_address.as_deref(), Some("eve@example.com"));
    let file_name = &d.attachments[0].file_name;
    assert!(!file_name.contains('/') && no_terminal_control(file_name), "{file_name:?}");
    // Made into a request: the requester's name holds no control character either (a reply's To).
    let refs =
        desk.make_requests(&Operator::new("alice"), m.id, &[RequestKind::Access], None, now).await.unwrap();
    let r = desk.detail(&refs[0], now).await.unwrap().request;
    assert!(!r.requester_name.unwrap().chars().any(char::is_control));

    // Bidi overrides and isolates: shown as \u{...}.
    let d = detail(id_of("bidi").await).await.unwrap();
    assert!(d.item.message.subject.as_deref().unwrap().contains("\\u{202e}"));
    assert!(no_terminal_control(&d.item.message.body_text));

    // Bad charsets: read as far as they go, stored as valid text.
    let d = detail(id_of("charset").await).await.unwrap();
    assert!(no_terminal_control(d.item.message.subject.as_deref().unwrap_or("")));
    assert!(d.item.message.body_text.contains("broken"));

    // 100 nested multiparts: stored, with a note; the raw message keeps all of it.
    let d = detail(id_of("deep").await).await.unwrap();
    assert!(
        d.item.message.parse_notes.iter().any(|n| n.contains("nested")),
        "{:?}",
        d.item.message.parse_notes
    );

    // The zip bomb: kept as the bytes that arrived, never inflated.
    let d = detail(id_of("zipbomb").await).await.unwrap();
    let bomb = zip_bomb();
    assert_eq!(d.attachments.len(), 1);
    assert_eq!(d.attachments[0].size, bomb.len() as i64, "the compressed bytes, not 64 MB");
    assert_eq!(d.attachments[0].sha256, dsrdesk::mail::inbox::parse::sha256_hex(&bomb));
    assert_eq!(d.attachments[0].content_type, "application/zip");

    // 50 MB: over the 25 MB limit, kept as "too large" with its header only, not dropped.
    let id = id_of("huge").await;
    let d = detail(id).await.unwrap();
    assert!(d.item.message.too_large);
    assert!(d.item.message.size > 50 * 1024 * 1024);
    assert!(d.attachments.is_empty() && d.item.message.body_text.is_empty());
    let raw = desk.inbox_raw(id).await.unwrap();
    assert!(raw.len() < 4096 && raw.ends_with(b"\r\n\r\n"), "header only: {} bytes", raw.len());

    // Malformed headers: stored; the unusable address and ids are dropped, with a note.
    let d = detail(id_of("malformed").await).await.unwrap();
    let m = &d.item.message;
    assert!(m.from_address.is_none() && m.message_id.is_none() && m.in_reply_to.is_empty(), "{m:?}");
    assert!(no_terminal_control(m.subject.as_deref().unwrap_or("")));

    // What the terminal gets from the real binary: no control character, no bidi override.
    let list = dsrdesk(&db, &path, &["inbox", "list"]);
    assert!(no_terminal_control(&list), "{list:?}");
    for (name, _) in &corpus {
        let id = id_of(name).await.to_string();
        let shown = dsrdesk(&db, &path, &["inbox", "show", &id]);
        assert!(no_terminal_control(&shown), "{name}: {shown:?}");
    }
}
