//! What the command line prints: the queue, a request, the overview, as text or `--json`.
//!
//! The JSON shapes are a stable interface documented in the README; add fields, never rename or
//! remove them.

use super::*;

pub(super) fn print_json(value: &impl serde::Serialize) {
    outln!("{}", json_for_terminal(&serde_json::to_string_pretty(value).expect("serialisable")));
}

/// serde_json escapes C0 controls (ESC as `\u001b`) but writes C1 controls (U+009B is CSI to many
/// terminals) and bidi overrides raw. These can only occur inside JSON strings, where `\uXXXX` is
/// the same text to any JSON reader (RFC 8259 §7) and harmless to a terminal showing the output.
pub fn json_for_terminal(json: &str) -> std::borrow::Cow<'_, str> {
    let escape = |c: char| {
        matches!(c, '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
            | '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}')
    };
    if !json.chars().any(escape) {
        return std::borrow::Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if escape(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

pub fn queue_item_json(item: &QueueItem) -> serde_json::Value {
    let r = &item.record;
    json!({
        "reference": r.reference,
        "external_id": r.external_id,
        "kind": r.kind,
        "status": r.status,
        "jurisdiction": r.jurisdiction,
        "received_at": r.received_at,
        "received_on": r.received_on,
        "due_on": item.effective_due_on,
        "internal_due_on": r.internal_due_on,
        "days_left": item.days_left,
        "deadline_error": item.deadline_error,
        "extended": r.extended_on.is_some(),
        "paused": r.paused_since.is_some(),
        "assignee": r.assignee,
        "requester_name": r.requester_name,
    })
}

pub(super) fn record_json(r: &crate::store::requests::RequestRecord) -> serde_json::Value {
    json!({
        "reference": r.reference,
        "status": r.status,
        "assignee": r.assignee,
        "identity_verified": r.identity_verified_at.is_some(),
        "due_on": r.due_on,
        "internal_due_on": r.internal_due_on,
        "extended": r.extended_on.is_some(),
        "paused": r.paused_since.is_some(),
        "paused_days": r.paused_days,
        "version": r.version,
    })
}

pub(super) fn print_change(r: &crate::store::requests::RequestRecord, json: bool, what: &str) {
    if json {
        print_json(&record_json(r));
    } else {
        outln!(
            "{} {what}: status {}, due {}{}",
            r.reference,
            r.status,
            r.due_on,
            r.assignee.as_deref().map(|a| format!(", assigned to {}", escape_line(a))).unwrap_or_default()
        );
    }
}

pub(super) fn list_query(
    args: &ListArgs,
    operator: &Operator,
    desk: &Desk,
    now: DateTime<Utc>,
) -> Result<QueueQuery> {
    let kind = args
        .kind
        .as_deref()
        .map(|k| k.parse::<RequestKind>().map_err(|e| Error::Invalid(e.to_string())))
        .transpose()?;
    let status = args
        .status
        .as_deref()
        .map(|s| s.parse::<RequestStatus>().map_err(|e| Error::Invalid(e.to_string())))
        .transpose()?;
    let assignee = if args.mine {
        AssigneeFilter::Is(operator.user.clone())
    } else if args.unassigned {
        AssigneeFilter::Unassigned
    } else if let Some(a) = &args.assignee {
        AssigneeFilter::Is(a.clone())
    } else {
        AssigneeFilter::Anyone
    };
    if args.limit < 1 {
        return Err(Error::Invalid("--limit must be at least 1".into()));
    }
    // Overdue: due before today. The earlier of the two controllers' dates is the safe bound.
    let due_before =
        args.overdue.then(|| desk.today(now).values().copied().min().expect("two jurisdictions"));
    Ok(QueueQuery {
        include_closed: args.all || status.is_some_and(|s| !s.is_open()),
        kind,
        status,
        assignee,
        due_before,
        search: args.search.clone(),
        after: None,
        limit: args.limit,
    })
}

pub(super) fn print_list(items: &[QueueItem], limit: i64) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{:<16} {:<13} {:<20} {:<2} {:<10} {:<10} {:>9} {:<12} REQUESTER",
        "REFERENCE", "KIND", "STATUS", "J", "RECEIVED", "DUE", "LEFT", "ASSIGNEE"
    );
    for item in items {
        let r = &item.record;
        let left = if item.deadline_error.is_some() && r.status.is_open() {
            "date err".to_string()
        } else if item.is_paused() {
            "paused".to_string()
        } else if r.status.is_open() {
            deadline::countdown_label(item.days_left)
        } else {
            "closed".to_string()
        };
        let flags = format!("{}{}", if r.extended_on.is_some() { "+" } else { "" }, "");
        let _ = writeln!(
            out,
            "{:<16} {:<13} {:<20} {:<2} {:<10} {:<10} {:>9} {:<12} {}",
            r.reference,
            r.kind.as_str(),
            format!("{}{flags}", r.status.as_str()),
            r.jurisdiction.code(),
            r.received_on,
            item.effective_due_on,
            left,
            r.assignee.as_deref().map(escape_line).unwrap_or_else(|| "-".into()),
            r.requester_name.as_deref().or(r.requester_email.as_deref()).map(escape_line).unwrap_or_default(),
        );
        if let Some(problem) = item.deadline_error.as_deref().filter(|_| r.status.is_open()) {
            let _ = writeln!(out, "{:<16} ! {problem}", "");
        }
    }
    if items.len() as i64 >= limit {
        let _ = writeln!(out, "(first {limit} shown; use --limit for more)");
    }
}

pub(super) fn print_detail(d: &RequestDetail) {
    let r = &d.request;
    let mut out = std::io::stdout().lock();
    let line =
        |v: &Option<String>| v.as_deref().map(|s| escape_line(s).into_owned()).unwrap_or_else(|| "-".into());
    let _ =
        writeln!(out, "{}  {} ({})  {}  {}", r.reference, r.kind, r.kind.article(), r.status, r.jurisdiction);
    if let Some(e) = &r.external_id {
        let _ = writeln!(out, "external id     {}", escape_line(e));
    }
    let _ = writeln!(out, "requester       {}", line(&r.requester_name));
    let _ = writeln!(out, "e-mail          {}", line(&r.requester_email));
    let _ = writeln!(
        out,
        "personal number {}",
        r.requester_personal_number
            .as_deref()
            .map(|p| escape_line(&mask_personal_number(p)).into_owned())
            .unwrap_or_else(|| "-".into())
    );
    let _ = writeln!(out, "address         {}", line(&r.requester_address));
    let _ = writeln!(out, "phone           {}", line(&r.requester_phone));
    let _ = writeln!(
        out,
        "channel         {}   language {}",
        r.channel.map(|c| c.as_str()).unwrap_or("-"),
        r.language.as_deref().unwrap_or("-")
    );
    let _ = writeln!(out, "assignee        {}", line(&r.assignee));
    match &d.verification {
        Some(v) => {
            let _ = writeln!(
                out,
                "identity        verified {} by {} ({}{}): {}",
                v.verified_at.format("%Y-%m-%d"),
                escape_line(&v.verified_by),
                v.method,
                v.transaction_reference
                    .as_deref()
                    .map(|t| format!(", {}", escape_line(t)))
                    .unwrap_or_default(),
                escape_line(&v.evidence)
            );
        }
        None => {
            let _ = writeln!(out, "identity        NOT VERIFIED: nothing with personal data may leave yet");
        }
    }
    let _ = writeln!(
        out,
        "subject         {}",
        if d.linked_persons.is_empty() {
            format!("not linked to the ledger (dsrdesk link {})", r.reference)
        } else {
            format!(
                "ledger person {}",
                d.linked_persons.iter().map(|p| escape_line(p)).collect::<Vec<_>>().join(", ")
            )
        }
    );
    if let Some(f) = &d.follow_up {
        let _ = writeln!(
            out,
            "follow-up       {}",
            match f.due_on {
                Some(day) => format!("erasure of what was kept, on {day}"),
                None => "re-examined daily while a hold lasts until an event".to_string(),
            }
        );
    }
    if d.open_recipient_tasks > 0 {
        let _ = writeln!(
            out,
            "Art. 19         {} recipient(s) still to tell (dsrdesk tasks {})",
            d.open_recipient_tasks, r.reference
        );
    }
    for m in &d.outbox {
        let flag = if m.state.needs_attention() {
            "  <- needs you: dsrdesk outbox resolve / list --failed"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "reply           outbox {} {} ({} attempt(s)) {}: {}{}{}",
            m.id,
            m.state,
            m.attempts,
            m.purpose,
            escape_line(&m.subject),
            match (&m.smtp_reply, &m.last_error) {
                (Some(reply), _) => format!(" [server: {}]", escape_line(reply)),
                (None, Some(e)) => format!(" [{}]", escape_line(e)),
                (None, None) => String::new(),
            },
            flag
        );
    }
    let _ = writeln!(out, "\nDeadline");
    let b = &d.deadline;
    let _ = writeln!(
        out,
        "  received        {} ({})",
        b.received_on,
        r.jurisdiction.local_time_text(r.received_at)
    );
    let _ = writeln!(out, "  first month     {}", b.first_month_ends_on);
    let _ = writeln!(
        out,
        "  legal due       {}{}",
        b.due_on,
        b.rolled_from.map(|f| format!(" (moved from {f}: weekend or holiday)")).unwrap_or_default()
    );
    let _ = writeln!(out, "  internal target {}", b.internal_due_on);
    if let (Some(on), Some(reason)) = (r.extended_on, &r.extension_reason) {
        let _ = writeln!(out, "  extended        on {on}: {}", escape_line(reason));
    }
    if r.paused_days > 0 {
        let _ = writeln!(out, "  paused days     {}", r.paused_days);
    }
    if let Some(since) = r.paused_since {
        let _ = writeln!(out, "  PAUSED          since {since}: {}", line(&r.pause_reason));
    }
    if r.status.is_open() {
        let urgency = if r.paused_since.is_some() {
            "paused".to_string()
        } else {
            deadline::countdown_label(d.days_left)
        };
        let _ = writeln!(out, "  countdown       {urgency} (due {})", d.effective_due_on);
    }
    let _ = writeln!(out, "\nRequest text\n{}", indent(&escape_multiline(&r.body)));
    let _ = writeln!(out, "\nHistory");
    for e in &d.events {
        let who = match &e.actor_client {
            Some(c) => format!("{}@{}", escape_line(&e.actor), escape_line(c)),
            None => escape_line(&e.actor).into_owned(),
        };
        let details = if e.details.as_object().is_some_and(|o| o.is_empty()) {
            String::new()
        } else {
            escape_line(&e.details.to_string()).into_owned()
        };
        let _ = writeln!(
            out,
            "  {}  {:<14} {:<18} {}",
            r.jurisdiction.local_time_text(e.effective_at),
            e.action,
            who,
            details
        );
    }
}

pub(super) fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
}

pub(super) fn print_deadline(calendar: &WorkingCalendar, b: &deadline::DeadlineBreakdown) {
    outln!("received on        {}", b.received_on);
    outln!("first month ends   {}", b.first_month_ends_on);
    match b.rolled_from {
        Some(from) => {
            let why = calendar
                .holiday_on(from)
                .map(|h| h.english_name().to_string())
                .unwrap_or_else(|| from.format("%A").to_string());
            outln!("legal due date     {} (period ends {from}, {why}: next working day)", b.due_on);
        }
        None => outln!("legal due date     {}", b.due_on),
    }
    outln!("internal target    {}", b.internal_due_on);
    if b.extended {
        outln!("extended           yes (three months after receipt)");
    }
    if b.paused_days > 0 {
        outln!("paused days        {}", b.paused_days);
    }
}

pub fn print_overview(o: &Overview) {
    let mut out = std::io::stdout().lock();
    let today: Vec<String> = o.today.iter().map(|(j, d)| format!("{j} {d}")).collect();
    let _ = writeln!(out, "Open requests: {}   (today: {})", o.counts.total, today.join(", "));
    let header = format!("{:<16}", "");
    let _ = write!(out, "{header}");
    for u in Urgency::ALL {
        let _ = write!(out, "{:>10}", u.label());
    }
    let _ = writeln!(out, "{:>10}{:>8}", "paused", "total");
    let row = |out: &mut std::io::StdoutLock, name: &str, c: &crate::service::UrgencyCounts| {
        let _ = write!(out, "{:<16}", name);
        for u in Urgency::ALL {
            let _ = write!(out, "{:>10}", c.get(u));
        }
        let _ = writeln!(out, "{:>10}{:>8}", c.paused, c.total);
    };
    row(&mut out, "all", &o.counts);
    let _ = writeln!(out, "by kind");
    for (kind, c) in &o.by_kind {
        row(&mut out, &format!("  {kind}"), c);
    }
    let _ = writeln!(out, "by assignee");
    for (who, c) in &o.by_assignee {
        let name = if who.is_empty() { "unassigned".to_string() } else { escape_line(who).into_owned() };
        row(&mut out, &format!("  {name}"), c);
    }
}
