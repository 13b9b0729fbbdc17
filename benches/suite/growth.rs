//! Growth (issue 18 §1): the suite run at several sizes in one command (`--growth 1000000,3000000`),
//! and each latency's factor from the first size to the last. A desk that reads through indexes
//! and keyset pages should hardly notice three times the requests: the overview, a queue page, a
//! search and a keypress may grow by at most 1.3×.

use crate::report::Row;
use std::fmt::Write as _;

/// The measurements held to the growth target, by the start of what they measure.
const HELD: [&str; 5] =
    ["overview at shift start", "queue: first page", "queue: a page", "search by", "keypress to frame"];
const LIMIT: f64 = 1.3;

/// The first latency in a figure ("3.10 ms", "0.80 ms; 1.9 ms", "12.3 ms p50"), in milliseconds.
fn latency_ms(figure: &str) -> Option<f64> {
    let words: Vec<&str> = figure.split_whitespace().collect();
    words.windows(2).find_map(|w| {
        (w[1].trim_end_matches([';', ',', ')']) == "ms").then(|| w[0].parse::<f64>().ok()).flatten()
    })
}

/// A measurement without the counts in its wording ("a page 500000 requests deep", "3 found"),
/// so that the same measurement matches at each size.
fn key(row: &Row) -> String {
    let mut key = format!("{} | ", row.section);
    let mut in_number = false;
    for c in row.what.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                key.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            key.push(c);
        }
    }
    key
}

/// Every latency measured at the first size and at the last, with its growth factor.
pub fn table(runs: &[(u64, Vec<Row>)]) -> String {
    let (Some((first_size, first)), Some((last_size, last))) = (runs.first(), runs.last()) else {
        return String::new();
    };
    let mut t = String::new();
    let _ = writeln!(t, "Growth from {first_size} to {last_size} requests:\n");
    let _ = writeln!(t, "| measurement | at {first_size} | at {last_size} | growth | target | |");
    let _ = writeln!(t, "|---|---|---|---|---|---|");
    let mut missed = Vec::new();
    for row in first {
        let Some(before) = latency_ms(&row.figure) else { continue };
        let Some(after) = last.iter().find(|r| key(r) == key(row)).and_then(|r| latency_ms(&r.figure)) else {
            continue;
        };
        let factor = after / before.max(1e-6);
        let held = HELD.iter().any(|h| row.what.starts_with(h));
        let (target, verdict) = if held {
            let meets = factor <= LIMIT;
            if !meets {
                missed.push(row.what.clone());
            }
            (format!("≤ {LIMIT}×"), if meets { "meets" } else { "**MISSES**" })
        } else {
            (String::new(), "")
        };
        let _ = writeln!(
            t,
            "| {} | {before:.2} ms | {after:.2} ms | {factor:.2}× | {target} | {verdict} |",
            key(row)
        );
    }
    if !missed.is_empty() {
        eprintln!("MISSED growth targets: {}", missed.join("; "));
    }
    t
}
