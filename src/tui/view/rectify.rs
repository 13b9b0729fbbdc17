//! Rectification's fields and the Art. 19 tasks.

use super::*;

/// Up to `max` Art. 19 tasks, one line each, and "… N more".
pub(super) fn task_summary_lines(app: &App, d: &SubjectData, width: usize, max: usize) -> Vec<Line<'static>> {
    let theme = &app.settings.theme;
    let j = d.detail.request.jurisdiction;
    let mut lines: Vec<Line> = d
        .tasks
        .iter()
        .take(max)
        .map(|t| {
            let (mark, when, style) = match t.done_at {
                Some(at) => ("[x]", format!("told {}", j.local_date(at)), theme.dim),
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

pub(super) fn draw_rectify(frame: &mut Frame, app: &App, d: &SubjectData, area: Rect) {
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
    let staged = app.subject.staged_for(&r.reference);
    for (n, f) in fields.iter().enumerate().skip(start).take(rows.max(1)) {
        let source = if wide { &f.source_title } else { &f.source };
        // A correction kept for this step shows beside the value it replaces.
        let kept = staged
            .iter()
            .find(|(s, _)| s.source == f.source && s.row_id == f.row_id && s.column == f.column)
            .map(|(_, v)| format!(" → “{}” (kept)", escape_line(v)))
            .unwrap_or_default();
        let text = format!(
            "{} {} {} {}{kept}",
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

pub(super) fn draw_tasks(frame: &mut Frame, app: &App, d: &SubjectData, area: Rect) {
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
            Some(at) => ("[x]", format!("told {}", r.jurisdiction.local_date(at))),
            None => ("[ ]", format!("since {}", r.jurisdiction.local_date(t.created_at))),
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
