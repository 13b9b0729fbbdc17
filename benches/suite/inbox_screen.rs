//! The inbox screen over a full inbox (issue 16): N messages waiting, the desk drawn by ratatui
//! into a `TestBackend`. Each key is timed from the press to the frame drawn with its data (the
//! headless desk awaits the key's database work before drawing), as the queue's rows are.

use crate::Plan;
use crate::report::{Row, percentile};
use chrono::Utc;
use dsrdesk::config::Config;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::tui::headless::Headless;
use dsrdesk::tui::{Keymap, Settings, Theme};
use std::time::Instant;

const SECTION: &str = "inbox";

/// N waiting messages in one statement, each with its arrival event (the inbox's own trigger
/// refuses a message without one): the bytes are short, the parsed fields as `mail fetch` stores
/// them. Arrivals a minute apart, the oldest N minutes ago.
async fn fill(desk: &Desk, n: u64) {
    let mut tx = desk.pool().begin().await.unwrap();
    sqlx::query(
        "WITH m AS (
             INSERT INTO inbox_messages (mailbox, jurisdiction, maildir_key, raw, sha256, size,
                                         received_at, received_on, from_name, from_address, subject,
                                         message_id, body_text)
             SELECT 'se', 'SE', 'bench-' || g, convert_to('message ' || g, 'UTF8'),
                    encode(sha256(convert_to('message ' || g, 'UTF8')), 'hex'), 12,
                    now() - g * interval '1 minute', (now() - g * interval '1 minute')::date,
                    'Person ' || g, 'p' || g || '@example.se', 'Begäran om registerutdrag ' || g,
                    'bench-' || g || '@example.se', 'Hej, jag vill ha ett registerutdrag.'
             FROM generate_series(1, $1::bigint) g
             RETURNING id)
         INSERT INTO inbox_events (message_id, actor, action) SELECT id, 'bench', 'received' FROM m",
    )
    .bind(n as i64)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    sqlx::query("ANALYZE inbox_messages").execute(desk.pool()).await.unwrap();
}

pub async fn run(plan: &Plan) -> Vec<Row> {
    let n = plan.inbox_screen_messages;
    let db = dsrdesk::testing::fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    fill(&desk, n).await;
    let operator = Operator::new("anna.dpo");
    let settings = Settings {
        operator: operator.clone(),
        config: Config::default(),
        read_only: false,
        keymap: Keymap::default(),
        theme: Theme::color(),
    };
    let mut h = Headless::start(desk.clone(), operator, settings, Utc::now(), 160, 48).await;
    assert!(h.text().contains(&format!("inbox: {} waiting", thousands(n))), "{}", h.screen());

    // The first opening, apart: it also prepares the screen's statements on the connection (the
    // queue's searches are timed after the same warm-up).
    h.keys("1").await;
    let t = Instant::now();
    h.keys("4").await;
    let first = t.elapsed().as_secs_f64() * 1000.0;
    // Opening the inbox from the overview, ten times more: its page of the oldest, loaded and drawn.
    let mut opens = Vec::new();
    for _ in 0..10 {
        h.keys("1").await;
        let t = Instant::now();
        h.keys("4").await;
        opens.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    assert!(h.text().contains("Person"), "{}", h.screen());
    let open = percentile(&mut opens, 0.5);
    let open_worst = percentile(&mut opens, 1.0);

    // Moving through the loaded page and back, then the jumps to its ends.
    let mut times = Vec::new();
    for key in ["j", "k"] {
        for _ in 0..(n as usize).min(499) {
            let t = Instant::now();
            h.keys(key).await;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    for key in ["G", "g", "pagedown", "pageup"] {
        let t = Instant::now();
        h.keys(key).await;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let count = times.len();
    let p50 = percentile(&mut times, 0.5);
    let p99 = percentile(&mut times, 0.99);
    vec![
        Row::new(
            SECTION,
            format!(
                "inbox screen with {n} messages waiting: open it (4), loaded and drawn (median; worst of 10 after the first; the first)"
            ),
            format!("{open:.2} ms; {open_worst:.1} ms; {first:.1} ms"),
        )
        .target("< 16 ms", open_worst < 16.0),
        Row::new(
            SECTION,
            format!("inbox screen with {n} messages: keypress to frame, {count} moves and jumps (p50; p99)"),
            format!("{p50:.2} ms; {p99:.2} ms"),
        )
        .target("p99 < 16 ms", p99 < 16.0),
    ]
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
