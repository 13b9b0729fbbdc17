//! The screens about a request's subject: the frame they share and the identity panel.

use super::*;

pub fn draw_subject(frame: &mut Frame, app: &App, screen: SubjectScreen, area: Rect) {
    let s = &app.subject;
    let Some(data) = s.load.data.as_deref() else {
        let text = match &s.load.error {
            Some(e) => format!(" {}", escape_line(&e.message)),
            None => " Loading …".into(),
        };
        frame.render_widget(Paragraph::new(text), area);
        return;
    };
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    frame.render_widget(Paragraph::new(header_line(app, data, area.width)), head);
    match screen {
        SubjectScreen::Identity => draw_identity(frame, app, data, body),
        SubjectScreen::Erasure => draw_erasure(frame, app, data, body),
        SubjectScreen::Rectify => draw_rectify(frame, app, data, body),
        SubjectScreen::Tasks => draw_tasks(frame, app, data, body),
    }
}

/// " DSR-2026-000001 · erasure · in progress · SE · ✗ identity not verified"
pub(super) fn header_line(app: &App, d: &SubjectData, width: u16) -> Line<'static> {
    let theme = &app.settings.theme;
    let r = &d.detail.request;
    let wide = width >= WIDE;
    let kind = if wide { format!("{} ({})", r.kind, r.kind.article()) } else { r.kind.to_string() };
    let (verified, style) = match &d.detail.verification {
        Some(v) if wide => (
            format!(
                "✓ identity verified ({}, {})",
                escape_line(&v.method),
                r.jurisdiction.local_date(v.verified_at)
            ),
            theme.ok,
        ),
        Some(_) => ("✓ identity verified".to_string(), theme.ok),
        None => ("✗ identity not verified".to_string(), theme.error),
    };
    Line::from(vec![
        Span::styled(format!(" {} ", r.reference), theme.title),
        Span::raw(format!("· {kind} · {} · {} · ", status_label(r.status), r.jurisdiction)),
        Span::styled(verified, style),
    ])
}

/// A section: a rule with its title, the content beneath.
pub(super) fn rule<'a>(theme: &Theme, title: impl Into<Line<'a>>) -> Block<'a> {
    Block::new().borders(Borders::TOP).border_style(theme.border).title(title).title_style(theme.title)
}

pub(super) fn key(app: &App, context: Context, action: &Action) -> String {
    app.keymap().hint(context, action)
}

/// What a subject screen reads from the ledger, once it is there; until then (or when it failed,
/// or no person is linked yet) the message to show instead is drawn and `None` returned.
pub(super) fn loaded_or_message<'a, T>(
    frame: &mut Frame,
    theme: &Theme,
    area: Rect,
    loaded: &'a Option<Result<T, Failure>>,
    linked: usize,
    failed: &str,
    identity_key: &str,
) -> Option<&'a T> {
    let text = match loaded {
        Some(Ok(value)) => return Some(value),
        Some(Err(_)) if linked == 0 => format!(
            "No ledger person is linked to this request yet: link the subject on the identity panel ({identity_key})."
        ),
        Some(Err(e)) => format!("{failed}: {}", e.message),
        None => "Loading …".to_string(),
    };
    message(frame, theme, area, &text);
    None
}

pub(super) fn message(frame: &mut Frame, theme: &Theme, area: Rect, text: &str) {
    let lines: Vec<Line> = wrap(text, area.width.saturating_sub(2) as usize, area.height.max(1) as usize)
        .into_iter()
        .map(|l| Line::from(Span::styled(format!(" {l}"), theme.dim)))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

pub(super) fn dash(v: Option<&str>) -> String {
    v.map(|s| escape_line(s).into_owned()).unwrap_or_else(|| "—".into())
}

pub(super) fn masked(v: Option<&str>) -> String {
    v.map(|s| escape_line(&mask_personal_number(s)).into_owned()).unwrap_or_else(|| "—".into())
}

// ---- the identity panel ----

pub(super) fn field_mark(theme: &Theme, m: FieldMatch) -> Span<'static> {
    match m {
        FieldMatch::Same => Span::styled("= same", theme.ok),
        FieldMatch::Different => Span::styled("≠ differs", theme.error),
        FieldMatch::Unknown => Span::styled("? unknown", theme.dim),
    }
}

pub(super) fn draw_identity(frame: &mut Frame, app: &App, d: &SubjectData, area: Rect) {
    let theme = &app.settings.theme;
    let width = area.width as usize;
    let wide = area.width >= WIDE;
    let r = &d.detail.request;
    let view = match &d.view {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            message(frame, theme, area, &format!("The ledger could not be read: {}", e.message));
            return;
        }
        None => {
            message(frame, theme, area, "Loading …");
            return;
        }
    };

    // Art. 12(5): repeated access requests are a warning with the history, never a block.
    let mut warning: Vec<Line> = vec![];
    if r.kind == RequestKind::Access {
        let earlier = &view.earlier_access_requests;
        if earlier.is_empty() {
            warning.push(Line::from(Span::styled(
                fit(" Art. 12(5): no earlier access request from this subject within 12 months.", width),
                theme.dim,
            )));
        } else {
            let list = earlier
                .iter()
                .map(|e| {
                    format!(
                        "{} ({}, {})",
                        escape_line(&e.reference),
                        e.received_on,
                        escape_line(&e.status.replace('_', " "))
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let text = format!(
                "⚠ Art. 12(5): {} earlier access request(s) from this subject within 12 months: {list}. A warning, not a block: judge whether this one is manifestly unfounded or excessive.",
                earlier.len()
            );
            for l in wrap(&text, width.saturating_sub(2), 3) {
                warning.push(Line::from(Span::styled(format!(" {l}"), theme.conflict)));
            }
        }
    }

    let candidates = &view.candidates;
    let list_rows = candidates.len().clamp(1, if wide { 10 } else { 4 });
    let [warn_area, list_area, cmp_area, ver_area] = Layout::vertical([
        Constraint::Length(warning.len() as u16),
        Constraint::Length(list_rows as u16 + 2),
        Constraint::Length(8),
        Constraint::Fill(1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(warning), warn_area);

    // The ledger persons who may be the requester.
    let selected = app.subject.selected.min(candidates.len().saturating_sub(1));
    let mut lines: Vec<Line> = vec![];
    let name_w = if wide { 28 } else { 18 };
    if candidates.is_empty() {
        lines.push(Line::from(Span::styled(
            " No ledger person matches the requester's personal number, e-mail or name.",
            theme.dim,
        )));
    } else {
        let mut header = format!("  {:<5}{}{:<15}", "no.", fit("name", name_w + 1), "pers. no.");
        if wide {
            header.push_str(&format!("{:<11}{}", "role", fit("e-mail", 31)));
        }
        header.push_str(&format!("{:<10}matched on", "link"));
        lines.push(Line::from(Span::styled(fit(&header, width), theme.label)));
        let start = selected.saturating_sub(list_rows - 1);
        for (i, c) in candidates.iter().enumerate().skip(start).take(list_rows) {
            let mark = if i == selected { "›" } else { " " };
            let mut text = format!(
                "{mark} {} {} {} ",
                fit(&escape_line(&c.person_id), 4),
                fit(&dash(c.name.as_deref()), name_w),
                fit(&masked(c.personal_number.as_deref()), 14)
            );
            if wide {
                text.push_str(&format!(
                    "{} {} ",
                    fit(&dash(c.role.as_deref()), 10),
                    fit(&dash(c.email.as_deref()), 30)
                ));
            }
            text.push_str(if c.linked { "✓ linked  " } else { "          " });
            let reasons: Vec<&str> = c
                .reasons
                .iter()
                .map(|r| if !wide && r == "personal_number" { "number" } else { reason_label(r) })
                .collect();
            text.push_str(&if reasons.is_empty() { "—".to_string() } else { reasons.join(", ") });
            let style = if i == selected { theme.selected } else { Style::new() };
            lines.push(Line::from(Span::styled(fit(&text, width), style)));
        }
    }
    let title = format!(" Ledger persons who may be the requester ({}) ", candidates.len());
    frame.render_widget(Paragraph::new(lines).block(rule(theme, title)), list_area);

    // The requester's claimed details beside the selected person's, field by field.
    let chosen = candidates.get(selected);
    let lw = 10;
    let mark_w = 10;
    let col = width.saturating_sub(lw + mark_w + 2) / 2;
    let ledger_title =
        chosen.map(|c| format!("ledger person {}", escape_line(&c.person_id))).unwrap_or_default();
    let mut lines = vec![Line::from(Span::styled(
        format!("{}{} {}", fit("", lw), fit("requester (claimed)", col), fit(&ledger_title, col)),
        theme.label,
    ))];
    let rows: [(&str, String, Option<String>, Option<FieldMatch>); 5] = [
        (
            "pers. no.",
            masked(r.requester_personal_number.as_deref()),
            chosen.map(|c| masked(c.personal_number.as_deref())),
            chosen.map(|c| c.comparison.personal_number),
        ),
        (
            "name",
            dash(r.requester_name.as_deref()),
            chosen.map(|c| dash(c.name.as_deref())),
            chosen.map(|c| c.comparison.name),
        ),
        (
            "e-mail",
            dash(r.requester_email.as_deref()),
            chosen.map(|c| dash(c.email.as_deref())),
            chosen.map(|c| c.comparison.email),
        ),
        (
            "address",
            dash(r.requester_address.as_deref()),
            chosen.map(|c| dash(c.address.as_deref())),
            chosen.map(|c| c.comparison.address),
        ),
        (
            "phone",
            dash(r.requester_phone.as_deref()),
            chosen.map(|c| dash(c.phone.as_deref())),
            chosen.map(|c| c.comparison.phone),
        ),
    ];
    for (label, claimed, ledger, m) in rows {
        let mut spans = vec![
            Span::styled(fit(label, lw), theme.label),
            Span::raw(format!("{} ", fit(&claimed, col))),
            Span::raw(format!("{} ", fit(ledger.as_deref().unwrap_or(""), col))),
        ];
        if let Some(m) = m {
            spans.push(field_mark(theme, m));
        }
        lines.push(Line::from(spans));
    }
    if let Some(c) = chosen {
        let mut spans = vec![Span::styled(fit("", lw), theme.label)];
        if c.linked {
            spans.push(Span::styled("✓ linked", theme.ok));
        } else {
            spans.push(Span::raw("not linked"));
        }
        if c.comparison.is_certain() {
            spans.push(Span::raw(" · the same personal identity number: a certain match"));
        } else {
            spans.push(Span::styled(" · not a certain match: only your choice links it", theme.dim));
        }
        lines.push(Line::from(spans));
    }
    let title = match chosen {
        Some(c) => format!(" Requester beside ledger person {} ", escape_line(&c.person_id)),
        None => " Requester ".to_string(),
    };
    frame.render_widget(Paragraph::new(lines).block(rule(theme, title)), cmp_area);

    // The verification state.
    let mut lines: Vec<Line> = vec![];
    match &d.detail.verification {
        Some(v) => {
            let mut first = format!(
                "✓ verified {} by {} · {}",
                local_time(r.jurisdiction, v.verified_at),
                escape_line(&v.verified_by),
                escape_line(&v.method)
            );
            if let Some(t) = &v.transaction_reference {
                first.push_str(&format!(" · transaction {}", escape_line(t)));
            }
            match v.number_matches {
                Some(true) => first.push_str(" · the e-ID returned the requester's number"),
                Some(false) => first.push_str(" · the e-ID returned another number"),
                None => {}
            }
            for l in wrap(&first, width.saturating_sub(1), 2) {
                lines.push(Line::from(Span::styled(format!(" {l}"), theme.ok)));
            }
            for l in wrap(&format!("evidence: “{}”", escape_line(&v.evidence)), width.saturating_sub(1), 2)
            {
                lines.push(Line::from(format!(" {l}")));
            }
        }
        None => {
            lines.push(Line::from(Span::styled(
                fit(" ✗ not verified: no answer, erasure or rectification before it.", width),
                theme.error,
            )));
            if !app.settings.read_only {
                let v = key(app, Context::Identity, &Action::Verify);
                lines.push(Line::from(fit(
                    &format!(" {v} records how: BankID, FTN, e-mail, letter or an ID document."),
                    width,
                )));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines).block(rule(theme, " Verification (Art. 12(6)) ")), ver_area);
}
