//! Drawing the screens about a request's data subject: the identity panel, the erasure plan,
//! rectification and the Art. 19 tasks. From the state alone, like [`super::view`]; every string
//! from the requests table or the ledger passes through `escape_line` before it reaches a cell, and
//! nothing is said by colour alone (`= same`, `≠ differs`, `[x]`, `✓`, `✗`).

use super::action::{Action, Context};
use super::app::{
    App, SubjectData, SubjectScreen, a_kind, follow_up_text, local_date, reason_label, status_label,
    value_text,
};
use super::theme::Theme;
use super::view::{WIDE, fit, local_time, wrap};
use crate::domain::RequestKind;
use crate::domain::holds::HoldKind;
use crate::domain::identity::mask_personal_number;
use crate::domain::matching::FieldMatch;
use crate::domain::plan::{EraseMethod, ErasurePlan, FollowUp, HoldEntry, RowAction};
use crate::domain::text::escape_line;
use crate::tui::action::Failure;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

pub fn draw_subject(frame: &mut Frame, app: &App, screen: SubjectScreen, area: Rect) {
    let s = &app.subject;
    let Some(data) = s.data.as_deref() else {
        let text = match &s.error {
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
fn header_line(app: &App, d: &SubjectData, width: u16) -> Line<'static> {
    let theme = &app.settings.theme;
    let r = &d.detail.request;
    let wide = width >= WIDE;
    let kind = if wide { format!("{} ({})", r.kind, r.kind.article()) } else { r.kind.to_string() };
    let (verified, style) = match &d.detail.verification {
        Some(v) if wide => (
            format!(
                "✓ identity verified ({}, {})",
                escape_line(&v.method),
                local_date(r.jurisdiction, v.verified_at)
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
fn rule<'a>(theme: &Theme, title: impl Into<Line<'a>>) -> Block<'a> {
    Block::new().borders(Borders::TOP).border_style(theme.border).title(title).title_style(theme.title)
}

fn key(app: &App, context: Context, action: &Action) -> String {
    app.keymap().hint(context, action)
}

/// What a subject screen reads from the ledger, once it is there; until then (or when it failed,
/// or no person is linked yet) the message to show instead is drawn and `None` returned.
fn loaded_or_message<'a, T>(
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

fn message(frame: &mut Frame, theme: &Theme, area: Rect, text: &str) {
    let lines: Vec<Line> = wrap(text, area.width.saturating_sub(2) as usize, area.height.max(1) as usize)
        .into_iter()
        .map(|l| Line::from(Span::styled(format!(" {l}"), theme.dim)))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn dash(v: Option<&str>) -> String {
    v.map(|s| escape_line(s).into_owned()).unwrap_or_else(|| "—".into())
}

fn masked(v: Option<&str>) -> String {
    v.map(|s| escape_line(&mask_personal_number(s)).into_owned()).unwrap_or_else(|| "—".into())
}

// ---- the identity panel ----

fn field_mark(theme: &Theme, m: FieldMatch) -> Span<'static> {
    match m {
        FieldMatch::Same => Span::styled("= same", theme.ok),
        FieldMatch::Different => Span::styled("≠ differs", theme.error),
        FieldMatch::Unknown => Span::styled("? unknown", theme.dim),
    }
}

fn draw_identity(frame: &mut Frame, app: &App, d: &SubjectData, area: Rect) {
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

// ---- the erasure plan ----

fn method_word(m: EraseMethod) -> &'static str {
    match m {
        EraseMethod::Delete => "deleted",
        EraseMethod::Anonymise => "anonymised",
        EraseMethod::Restrict => "restricted: it cannot be erased from here",
    }
}

/// How long one hold lasts, in words.
fn hold_until(h: &HoldEntry) -> String {
    match (h.held_until, h.kind) {
        (Some(d), _) => format!("held until {d}"),
        (None, HoldKind::OpenClaim) => "until paid".into(),
        (None, HoldKind::EnforcementOrLitigation) => "until the proceedings end".into(),
        (None, HoldKind::ProcessorRole) => "until the client decides".into(),
        (None, _) => "until an event".into(),
    }
}

/// The plan, source by source: what is erased now, what is kept (each hold with its article, its
/// rule and how long it lasts), what is forwarded. Wrapped to `width`, so the line count is exact.
pub fn erasure_plan_lines(
    app: &App,
    d: &SubjectData,
    plan: &ErasurePlan,
    width: usize,
) -> Vec<Line<'static>> {
    let theme = &app.settings.theme;
    let names: Vec<(String, Option<String>)> = match &d.view {
        Some(Ok(v)) => v.candidates.iter().map(|c| (c.person_id.clone(), c.name.clone())).collect(),
        _ => vec![],
    };
    let mut lines = vec![];
    if plan.sources.is_empty() {
        lines.push(Line::from(Span::styled(" Nothing of the linked person's is in the ledger.", theme.dim)));
    }
    let indent = 14;
    for sp in &plan.sources {
        let name = names
            .iter()
            .find(|(id, _)| *id == sp.person_id)
            .and_then(|(_, n)| n.as_deref())
            .map(|n| format!(" ({})", escape_line(n)))
            .unwrap_or_default();
        let heading =
            format!(" {} · ledger person {}{name}", escape_line(&sp.title), escape_line(&sp.person_id));
        lines.push(Line::from(Span::styled(fit(&heading, width), theme.title)));
        for g in sp.groups() {
            let rows = if g.rows == 1 { "1 row".to_string() } else { format!("{} rows", g.rows) };
            let (verb, style, what) = match &g.action {
                RowAction::Erase { method } => {
                    ("erase", theme.overdue, format!("{rows} · {}", method_word(*method)))
                }
                RowAction::Keep { erasable_from, .. } => (
                    "keep",
                    theme.title,
                    match erasable_from {
                        Some(day) => format!("{rows} · restricted · erasable from {day}"),
                        None => format!("{rows} · restricted · until paid / the proceedings end"),
                    },
                ),
                RowAction::Forward { client } => (
                    "forward",
                    theme.today,
                    format!("{rows} · to {}: held as its processor (Art. 28)", escape_line(client)),
                ),
            };
            let mut first = true;
            for l in wrap(&what, width.saturating_sub(indent), 3) {
                let lead = if first { format!("   {:<11}", verb) } else { " ".repeat(indent) };
                let lead_style = if first { style } else { Style::new() };
                first = false;
                lines.push(Line::from(vec![Span::styled(lead, lead_style), Span::raw(l)]));
            }
            if let RowAction::Keep { holds, .. } = &g.action {
                for h in holds {
                    let text = format!("{} · {} · {}", h.article, h.rule, hold_until(h));
                    for (i, l) in wrap(&text, width.saturating_sub(indent + 2), 4).into_iter().enumerate() {
                        let lead = if i == 0 {
                            format!("{}– ", " ".repeat(indent))
                        } else {
                            " ".repeat(indent + 2)
                        };
                        lines.push(Line::from(vec![Span::raw(lead), Span::styled(l, theme.dim)]));
                    }
                }
            }
        }
    }
    lines
}

/// The erasure screen's lines above the plan and its three areas: what the view draws and what
/// scrolling stops at are worked out the same way.
fn erasure_layout(
    app: &App,
    d: &SubjectData,
    plan: &ErasurePlan,
    area: Rect,
) -> (Vec<Line<'static>>, [Rect; 3]) {
    let theme = &app.settings.theme;
    let width = area.width as usize;
    let r = &d.detail.request;
    let i = key(app, Context::Subject, &Action::GoIdentity);
    let mut top: Vec<Line> = vec![];
    let count =
        |m: EraseMethod| plan.rows().filter(|(_, row)| row.action == RowAction::Erase { method: m }).count();
    let clients = plan.forward_to();
    let forward =
        if clients.is_empty() { "—".to_string() } else { escape_line(&clients.join(", ")).into_owned() };
    let erase = match plan.erase_count() {
        0 => "erase now 0".to_string(),
        n => format!(
            "erase now {n}: {} deleted, {} anonymised",
            count(EraseMethod::Delete),
            count(EraseMethod::Anonymise)
        ),
    };
    let keep = if area.width >= WIDE { " (restricted until their holds lapse)" } else { "" };
    top.push(Line::from(fit(
        &format!(" As of {} · {erase} · keep {}{keep} · forward {forward}", plan.today, plan.keep_count()),
        width,
    )));
    let executed = d.last_erasure();
    let follow_up = match (&d.scheduled, executed) {
        (Some(s), _) => {
            let what = match s.due_on {
                Some(day) => follow_up_text(FollowUp::On(day)),
                None => follow_up_text(FollowUp::WhenEventsAllow),
            };
            let looked = s.last_checked_on.map(|day| format!(" (last looked at {day})")).unwrap_or_default();
            format!(" Scheduled: {what}{looked}")
        }
        (None, Some(_)) => " Follow-up: none — nothing is kept".to_string(),
        (None, None) => format!(" Follow-up: {}", follow_up_text(plan.follow_up())),
    };
    top.push(Line::from(Span::styled(fit(&follow_up, width), theme.title)));
    if let Some(e) = executed {
        let n = |k: &str| e.details[k].as_u64().unwrap_or(0);
        let mut text = format!(
            " ✓ Carried out {} by {}: {} deleted, {} anonymised, {} kept",
            local_time(r.jurisdiction, e.effective_at),
            escape_line(&e.actor),
            n("deleted"),
            n("anonymised"),
            n("kept")
        );
        // Rows of sources that can only be restricted are neither erased nor kept for a hold.
        let restricted_only = n("restricted").saturating_sub(n("kept"));
        if restricted_only > 0 {
            text.push_str(&format!(", {restricted_only} restricted"));
        }
        top.push(Line::from(Span::styled(fit(&text, width), theme.ok)));
    } else if r.identity_verified_at.is_none() {
        top.push(Line::from(Span::styled(
            fit(&format!(" ✗ Identity not verified: nothing is erased before it (Art. 12(6)); verify on the identity panel ({i})."), width),
            theme.error,
        )));
    }

    let tasks = &d.tasks;
    let task_rows = tasks.len().min(task_rows_max(area)) + usize::from(tasks.len() > task_rows_max(area));
    let areas = Layout::vertical([
        Constraint::Length(top.len() as u16),
        Constraint::Fill(1),
        Constraint::Length(if tasks.is_empty() { 0 } else { task_rows as u16 + 1 }),
    ])
    .areas(area);
    (top, areas)
}

/// How far the plan scrolls: until its last line is at the bottom of the box.
pub fn erasure_scroll_max(app: &App) -> usize {
    let Some(d) = app.subject.data.as_deref() else { return 0 };
    let Some(Ok(plan)) = &d.plan else { return 0 };
    // The body of the screen: below the title bar and the request's line, above the status line.
    let (w, h) = app.size;
    let body = Rect::new(0, 2, w, h.saturating_sub(3));
    let (_, [_, plan_area, _]) = erasure_layout(app, d, plan, body);
    let lines = erasure_plan_lines(app, d, plan, plan_area.width.saturating_sub(2) as usize).len();
    lines.saturating_sub(plan_area.height.saturating_sub(2) as usize)
}

fn draw_erasure(frame: &mut Frame, app: &App, d: &SubjectData, area: Rect) {
    let theme = &app.settings.theme;
    let width = area.width as usize;
    let r = &d.detail.request;
    let i = key(app, Context::Subject, &Action::GoIdentity);
    if r.kind != RequestKind::Erasure {
        message(
            frame,
            theme,
            area,
            &format!("{} is {}: an erasure plan is made for erasure requests.", r.reference, a_kind(r.kind)),
        );
        return;
    }
    let Some(plan) =
        loaded_or_message(frame, theme, area, &d.plan, d.linked_count(), "The plan could not be made", &i)
    else {
        return;
    };

    let (top, [top_area, plan_area, tasks_area]) = erasure_layout(app, d, plan, area);
    frame.render_widget(Paragraph::new(top), top_area);

    let inner = plan_area.width.saturating_sub(2) as usize;
    let lines = erasure_plan_lines(app, d, plan, inner);
    let visible = plan_area.height.saturating_sub(2) as usize;
    let scroll = (app.subject.scroll as usize).min(lines.len().saturating_sub(visible));
    let position = if lines.len() > visible {
        format!(" lines {}–{} of {} ", scroll + 1, (scroll + visible).min(lines.len()), lines.len())
    } else {
        String::new()
    };
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll as u16, 0)).block(
            Block::bordered()
                .border_style(theme.border)
                .title(Span::styled(" The plan: every row of the linked persons ", theme.title))
                .title_bottom(Line::from(position).right_aligned()),
        ),
        plan_area,
    );
    if !d.tasks.is_empty() {
        let t = key(app, Context::Subject, &Action::GoTasks);
        let lines = task_summary_lines(app, d, width, task_rows_max(area));
        frame.render_widget(
            Paragraph::new(lines).block(rule(theme, format!(" Art. 19 recipients to tell ({t}: tick off) "))),
            tasks_area,
        );
    }
}

/// How many Art. 19 tasks the erasure and rectification screens list before "… N more".
fn task_rows_max(area: Rect) -> usize {
    if area.height >= 40 { 8 } else { 3 }
}

/// Up to `max` Art. 19 tasks, one line each, and "… N more".
fn task_summary_lines(app: &App, d: &SubjectData, width: usize, max: usize) -> Vec<Line<'static>> {
    let theme = &app.settings.theme;
    let j = d.detail.request.jurisdiction;
    let mut lines: Vec<Line> = d
        .tasks
        .iter()
        .take(max)
        .map(|t| {
            let (mark, when, style) = match t.done_at {
                Some(at) => ("[x]", format!("told {}", local_date(j, at)), theme.dim),
                None => ("[ ]", "not yet told".to_string(), Style::new()),
            };
            let text = format!(
                " {mark} {} · {} of {} · {when}",
                escape_line(&t.recipient),
                escape_line(&t.reason.replace('_', " ")),
                escape_line(&t.sources.join(", "))
            );
            Line::from(Span::styled(fit(&text, width), style))
        })
        .collect();
    if d.tasks.len() > max {
        lines.push(Line::from(Span::styled(format!("     … {} more", d.tasks.len() - max), theme.dim)));
    }
    lines
}

// ---- rectification ----

fn draw_rectify(frame: &mut Frame, app: &App, d: &SubjectData, area: Rect) {
    let theme = &app.settings.theme;
    let width = area.width as usize;
    let wide = area.width >= WIDE;
    let r = &d.detail.request;
    let i = key(app, Context::Subject, &Action::GoIdentity);
    if r.kind != RequestKind::Rectification {
        message(
            frame,
            theme,
            area,
            &format!(
                "{} is {}: fields are rectified on rectification requests.",
                r.reference,
                a_kind(r.kind)
            ),
        );
        return;
    }
    let Some(fields) = loaded_or_message(
        frame,
        theme,
        area,
        &d.fields,
        d.linked_count(),
        "The fields could not be read",
        &i,
    ) else {
        return;
    };

    // What the requester asked for, beside the fields.
    let body = escape_line(&r.body.split_whitespace().collect::<Vec<_>>().join(" ")).into_owned();
    let asked: Vec<Line> = wrap(&format!("Asked: “{body}”"), width.saturating_sub(2), 2)
        .into_iter()
        .map(|l| Line::from(format!(" {l}")))
        .collect();
    let corrections: Vec<&crate::store::requests::EventRecord> =
        d.detail.events.iter().filter(|e| e.action == "rectified").collect();
    let done_rows = if corrections.is_empty() { 0 } else { corrections.len().min(3) + 1 };
    let task_rows = if d.tasks.is_empty() {
        0
    } else {
        d.tasks.len().min(task_rows_max(area)) + usize::from(d.tasks.len() > task_rows_max(area)) + 1
    };
    let [asked_area, fields_area, done_area, tasks_area] = Layout::vertical([
        Constraint::Length(asked.len() as u16),
        Constraint::Fill(1),
        Constraint::Length(done_rows as u16),
        Constraint::Length(task_rows as u16),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(asked), asked_area);

    // The fields the data map lets the DPO correct, with their values now.
    let rows = fields_area.height.saturating_sub(2) as usize;
    let selected = app.subject.selected.min(fields.len().saturating_sub(1));
    let source_w = if wide { 34 } else { 20 };
    let column_w = 14;
    let mut lines = vec![Line::from(Span::styled(
        fit(&format!("  {}{}now", fit("source · row", source_w + 1), fit("field", column_w + 1)), width),
        theme.label,
    ))];
    if fields.is_empty() {
        lines.push(Line::from(Span::styled(
            " The data map allows no field of this subject's to be corrected.",
            theme.dim,
        )));
    }
    let start = selected.saturating_sub(rows.saturating_sub(1));
    for (n, f) in fields.iter().enumerate().skip(start).take(rows.max(1)) {
        let source = if wide { &f.source_title } else { &f.source };
        let text = format!(
            "{} {} {} {}",
            if n == selected { "›" } else { " " },
            fit(&format!("{} · {}", escape_line(source), escape_line(&f.row_id)), source_w),
            fit(&escape_line(&f.column), column_w),
            value_text(&f.current)
        );
        let style = if n == selected { theme.selected } else { Style::new() };
        lines.push(Line::from(Span::styled(fit(&text, width), style)));
    }
    let hint = if app.settings.read_only {
        String::new()
    } else {
        format!(" {}/enter: correct the selected field ", key(app, Context::Rectify, &Action::Correct))
    };
    frame.render_widget(
        Paragraph::new(lines).block(
            rule(theme, format!(" Fields you may correct ({}) ", fields.len()))
                .title_top(Line::from(Span::styled(hint, theme.dim)).right_aligned()),
        ),
        fields_area,
    );

    if !corrections.is_empty() {
        let mut lines: Vec<Line> = corrections
            .iter()
            .rev()
            .take(3)
            .map(|e| {
                let s =
                    |k: &str| e.details[k].as_str().map(|v| escape_line(v).into_owned()).unwrap_or_default();
                Line::from(fit(
                    &format!(
                        " {} {} · {} {}: “{}” → “{}” · {}",
                        local_time(r.jurisdiction, e.effective_at),
                        s("source"),
                        s("row_id"),
                        s("column"),
                        s("old_value"),
                        s("new_value"),
                        escape_line(&e.actor)
                    ),
                    width,
                ))
            })
            .collect();
        if corrections.len() > 3 {
            lines.push(Line::from(Span::styled(
                format!("     … {} earlier", corrections.len() - 3),
                theme.dim,
            )));
        }
        frame.render_widget(
            Paragraph::new(lines).block(rule(theme, " Corrections made (old → new) ")),
            done_area,
        );
    }
    if !d.tasks.is_empty() {
        let t = key(app, Context::Subject, &Action::GoTasks);
        frame.render_widget(
            Paragraph::new(task_summary_lines(app, d, width, task_rows_max(area)))
                .block(rule(theme, format!(" Art. 19 recipients to tell ({t}: tick off) "))),
            tasks_area,
        );
    }
}

// ---- Art. 19 tasks ----

fn draw_tasks(frame: &mut Frame, app: &App, d: &SubjectData, area: Rect) {
    let theme = &app.settings.theme;
    let width = area.width as usize;
    let r = &d.detail.request;
    let intro: Vec<Line> = wrap(
        "Art. 19: every recipient the data was disclosed to is told of a rectification, erasure or restriction, unless that proves impossible or disproportionate; the requester may ask who they are.",
        width.saturating_sub(2),
        3,
    )
    .into_iter()
    .map(|l| Line::from(Span::styled(format!(" {l}"), theme.dim)))
    .collect();
    let [intro_area, list_area, detail_area] = Layout::vertical([
        Constraint::Length(intro.len() as u16),
        Constraint::Fill(1),
        Constraint::Length(if d.tasks.is_empty() { 0 } else { 5 }),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(intro), intro_area);
    let tasks = &d.tasks;
    let open = tasks.iter().filter(|t| t.done_at.is_none()).count();
    let rows = list_area.height.saturating_sub(1) as usize;
    let selected = app.subject.selected.min(tasks.len().saturating_sub(1));
    let mut lines: Vec<Line> = vec![];
    if tasks.is_empty() {
        lines.push(Line::from(Span::styled(
            " No recipient to tell: nothing was rectified, erased or restricted for this request.",
            theme.dim,
        )));
    }
    let recipient_w = width.saturating_sub(40).clamp(20, 70);
    let start = selected.saturating_sub(rows.saturating_sub(1));
    for (n, t) in tasks.iter().enumerate().skip(start).take(rows.max(1)) {
        let (mark, when) = match t.done_at {
            Some(at) => ("[x]", format!("told {}", local_date(r.jurisdiction, at))),
            None => ("[ ]", format!("since {}", local_date(r.jurisdiction, t.created_at))),
        };
        let text = format!(
            "{} {mark} {} {} {when}",
            if n == selected { "›" } else { " " },
            fit(&escape_line(&t.recipient), recipient_w),
            fit(&escape_line(&t.reason.replace('_', " ")), 14),
        );
        let style = match (n == selected, t.done_at.is_some()) {
            (true, _) => theme.selected,
            (false, true) => theme.dim,
            (false, false) => Style::new(),
        };
        lines.push(Line::from(Span::styled(fit(&text, width), style)));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(rule(theme, format!(" Recipients to tell: {open} of {} open ", tasks.len()))),
        list_area,
    );
    if let Some(t) = tasks.get(selected) {
        let lw = 11;
        let told = match (t.done_at, &t.done_by) {
            (Some(at), by) => {
                format!("{} by {}", local_time(r.jurisdiction, at), escape_line(by.as_deref().unwrap_or("?")))
            }
            (None, _) if app.settings.read_only => "not yet".to_string(),
            (None, _) => format!("not yet — {} ticks it off", key(app, Context::Tasks, &Action::TickTask)),
        };
        let field = |label: &str, value: String| {
            Line::from(vec![
                Span::styled(fit(label, lw), theme.label),
                Span::raw(fit(&value, width.saturating_sub(lw + 1)).trim_end().to_string()),
            ])
        };
        let lines = vec![
            field(" recipient", escape_line(&t.recipient).into_owned()),
            field(
                " about",
                format!(
                    "{} of {}",
                    escape_line(&t.reason.replace('_', " ")),
                    escape_line(&t.sources.join(", "))
                ),
            ),
            field(" since", local_time(r.jurisdiction, t.created_at)),
            field(" told", told),
        ];
        frame.render_widget(Paragraph::new(lines).block(rule(theme, " Selected ")), detail_area);
    }
}
