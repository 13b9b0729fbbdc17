//! The erasure plan, its execution and the follow-up.

use super::*;

// ---- the erasure plan ----

pub(super) fn method_word(m: EraseMethod) -> &'static str {
    match m {
        EraseMethod::Delete => "deleted",
        EraseMethod::Anonymise => "anonymised",
        EraseMethod::Restrict => "restricted: it cannot be erased from here",
    }
}

/// How long one hold lasts, in words.
pub(super) fn hold_until(h: &HoldEntry) -> String {
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
pub(super) fn erasure_layout(
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

pub(super) fn draw_erasure(frame: &mut Frame, app: &App, d: &SubjectData, area: Rect) {
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
