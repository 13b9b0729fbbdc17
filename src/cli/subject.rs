//! Subcommands for the subject's data: link, plan, execute, worker, rectify, restrict, object,
//! tasks, forward, datamap. Text for people, `--json` for scripts; everything from the ledger is
//! escaped before it reaches the terminal.

use super::print_json;
use crate::domain::identity::mask_personal_number;
use crate::domain::matching::FieldMatch;
use crate::domain::plan::{ErasurePlan, FollowUp, RowAction};
use crate::domain::text::escape_line;
use crate::error::{Error, Result};
use crate::service::rights::{Correction, ObjectionDecision};
use crate::service::subject::{Candidate, SubjectView};
use crate::service::{Desk, Operator};
use chrono::Utc;
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};

#[derive(Debug, Args)]
pub struct LinkArgs {
    pub reference: String,
    /// Link this ledger person (the DPO's choice among the candidates).
    #[arg(long, value_name = "ID", conflicts_with_all = ["auto", "unlink"])]
    pub person: Option<String>,
    /// Link the one candidate whose personal identity number matches; refused when there is none
    /// or more than one.
    #[arg(long, conflicts_with = "unlink")]
    pub auto: bool,
    /// Remove a wrong link (only before anything was done to that person's data).
    #[arg(long, value_name = "ID")]
    pub unlink: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    pub reference: String,
    /// Plan as of this time (RFC 3339 or YYYY-MM-DD; may be in the future: "what if").
    #[arg(long, value_name = "TS")]
    pub at: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExecuteArgs {
    pub reference: String,
    /// Carry it out without asking (scripts). Without it, dsrdesk shows the plan and asks.
    #[arg(long)]
    pub yes: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// One pass (follow-up erasures, the outbox, the desk's own retention), then exit.
    #[arg(long)]
    pub once: bool,
    /// Seconds between passes.
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub interval: u64,
}

#[derive(Debug, Args)]
pub struct RectifyArgs {
    pub reference: String,
    /// SOURCE.COLUMN=VALUE, e.g. person.street="Storgatan 3" (repeatable). Without it, the fields
    /// that can be rectified are listed with their values.
    #[arg(long, value_name = "SOURCE.COLUMN=VALUE")]
    pub set: Vec<String>,
    /// The row, when the subject has more than one in that source.
    #[arg(long, value_name = "ID")]
    pub row: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RestrictArgs {
    pub reference: String,
    /// Why (Art. 18(1)(a)-(d)), or, with --lift, why it ends.
    #[arg(long)]
    pub reason: String,
    /// Lift the restriction.
    #[arg(long)]
    pub lift: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ObjectArgs {
    pub reference: String,
    /// Objection to direct marketing (Art. 21(3)): stop it now, on every channel.
    #[arg(long, conflicts_with = "decision")]
    pub marketing: bool,
    /// Decision on an objection to processing on legitimate interests (Art. 21(1)): upheld,
    /// compelling-grounds, legal-claims.
    #[arg(long, value_name = "DECISION")]
    pub decision: Option<String>,
    /// The grounds (required unless upheld).
    #[arg(long, default_value = "")]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct TasksArgs {
    pub reference: String,
    /// Tick off this task: the recipient was told.
    #[arg(long, value_name = "TASK")]
    pub done: Option<i64>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ForwardArgs {
    pub reference: String,
    /// The client (the controller) the request goes to.
    #[arg(long)]
    pub client: String,
}

/// Ledger and request text, made safe for the terminal.
fn clean(s: &str) -> String {
    escape_line(s).into_owned()
}

fn field_mark(m: FieldMatch) -> &'static str {
    match m {
        FieldMatch::Same => "=",
        FieldMatch::Different => "≠",
        FieldMatch::Unknown => "?",
    }
}

fn print_candidate(c: &Candidate) {
    let shown = |v: &Option<String>| v.as_deref().map(clean).unwrap_or_else(|| "-".into());
    outln!(
        "{} person {}  {}{}",
        if c.linked { "*" } else { " " },
        clean(&c.person_id),
        shown(&c.name),
        c.role.as_deref().map(|r| format!(" ({})", clean(r))).unwrap_or_default()
    );
    let number = c.personal_number.as_deref().map(mask_personal_number).unwrap_or_else(|| "-".into());
    outln!("    {} personal number {}", field_mark(c.comparison.personal_number), number);
    outln!("    {} name            {}", field_mark(c.comparison.name), shown(&c.name));
    outln!("    {} e-mail          {}", field_mark(c.comparison.email), shown(&c.email));
    outln!("    {} address         {}", field_mark(c.comparison.address), shown(&c.address));
    outln!("    {} phone           {}", field_mark(c.comparison.phone), shown(&c.phone));
    let reasons = if c.reasons.is_empty() { "nothing".to_string() } else { c.reasons.join(", ") };
    outln!(
        "    matches on: {reasons}{}",
        if c.comparison.is_certain() { " (identity number: certain)" } else { "" }
    );
}

fn print_subject_view(v: &SubjectView) {
    outln!(
        "{} ({}): identity {}",
        v.reference,
        v.kind,
        if v.verified { "verified" } else { "NOT VERIFIED (Art. 12(6))" }
    );
    if !v.earlier_access_requests.is_empty() {
        outln!(
            "warning: earlier access request(s) from this subject within 12 months (Art. 12(5); not a refusal by itself):"
        );
        for e in &v.earlier_access_requests {
            outln!("  {} received {} ({})", e.reference, e.received_on, e.status);
        }
    }
    for client in &v.processor_clients {
        outln!(
            "processor-role data: the agency holds data for {0} as its processor (Art. 28) — forward: dsrdesk forward {1} --client \"{0}\"",
            clean(client),
            v.reference
        );
    }
    if v.candidates.is_empty() {
        outln!("no ledger person matches the requester's number, e-mail or name");
    }
    for c in &v.candidates {
        print_candidate(c);
    }
    outln!("(* linked;  = same  ≠ different  ? unknown)");
}

pub async fn link(desk: &Desk, operator: &Operator, a: LinkArgs) -> Result<()> {
    let now = Utc::now();
    if let Some(person) = &a.unlink {
        desk.unlink(operator, &a.reference, person, now).await?;
        outln!("{}: unlinked from ledger person {}", a.reference, clean(person));
        return Ok(());
    }
    if a.person.is_some() || a.auto {
        let linked = desk.link(operator, &a.reference, a.person.as_deref(), now).await?;
        if a.json {
            print_json(&linked);
        } else {
            outln!("linked:");
            print_candidate(&linked);
        }
        return Ok(());
    }
    let view = desk.subject_view(&a.reference).await?;
    if a.json {
        print_json(&view);
    } else {
        print_subject_view(&view);
        if view.linked().next().is_none() {
            match view.certain_candidate() {
                Some(c) => {
                    outln!("link with: dsrdesk link {} --person {} (or --auto)", view.reference, c.person_id)
                }
                None if !view.candidates.is_empty() => {
                    outln!("no certain match: choose with dsrdesk link {} --person ID", view.reference)
                }
                None => {}
            }
        }
    }
    Ok(())
}

fn until(a: &RowAction) -> String {
    match a {
        RowAction::Erase { method } => format!(
            "erase now ({})",
            serde_json::to_value(method).expect("enum").as_str().unwrap_or_default()
        ),
        RowAction::Forward { client } => format!("not ours: forward to the controller, {}", clean(client)),
        RowAction::Keep { holds, erasable_from } => {
            let mut text = format!(
                "keep, restricted — {}",
                match erasable_from {
                    Some(d) => format!("erasable from {d}"),
                    None => "until the claim is paid / proceedings end".to_string(),
                }
            );
            for h in holds {
                text.push_str(&format!(
                    "\n             · {} ({}){}",
                    h.rule,
                    h.article,
                    h.held_until.map(|d| format!(", held until {d}")).unwrap_or_default()
                ));
            }
            text
        }
    }
}

pub fn print_plan(reference: &str, plan: &ErasurePlan) {
    outln!("erasure plan for {reference} as of {}", plan.today);
    for s in &plan.sources {
        outln!("  {} [{}] — person {}", clean(&s.title), s.source, clean(&s.person_id));
        for g in s.groups() {
            outln!("    {:>5} row(s): {}", g.rows, until(&g.action));
        }
    }
    outln!(
        "  total: {} row(s) erased now, {} kept{}",
        plan.erase_count(),
        plan.keep_count(),
        if plan.forward_to().is_empty() {
            String::new()
        } else {
            format!(", processor data for {}", plan.forward_to().join(", "))
        }
    );
    outln!("  follow-up: {}", follow_up_text(plan.follow_up_dates(), plan.waits_for_events()));
}

/// Each day a follow-up erasure is due (each kept record goes on the day its own hold lapses),
/// and whether one waits for an event.
fn follow_up_text(dates: Vec<chrono::NaiveDate>, waits: bool) -> String {
    let mut parts = Vec::new();
    if !dates.is_empty() {
        let days: Vec<String> = dates.iter().map(ToString::to_string).collect();
        parts.push(format!(
            "erasure of what is kept on {}, each record on the day its hold lapses",
            days.join(", ")
        ));
    }
    if waits {
        parts.push("re-examined daily while a claim is open or proceedings last".to_string());
    }
    if parts.is_empty() { "none: nothing is kept".to_string() } else { parts.join("; ") }
}

pub async fn plan(desk: &Desk, a: PlanArgs) -> Result<()> {
    let at = match &a.at {
        Some(t) => super::parse_instant(t)?,
        None => Utc::now(),
    };
    let plan = desk.erasure_plan(&a.reference, at).await?;
    if a.json {
        print_json(&serde_json::json!({
            "reference": a.reference,
            "plan": plan,
            "erase": plan.erase_count(),
            "keep": plan.keep_count(),
            "forward_to": plan.forward_to(),
            "follow_up": plan.follow_up(),
            "follow_up_dates": plan.follow_up_dates(),
        }));
    } else {
        print_plan(&a.reference, &plan);
    }
    Ok(())
}

pub async fn execute(desk: &Desk, operator: &Operator, a: ExecuteArgs) -> Result<()> {
    let now = Utc::now();
    let plan = desk.erasure_plan(&a.reference, now).await?;
    if !a.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Error::Invalid(
                "execute asks for confirmation on a terminal; in a script, look at `dsrdesk plan` first and add --yes".into(),
            ));
        }
        print_plan(&a.reference, &plan);
        print!("Carry out this plan? Type the reference to confirm: ");
        std::io::stdout().flush().ok();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).ok();
        if !answer.trim().eq_ignore_ascii_case(&a.reference) {
            outln!("not confirmed; nothing was changed");
            return Ok(());
        }
    }
    let outcome = desk.execute_erasure(operator, &a.reference, &plan, now).await?;
    if a.json {
        print_json(&outcome);
    } else {
        outln!(
            "{}: {} row(s) deleted, {} anonymised, {} restricted, {} kept",
            a.reference,
            outcome.deleted,
            outcome.anonymised,
            outcome.restricted,
            outcome.kept
        );
        for d in &outcome.follow_up_dates {
            outln!("follow-up erasure scheduled for {d}");
        }
        match outcome.follow_up {
            Some(FollowUp::WhenEventsAllow) => {
                outln!("follow-up: re-examined daily by `dsrdesk worker` while a hold lasts")
            }
            Some(FollowUp::On(_)) => {}
            _ => outln!("nothing kept: no follow-up"),
        }
        if !outcome.forwarded_to.is_empty() {
            outln!("processor-role data: forward to {}", outcome.forwarded_to.join(", "));
        }
        for r in &outcome.recipient_tasks {
            outln!("Art. 19: tell {}", clean(r));
        }
    }
    Ok(())
}

pub async fn worker(desk: &Desk, operator: &Operator, a: WorkerArgs) -> Result<()> {
    let operator = Operator::new(format!("{} (worker)", operator.user));
    desk.checked_map().await?;
    // Each pass also delivers the outbox, when an SMTP relay is configured.
    let mailer = super::outbox::mailer(desk.config(), &operator)?;
    // The mailboxes are watched by their own tasks (IMAP IDLE or polling), beside this loop.
    let mailboxes = crate::mail::inbox::fetch::mailboxes(desk)?;
    let mailboxes_count = mailboxes.len();
    let _watchers = if a.once {
        for m in &mailboxes {
            let report = crate::mail::inbox::fetch::fetch_one(desk, &operator, m).await?;
            super::inbox::print_fetch_report(&report);
        }
        Vec::new()
    } else {
        super::inbox::spawn_watchers(desk, &operator, mailboxes)
    };
    // systemd stops the unit with SIGTERM: end between passes, like Ctrl-C. Registered once, so a
    // signal that arrives during a pass ends the loop at the next wait.
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| Error::Invalid(format!("cannot watch for SIGTERM: {e}")))?;
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(|e| Error::Invalid(format!("cannot watch for SIGINT: {e}")))?;
    tracing::info!(mailboxes = mailboxes_count, smtp = mailer.is_some(), once = a.once, "worker started");
    loop {
        if let Some(mailer) = &mailer {
            let report = desk.deliver_due(mailer, Utc::now()).await?;
            if report.attempted() > 0 || !report.reconciled_uncertain.is_empty() || a.once {
                super::outbox::print_report(&report);
            }
        }
        let report = desk.run_due_erasures(&operator, Utc::now()).await?;
        if report.examined > 0 {
            tracing::info!(
                examined = report.examined,
                erased_rows = report.erased_rows,
                completed = report.completed,
                rescheduled = report.rescheduled,
                "follow-up erasures examined"
            );
        }
        if report.examined > 0 || a.once {
            outln!(
                "{} follow-up(s) examined: {} row(s) erased, {} complete, {} rescheduled",
                report.examined,
                report.erased_rows,
                report.completed,
                report.rescheduled
            );
        }
        desk.fold_overview_counts().await?;
        // The desk's own retention (issue 17 §3): closed requests past their period.
        let retention = desk.run_retention(&operator, Utc::now(), false).await?;
        if !retention.anonymised.is_empty() || a.once {
            super::retention::print_report(&retention);
        }
        if a.once {
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(a.interval.max(1))) => {}
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
        }
    }
    tracing::info!("worker stopped");
    Ok(())
}

pub async fn rectify(desk: &Desk, operator: &Operator, a: RectifyArgs) -> Result<()> {
    let fields = desk.rectifiable_fields(&a.reference).await?;
    if a.set.is_empty() {
        if a.json {
            print_json(&fields);
        } else {
            for f in &fields {
                let value = match &f.current {
                    serde_json::Value::String(s) => clean(s),
                    serde_json::Value::Null => "-".into(),
                    other => clean(&other.to_string()),
                };
                outln!("{}.{} (row {}): {value}", f.source, f.column, clean(&f.row_id));
            }
        }
        return Ok(());
    }
    let mut corrections = Vec::new();
    for set in &a.set {
        let (target, value) = set
            .split_once('=')
            .ok_or_else(|| Error::Invalid(format!("--set {set:?}: expected SOURCE.COLUMN=VALUE")))?;
        let (source, column) = target
            .split_once('.')
            .ok_or_else(|| Error::Invalid(format!("--set {set:?}: expected SOURCE.COLUMN=VALUE")))?;
        let rows: Vec<&str> = {
            let mut r: Vec<&str> = fields
                .iter()
                .filter(|f| f.source == source && f.column == column)
                .map(|f| f.row_id.as_str())
                .collect();
            r.dedup();
            r
        };
        let row_id = match (&a.row, rows.as_slice()) {
            (Some(row), _) => row.clone(),
            (None, [only]) => only.to_string(),
            (None, []) => {
                return Err(Error::Invalid(format!(
                    "{source}.{column} cannot be rectified for this subject"
                )));
            }
            (None, _) => {
                return Err(Error::Invalid(format!(
                    "{source} has {} rows for this subject: say which with --row",
                    rows.len()
                )));
            }
        };
        corrections.push(Correction {
            source: source.to_string(),
            row_id,
            column: column.to_string(),
            new_value: Some(value.to_string()),
        });
    }
    let outcome = desk.rectify(operator, &a.reference, &corrections, Utc::now()).await?;
    if a.json {
        print_json(&outcome);
    } else {
        for c in &outcome.changed {
            outln!(
                "{}.{} (row {}): {} -> {}",
                c.source,
                c.column,
                clean(&c.row_id),
                c.old_value.as_deref().map(clean).unwrap_or_else(|| "-".into()),
                c.new_value.as_deref().map(clean).unwrap_or_else(|| "-".into())
            );
        }
        for r in &outcome.recipient_tasks {
            outln!("Art. 19: tell {}", clean(r));
        }
    }
    Ok(())
}

pub async fn restrict(desk: &Desk, operator: &Operator, a: RestrictArgs) -> Result<()> {
    let outcome = desk.restrict(operator, &a.reference, a.lift, &a.reason, Utc::now()).await?;
    if a.json {
        print_json(&outcome);
    } else {
        outln!(
            "{}: {} row(s) {}",
            a.reference,
            outcome.rows,
            if a.lift { "no longer restricted" } else { "restricted" }
        );
        for r in &outcome.recipient_tasks {
            outln!("Art. 19: tell {}", clean(r));
        }
    }
    Ok(())
}

pub async fn object(desk: &Desk, operator: &Operator, a: ObjectArgs) -> Result<()> {
    let now = Utc::now();
    match (a.marketing, &a.decision) {
        (true, _) => {
            desk.opt_out_of_marketing(operator, &a.reference, now).await?;
            outln!("{}: opted out of all direct marketing (Art. 21(3))", a.reference);
        }
        (false, Some(d)) => {
            let decision: ObjectionDecision = d.parse()?;
            desk.decide_objection(operator, &a.reference, decision, &a.reason, now).await?;
            outln!("{}: objection decision recorded ({d})", a.reference);
        }
        (false, None) => {
            return Err(Error::Invalid(
                "say what: --marketing, or --decision upheld|compelling-grounds|legal-claims".into(),
            ));
        }
    }
    Ok(())
}

pub async fn tasks(desk: &Desk, operator: &Operator, a: TasksArgs) -> Result<()> {
    if let Some(id) = a.done {
        let t = desk.complete_recipient_task(operator, &a.reference, id, Utc::now()).await?;
        outln!("task {}: {} told", t.id, clean(&t.recipient));
        return Ok(());
    }
    let tasks = desk.recipient_tasks(&a.reference).await?;
    if a.json {
        print_json(&tasks);
    } else if tasks.is_empty() {
        outln!("{}: no recipients to tell", a.reference);
    } else {
        for t in &tasks {
            outln!(
                "[{}] {:>4}  {} — {} of {}{}",
                if t.done_at.is_some() { "x" } else { " " },
                t.id,
                clean(&t.recipient),
                t.reason,
                t.sources.join(", "),
                t.done_by.as_deref().map(|b| format!(" (told, {})", clean(b))).unwrap_or_default()
            );
        }
    }
    if !a.json {
        // The processor part (Art. 28; seed 004 §6.2): tell the client; `dsrdesk forward` ticks it.
        for t in desk.processor_tasks(&a.reference).await? {
            outln!(
                "[{}]       {} (client, controller of its data; contact {}) — {}",
                if t.done_at.is_some() { "x" } else { " " },
                clean(&t.client),
                clean(t.contact.as_deref().unwrap_or("unknown")),
                if t.done_at.is_some() {
                    "request forwarded"
                } else {
                    "to forward: dsrdesk forward --client"
                }
            );
        }
    }
    Ok(())
}

pub async fn forward(desk: &Desk, operator: &Operator, a: ForwardArgs) -> Result<()> {
    let r = desk.forward_to_controller(operator, &a.reference, &a.client, None, Utc::now()).await?;
    if r.status == crate::domain::RequestStatus::Forwarded {
        outln!("{}: forwarded to {}", r.reference, clean(&a.client));
    } else {
        // Mixed roles: only the processor part went to the client; the agency answers the rest.
        outln!(
            "{}: the part held for {} was forwarded to it; the request stays {} — answer the agency's own part",
            r.reference,
            clean(&a.client),
            r.status
        );
    }
    Ok(())
}

fn dsrdesk_jurisdictions() -> [crate::domain::Jurisdiction; 2] {
    crate::domain::Jurisdiction::ALL
}

pub async fn datamap(desk: &Desk) -> Result<()> {
    let checked = desk.checked_map().await?;
    let map = &desk.config().data_map;
    outln!("data map: {} — valid against this database", map.describe_origin());
    for j in dsrdesk_jurisdictions() {
        let c = desk.config().controller(j);
        for w in crate::export::labels::policy_warnings(
            &format!("controller {} ({})", j.code(), c.name),
            &c.policy,
        ) {
            outln!("warning: {}", clean(&w));
        }
    }
    for w in map.language_warnings() {
        outln!("warning: {}", clean(&w));
    }
    for s in &map.sources {
        outln!(
            "  {:<16} {:<28} {:<20} erase: {:<9} portable: {:<3} columns: {}",
            s.name,
            s.table,
            format!("{:?}", s.lawful_basis),
            format!("{:?}", s.erase).to_lowercase(),
            if s.portable { "yes" } else { "no" },
            checked.data_columns[&s.name].len()
        );
    }
    Ok(())
}
