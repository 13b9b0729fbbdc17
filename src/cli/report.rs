//! `dsrdesk report`: the DPO's figures for a year or a period (issue 17 §1), as a table, JSON or
//! CSV. Operator names and extension reasons are typed by people: escaped before the terminal.

use super::print_json;
use crate::domain::Jurisdiction;
use crate::domain::report::{Figures, Period, RefusalGround, Report};
use crate::domain::text::escape_line;
use crate::error::{Error, Result};
use crate::service::Desk;
use chrono::{Datelike, NaiveDate, Utc};
use clap::Args;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A calendar year (default: this year).
    #[arg(long, conflicts_with_all = ["from", "to"])]
    year: Option<i32>,
    /// The period's first day (YYYY-MM-DD), with --to.
    #[arg(long, value_name = "DATE", requires = "to")]
    from: Option<String>,
    /// The period's last day (YYYY-MM-DD), included.
    #[arg(long, value_name = "DATE", requires = "from")]
    to: Option<String>,
    /// One controller: SE or FI (default both).
    #[arg(long, value_name = "SE|FI")]
    controller: Option<String>,
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// One line per group (total, right, channel, operator, month) and figure columns.
    #[arg(long)]
    csv: bool,
}

fn date(flag: &str, value: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| Error::Invalid(format!("{flag} {}: expected a date as YYYY-MM-DD", escape_line(value))))
}

pub(super) async fn run(desk: &Desk, args: ReportArgs) -> Result<()> {
    let period = match (&args.from, &args.to, args.year) {
        (Some(from), Some(to), _) => Period::new(date("--from", from)?, date("--to", to)?),
        (_, _, Some(year)) => Period::year(year),
        _ => Period::year(Utc::now().year()),
    }
    .map_err(Error::Invalid)?;
    let controller = args
        .controller
        .as_deref()
        .map(|c| c.parse::<Jurisdiction>().map_err(|e| Error::Invalid(format!("--controller: {e}"))))
        .transpose()?;
    let today = Jurisdiction::Sweden.local_date(Utc::now());
    let report = desk.report(period, controller, today).await?;
    if args.json {
        print_json(&report);
    } else if args.csv {
        print_csv(&report)?;
    } else {
        print_text(&report, controller);
    }
    Ok(())
}

/// Every group of the report with its kind: total, right, channel, operator, month.
fn groups(report: &Report) -> Vec<(&'static str, String, &Figures)> {
    let mut groups = vec![("total", "all".to_string(), &report.total)];
    groups.extend(report.by_right.iter().map(|(k, f)| ("right", format!("{k} ({})", k.article()), f)));
    groups.extend(report.by_channel.iter().map(|(k, f)| ("channel", k.clone(), f)));
    groups.extend(report.by_operator.iter().map(|(k, f)| ("operator", k.clone(), f)));
    groups.extend(report.by_month.iter().map(|(k, f)| ("month", k.clone(), f)));
    groups
}

fn share(s: Option<f64>) -> String {
    s.map(|s| format!("{:.1}", s * 100.0)).unwrap_or_default()
}

fn print_csv(report: &Report) -> Result<()> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "group",
        "name",
        "received",
        "answered",
        "on_time",
        "on_time_pct",
        "within_target",
        "within_target_pct",
        "extended",
        "paused",
        "paused_days_median",
        "refused",
    ];
    let grounds: Vec<String> = RefusalGround::ALL.iter().map(|g| format!("refused {}", g.label())).collect();
    header.extend(grounds.iter().map(String::as_str));
    header.extend([
        "forwarded",
        "withdrawn",
        "days_median",
        "days_p90",
        "days_max",
        "open_at_end",
        "overdue_at_end",
    ]);
    let fail = |e: csv::Error| Error::Invalid(format!("cannot write the CSV: {e}"));
    out.write_record(&header).map_err(fail)?;
    for (group, name, f) in groups(report) {
        let mut row = vec![
            group.to_string(),
            name,
            f.received.to_string(),
            f.answered.to_string(),
            f.answered_on_time.to_string(),
            share(f.on_time_share),
            f.answered_within_target.to_string(),
            share(f.within_target_share),
            f.extended.to_string(),
            f.paused.to_string(),
            f.paused_days.map(|s| s.median.to_string()).unwrap_or_default(),
            f.refused.to_string(),
        ];
        row.extend(
            RefusalGround::ALL.iter().map(|g| f.refused_by_ground.get(g).copied().unwrap_or(0).to_string()),
        );
        row.extend([
            f.forwarded.to_string(),
            f.withdrawn.to_string(),
            f.days_to_answer.map(|s| s.median.to_string()).unwrap_or_default(),
            f.days_to_answer.map(|s| s.p90.to_string()).unwrap_or_default(),
            f.days_to_answer.map(|s| s.max.to_string()).unwrap_or_default(),
            f.open_at_end.to_string(),
            f.overdue_at_end.to_string(),
        ]);
        out.write_record(&row).map_err(fail)?;
    }
    let bytes = out.into_inner().map_err(|e| Error::Invalid(format!("cannot write the CSV: {e}")))?;
    // Operator names are people's input: no control character reaches the terminal.
    for line in String::from_utf8_lossy(&bytes).lines() {
        outln!("{}", escape_line(line));
    }
    Ok(())
}

fn print_text(report: &Report, controller: Option<Jurisdiction>) {
    let p = report.period;
    let whom = controller.map(|c| c.code().to_string()).unwrap_or_else(|| "SE and FI".into());
    outln!("Data-subject requests {} to {} ({whom}), counted from the event history", p.from, p.to);
    outln!("");
    let mut current = "";
    for (group, name, f) in groups(report) {
        if group != current {
            current = group;
            outln!(
                "{:<28} {:>8} {:>8} {:>7} {:>7} {:>6} {:>6} {:>7} {:>5} {:>5} {:>11} {:>5} {:>7}",
                format!("by {group}"),
                "received",
                "answered",
                "on time",
                "target",
                "ext.",
                "paused",
                "refused",
                "fwd",
                "wdr",
                "days md/p90",
                "open",
                "overdue"
            );
        }
        let days = f.days_to_answer.map(|s| format!("{}/{}", s.median, s.p90)).unwrap_or_else(|| "-".into());
        outln!(
            "{:<28} {:>8} {:>8} {:>7} {:>7} {:>6} {:>6} {:>7} {:>5} {:>5} {:>11} {:>5} {:>7}",
            escape_line(&name).chars().take(28).collect::<String>(),
            f.received,
            f.answered,
            f.on_time_share.map(|s| format!("{:.0}%", s * 100.0)).unwrap_or_else(|| "-".into()),
            f.within_target_share.map(|s| format!("{:.0}%", s * 100.0)).unwrap_or_else(|| "-".into()),
            f.extended,
            f.paused,
            f.refused,
            f.forwarded,
            f.withdrawn,
            days,
            f.open_at_end,
            f.overdue_at_end
        );
        if group == "total" {
            outln!("");
        }
    }
    let t = &report.total;
    outln!("");
    if t.refused > 0 {
        let grounds: Vec<String> =
            t.refused_by_ground.iter().map(|(g, n)| format!("{} {n}", g.label())).collect();
        outln!("Refusals by ground: {}", grounds.join(", "));
    }
    if !t.extension_reasons.is_empty() {
        outln!("Extensions (Art. 12(3)), the reasons given:");
        for (reason, n) in &t.extension_reasons {
            outln!("  {n:>5}  {}", escape_line(reason));
        }
    }
    if let Some(s) = t.paused_days {
        outln!(
            "Pauses ended in the period: the clock stood still {} days (median), {} at most",
            s.median,
            s.max
        );
    }
}
