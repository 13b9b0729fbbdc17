//! The request screen: the request, its history and its replies.

use super::*;
use crate::tui::words::event_sentence;

// ---- request detail ----

/// A labelled line, the value cut with "…" to `width` (label included).
pub(super) fn field(
    theme: &Theme,
    label: &str,
    value: impl AsRef<str>,
    label_width: usize,
    width: usize,
) -> Line<'static> {
    let value = fit(value.as_ref(), width.saturating_sub(label_width)).trim_end().to_string();
    Line::from(vec![Span::styled(fit(label, label_width), theme.label), Span::raw(value)])
}

pub(super) fn draw_detail(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.settings.theme;
    let d = &app.detail;
    let Some(detail) = &d.load.data else {
        let text = match &d.load.error {
            Some(e) => format!(" {}", escape_line(&e.message)),
            None => " Loading …".into(),
        };
        frame.render_widget(Paragraph::new(text), area);
        return;
    };
    let RequestDetail { request: r, deadline: b, effective_due_on, days_left, events, .. } = detail.as_ref();
    let [summary_area, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let half = (area.width as usize).saturating_sub(2) / 2;

    // The summary line.
    let wide = area.width >= WIDE;
    let assignee = match (r.assignee.as_deref(), wide) {
        (Some(a), true) if a == app.operator().user => format!("claimed by {} (you)", escape_line(a)),
        (Some(a), true) => format!("claimed by {}", escape_line(a)),
        (Some(a), false) => escape_line(a).into_owned(),
        (None, _) => "unclaimed".into(),
    };
    let kind = if wide { format!("{} ({})", r.kind, r.kind.article()) } else { r.kind.to_string() };
    let countdown = if !r.status.is_open() {
        "closed".to_string()
    } else if r.paused_since.is_some() {
        "clock paused".to_string()
    } else {
        countdown_label(*days_left)
    };
    let urgency = (r.status.is_open() && r.paused_since.is_none()).then(|| Urgency::of(*days_left));
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!(" {} ", r.reference), theme.title),
            Span::raw(format!("· {kind} · {} · {} · {assignee} · ", status_label(r.status), r.jurisdiction)),
            Span::styled(countdown, theme.urgency(urgency)),
        ])),
        summary_area,
    );

    let lw = 10;
    let opt =
        |v: &Option<String>| v.as_deref().map(|s| escape_line(s).into_owned()).unwrap_or_else(|| "—".into());
    let channel = format!(
        "{} · language {}",
        r.channel.map(|c| c.as_str()).unwrap_or("—"),
        r.language.as_deref().map(escape_line).unwrap_or_else(|| "—".into())
    );
    let requester = vec![
        field(theme, "name", opt(&r.requester_name), lw, half),
        field(theme, "e-mail", opt(&r.requester_email), lw, half),
        field(
            theme,
            "pers. no.",
            r.requester_personal_number
                .as_deref()
                .map(|p| escape_line(&mask_personal_number(p)).into_owned())
                .unwrap_or_else(|| "—".into()),
            lw,
            half,
        ),
        field(theme, "address", opt(&r.requester_address), lw, half),
        field(theme, "phone", opt(&r.requester_phone), lw, half),
        field(theme, "channel", channel, lw, half),
    ];
    let top_rule = |title: &'static str| {
        Block::new().borders(Borders::TOP).border_style(theme.border).title(title).title_style(theme.title)
    };

    // The calendar of the controller as configured (eves as holidays or not) names the day.
    let calendar = app.settings.config.calendar(r.jurisdiction);
    let note = |short: &str, long: &str| if wide { long.to_string() } else { short.to_string() };
    let mut deadline = vec![
        field(
            theme,
            "received",
            format!(
                "{}{}",
                local_time(r.jurisdiction, r.received_at),
                note(" (day 0)", " (day 0: not counted)")
            ),
            lw,
            half,
        ),
        field(
            theme,
            "extend by",
            format!("{}{}", b.first_month_ends_on, note("", " (the first month ends: last day to extend)")),
            lw,
            half,
        ),
    ];
    let rolled = b.rolled_from.map(|from| {
        let why = calendar
            .holiday_on(from)
            .map(|h| h.english_name().to_string())
            .unwrap_or_else(|| from.format("%A").to_string());
        (from, why)
    });
    let mut due = vec![
        Span::styled(fit("legal due", lw), theme.label),
        Span::styled(b.due_on.to_string(), theme.title),
    ];
    match &rolled {
        Some((from, why)) if wide => {
            due.push(Span::raw(format!(" (the period ends {from}, {why}: the next working day)")))
        }
        _ => {}
    }
    deadline.push(Line::from(due));
    if let (Some((from, why)), false) = (&rolled, wide) {
        deadline.push(field(theme, "", format!("({} is {why})", from.format("%m-%d")), lw, half));
    }
    deadline.push(field(
        theme,
        "internal",
        format!(
            "{}{}",
            b.internal_due_on,
            note(" (target)", " (the agency's target; never moves the legal date)")
        ),
        lw,
        half,
    ));
    deadline.push(match (&r.extended_on, &r.extension_reason) {
        (Some(on), reason) => field(
            theme,
            "extended",
            format!("{on}: {}", reason.as_deref().map(escape_line).unwrap_or_default()),
            lw,
            half,
        ),
        (None, _) => field(theme, "extended", "no", lw, half),
    });
    deadline.push(match r.paused_since {
        Some(since) => field(
            theme,
            "paused",
            format!("since {since}: {}", r.pause_reason.as_deref().map(escape_line).unwrap_or_default()),
            lw,
            half,
        ),
        None if b.paused_days > 0 => {
            field(theme, "paused", format!("{} day(s), resumed (in the due date)", b.paused_days), lw, half)
        }
        None => field(theme, "paused", "no", lw, half),
    });
    if r.paused_since.is_some() {
        deadline.push(field(
            theme,
            "if today",
            format!("due {effective_due_on} if it arrived today"),
            lw,
            half,
        ));
    }
    let box_height = requester.len().max(deadline.len()) as u16 + 1;
    let [boxes_area, lower_area] =
        Layout::vertical([Constraint::Length(box_height), Constraint::Fill(1)]).areas(rest);
    let [left, right] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).spacing(2).areas(boxes_area);
    frame.render_widget(Paragraph::new(requester).block(top_rule(" Requester ")), left);
    frame.render_widget(Paragraph::new(deadline).block(top_rule(" Deadline (Art. 12(3)) ")), right);

    // Request text and history, scrolled together.
    let mut lines: Vec<Line> = vec![Line::from(Span::styled("Request text", theme.heading))];
    let body = escape_multiline(&r.body).replace('\t', "    ");
    if body.trim().is_empty() {
        lines.push(Line::from(Span::styled("(empty)", theme.dim)));
    }
    for l in body.lines() {
        lines.push(Line::from(format!("  {l}")));
    }
    lines.push(Line::from(""));
    if !d.messages.is_empty() {
        lines.extend(conversation_lines(app, detail, &d.messages));
        lines.push(Line::from(""));
    }
    if !detail.outbox.is_empty() {
        // A reply that failed or whose delivery is uncertain needs the operator: it stands out.
        use crate::store::outbox::OutboxState;
        lines.push(Line::from(Span::styled("Replies", theme.heading)));
        for m in &detail.outbox {
            let (state, style) = match m.state {
                // The evidence it went: the SMTP server's reply with its queue id (migration 0020).
                OutboxState::Sent => (
                    format!(
                        "sent {}{}",
                        m.sent_at.map(|t| local_time(r.jurisdiction, t)).unwrap_or_default(),
                        m.smtp_reply
                            .as_deref()
                            .map(|s| format!(" — server: {}", escape_line(s)))
                            .unwrap_or_default()
                    ),
                    theme.ok,
                ),
                OutboxState::Failed => (
                    format!(
                        "FAILED: {} — resend with `dsrdesk outbox resolve {} --resend`",
                        m.last_error.as_deref().map(escape_line).unwrap_or_default(),
                        m.id
                    ),
                    theme.error,
                ),
                OutboxState::Uncertain => (
                    format!(
                        "UNCERTAIN whether it arrived — check, then `dsrdesk outbox resolve {} --sent` or `--resend`",
                        m.id
                    ),
                    theme.conflict,
                ),
                OutboxState::Retry => (
                    format!(
                        "retry {} after attempt {}: {}",
                        local_time(r.jurisdiction, m.next_attempt_at),
                        m.attempts,
                        m.last_error.as_deref().map(escape_line).unwrap_or_default()
                    ),
                    theme.soon,
                ),
                other => (other.as_str().to_string(), theme.dim),
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  #{} {} → {} · ", m.id, escape_line(&m.purpose), escape_line(&m.to_address)),
                    theme.label,
                ),
                Span::styled(state, style),
            ]));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(format!("History ({} events)", events.len()), theme.heading)));
    for e in events {
        let who = match &e.actor_client {
            Some(c) => format!("{}@{}", escape_line(&e.actor), escape_line(c)),
            None => escape_line(&e.actor).into_owned(),
        };
        if app.detail.raw_history {
            // The stored event as it is: its action and every detail (H toggles back).
            let details = e
                .details
                .as_object()
                .map(|o| {
                    o.iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, v)| match v.as_str() {
                            Some(s) => format!("{k}: {s}"),
                            None => format!("{k}: {v}"),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            lines.push(Line::from(vec![
                Span::styled(format!("  {} ", local_time(r.jurisdiction, e.effective_at)), theme.label),
                // Long action names (identity_verified) keep a space before the actor.
                Span::styled(format!("{:<14} ", escape_line(&e.action)), theme.title),
                Span::raw(format!("{who}  ")),
                Span::styled(escape_line(&details).into_owned(), theme.dim),
            ]));
        } else {
            lines.push(Line::from(vec![
                Span::styled(format!("  {} ", local_time(r.jurisdiction, e.effective_at)), theme.label),
                Span::styled(format!("{who:<10} "), theme.title),
                Span::raw(event_sentence(&e.action, &e.details)),
            ]));
        }
    }
    let raw = app.keymap().hint(Context::Detail, &Action::RawHistory);
    let times = if app.detail.raw_history {
        format!("times are local to the controller · {raw} history in words")
    } else {
        format!("times are local to the controller · {raw} raw details")
    };
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((d.scroll, 0)).block(
            Block::bordered()
                .border_style(theme.border)
                .title_bottom(format!(" {times} "))
                .title(Line::from(Span::styled(
                    format!(" {} · version {} ", r.reference, r.version),
                    theme.title,
                )))
                .title_top(
                    subject_keys(app, r.kind, lower_area.width.saturating_sub(34) as usize).right_aligned(),
                ),
        ),
        lower_area,
    );
}

/// The request's mail in and out as one conversation, by time (issue 16): each message in with
/// its first lines and its attachments (never opened), each reply out with its subject. A message
/// that arrived while the clock was paused says so: resuming takes its arrival (Art. 12(6)).
fn conversation_lines(
    app: &App,
    detail: &RequestDetail,
    messages: &[crate::service::inbox::ConversationMessage],
) -> Vec<Line<'static>> {
    let theme = &app.settings.theme;
    let r = &detail.request;
    enum Entry<'a> {
        In(&'a crate::service::inbox::ConversationMessage),
        Out(&'a crate::store::outbox::OutboxSummary),
    }
    let mut entries: Vec<(DateTime<Utc>, Entry)> =
        messages.iter().map(|m| (m.message.received_at, Entry::In(m))).collect();
    entries.extend(detail.outbox.iter().map(|o| (o.sent_at.unwrap_or(o.queued_at), Entry::Out(o))));
    entries.sort_by_key(|(at, _)| *at);
    let mut lines = vec![Line::from(Span::styled(
        format!("Conversation ({} in, {} out)", messages.len(), detail.outbox.len()),
        theme.heading,
    ))];
    for (at, entry) in entries {
        let when = local_time(r.jurisdiction, at);
        match entry {
            Entry::In(c) => {
                let m = &c.message;
                let from = m.from_address.as_deref().map(escape_line).unwrap_or_else(|| "(no sender)".into());
                let subject = m.subject.as_deref().map(escape_line).unwrap_or_else(|| "(no subject)".into());
                lines.push(Line::from(vec![
                    Span::styled(format!("  ← {when} "), theme.label),
                    Span::styled(format!("from {from}"), theme.title),
                    Span::raw(format!(" · {subject} · message {}", m.id)),
                ]));
                if r.paused_since.is_some_and(|since| m.received_on >= since) {
                    lines.push(Line::from(Span::styled(
                        "    information arrived: resuming takes this arrival as the resume time (Art. 12(6))",
                        theme.soon,
                    )));
                }
                let text = escape_multiline(&m.body_text).replace('\t', "    ");
                for l in text
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .take(crate::tui::app::CONVERSATION_TEXT_LINES)
                {
                    lines.push(Line::from(format!("    {l}")));
                }
                for a in &c.attachments {
                    lines.push(Line::from(Span::styled(
                        format!(
                            "    attached: {} ({}, {} bytes; not opened)",
                            escape_line(&a.file_name),
                            escape_line(&a.content_type),
                            a.size
                        ),
                        theme.dim,
                    )));
                }
            }
            Entry::Out(o) => lines.push(Line::from(vec![
                Span::styled(format!("  → {when} "), theme.label),
                Span::styled(format!("to {}", escape_line(&o.to_address)), theme.title),
                Span::raw(format!(" · {} · {}", escape_line(&o.subject), o.state.as_str())),
            ])),
        }
    }
    lines
}
