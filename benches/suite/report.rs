//! The suite's figures: one row per measurement, the table printed and written to
//! bench/RESULTS.md, and the machine it was measured on.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// One measured figure beside its target and, where it makes sense, PostgreSQL's own figure for
/// the same work (the plain query or operation, without dsrdesk).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub section: String,
    pub what: String,
    pub figure: String,
    pub target: String,
    pub plain: String,
    /// Whether the figure meets its target; None where there is no target (context only).
    pub meets: Option<bool>,
}

impl Row {
    pub fn new(section: &str, what: impl Into<String>, figure: impl Into<String>) -> Row {
        Row {
            section: section.into(),
            what: what.into(),
            figure: figure.into(),
            target: String::new(),
            plain: String::new(),
            meets: None,
        }
    }
    pub fn target(mut self, target: impl Into<String>, meets: bool) -> Row {
        self.target = target.into();
        self.meets = Some(meets);
        self
    }
    pub fn plain(mut self, plain: impl Into<String>) -> Row {
        self.plain = plain.into();
        self
    }
}

pub fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[samples.len() / 2]
}

pub fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

pub fn table(rows: &[Row]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "| section | measurement | dsrdesk | target | PostgreSQL alone | |");
    let _ = writeln!(t, "|---|---|---|---|---|---|");
    for r in rows {
        let verdict = match r.meets {
            Some(true) => "meets",
            Some(false) => "**MISSES**",
            None => "",
        };
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {verdict} |",
            r.section, r.what, r.figure, r.target, r.plain
        );
    }
    t
}

fn first_line_value(path: &str, key: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split(':').nth(1))
        .map(|v| v.trim().to_string())
}

/// Cores, memory, CPU model, kernel, disk, and the load when the run began (other work on the
/// machine changes the figures, so the reader should know).
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let memory_gib = first_line_value("/proc/meminfo", "MemTotal")
        .and_then(|v| v.split_whitespace().next().and_then(|kb| kb.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0 / 1024.0)
        .unwrap_or(0.0);
    let cpu = first_line_value("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown CPU".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "{cores} cores ({cpu}), {memory_gib:.0} GiB memory, Linux {}, load average at the start {}",
        kernel.trim(),
        load.join(" ")
    )
}
