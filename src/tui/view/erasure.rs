//! The erasure plan, its execution and the follow-up.

use super::*;

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
        (None, None) => format!(" Follow-up: {}", plan_follow_up_text(plan)),
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

    // The reducer scrolls by the same count (layout::erasure_scroll_max).
    debug_assert_eq!(top.len(), erasure_top_lines(d));
    (top, erasure_areas(d, area))
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
    let lines = erasure_plan_lines(&app.settings.theme, d, plan, inner);
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
