//! The queue: the filter line and the table.

use super::*;

// ---- queue ----

pub(super) fn filter_summary(app: &App) -> String {
    let f = &app.queue.filter;
    let mut parts = vec![match f.status {
        StatusFilter::Open => "open requests".to_string(),
        StatusFilter::All => "all requests".to_string(),
        StatusFilter::Is(s) => format!("status {}", status_label(s)),
    }];
    if let Some(k) = f.kind {
        parts.push(format!("kind {k}"));
    }
    match f.who {
        Who::Anyone => {}
        Who::Mine => parts.push("mine".into()),
        Who::Unassigned => parts.push("unassigned".into()),
    }
    if f.overdue {
        parts.push("overdue".into());
    }
    if !f.search.trim().is_empty() {
        parts.push(format!("matching “{}”", escape_line(f.search.trim())));
    }
    let arrow = if app.queue.order.descending { "↓" } else { "↑" };
    let by = match app.queue.order.field {
        SortField::Due => "due date",
        SortField::Received => "date received",
    };
    parts.push(format!("by {by} {arrow}"));
    parts.join(" · ")
}

pub(super) fn draw_queue(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.settings.theme;
    let q = &app.queue;
    let [filter_area, table_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let position = if q.rows.is_empty() {
        if q.loading { "loading …".to_string() } else { String::new() }
    } else {
        let at =
            q.first_index.map(|f| thousands(f as i64 + q.selected as i64 + 1)).unwrap_or_else(|| "…".into());
        match q.total {
            Some(t) => format!("{at} of {}", thousands(t)),
            None => format!("{at} of …"),
        }
    };
    let width = area.width as usize;
    let right = format!(" {position} ");
    let left = format!(" {}", filter_summary(app));
    let filter_style = if q.filter.is_default() { theme.label } else { theme.title };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(fit(&left, width.saturating_sub(right.width())), filter_style),
            Span::styled(right, theme.label),
        ])),
        filter_area,
    );

    let wide = area.width >= WIDE;
    let header: Vec<&str> = if wide {
        vec![
            "",
            "Reference",
            "Kind",
            "J",
            "Requester",
            "Pers. no.",
            "Status",
            "Assignee",
            "Received",
            "Due",
            "Left",
        ]
    } else {
        vec!["", "Reference", "Kind", "Requester", "Status", "Assignee", "Due", "Left"]
    };
    let widths: Vec<Constraint> = if wide {
        [2, 15, 13, 2, 0, 13, 20, 12, 10, 10, 9]
            .into_iter()
            .map(|w| if w == 0 { Constraint::Fill(1) } else { Constraint::Length(w) })
            .collect()
    } else {
        // At 80 columns the name gets what the other columns can spare: each short column as
        // wide as what it shows on this page (and its heading), the due date without its year
        // when every row shown falls due this year.
        let shown = || q.rows.iter().skip(q.top).take(queue_table_rows(frame.area().height));
        let fit = |heading: &str, cells: &mut dyn Iterator<Item = usize>| {
            cells.chain(std::iter::once(heading.width())).max().unwrap_or(0) as u16
        };
        let kind = fit("Kind", &mut shown().map(|i| kind_short(i.record.kind).width()));
        let status = fit("Status", &mut shown().map(|i| status_short(i.record.status).width()));
        let assignee = fit(
            "Assignee",
            &mut shown().map(|i| i.record.assignee.as_deref().map_or(1, |a| escape_line(a).width()).min(12)),
        );
        let left = fit("Left", &mut shown().map(|i| item_left(i).width()));
        let due = if short_due(app) { 5 } else { 10 };
        [2, 15, kind, 0, status, assignee, due, left]
            .into_iter()
            .map(|w| if w == 0 { Constraint::Fill(1) } else { Constraint::Length(w) })
            .collect()
    };
    let view = queue_table_rows(frame.area().height);
    if q.rows.is_empty() {
        let text = if let Some(e) = &q.error {
            format!(" The queue could not be loaded: {}", escape_line(e))
        } else if q.loading || !q.loaded {
            " Loading …".to_string()
        } else if q.filter.is_default() {
            " The queue is empty.".to_string()
        } else {
            let x = app.keymap().hint(Context::Queue, &Action::ClearFilters);
            format!(" No request matches; {x} clears one filter at a time, the search first.")
        };
        let [h, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(table_area);
        frame.render_widget(
            Table::new(Vec::<Row>::new(), widths.clone())
                .header(Row::new(header.clone()).style(theme.heading)),
            h,
        );
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim)), rest);
        return;
    }
    let short_due = !wide && short_due(app);
    let rows: Vec<Row> = q
        .rows
        .iter()
        .enumerate()
        .skip(q.top)
        .take(view)
        .map(|(i, item)| {
            let r = &item.record;
            let selected = i == q.selected;
            let urgency_style = theme.urgency(item_urgency(item));
            let base = if !r.status.is_open() { theme.closed } else { Style::new() };
            let name = r
                .requester_name
                .as_deref()
                .or(r.requester_email.as_deref())
                .map(escape_line)
                .unwrap_or_default();
            let assignee = r.assignee.as_deref().map(escape_line).unwrap_or_else(|| "—".into()).into_owned();
            let left = Line::from(item_left(item)).right_aligned().style(urgency_style);
            let mark = Span::styled(item_mark(item), urgency_style);
            let cells: Vec<Line> = if wide {
                let pn = r
                    .requester_personal_number
                    .as_deref()
                    .map(|p| escape_line(&mask_personal_number(p)).into_owned())
                    .unwrap_or_else(|| "—".into());
                vec![
                    Line::from(mark),
                    Line::from(r.reference.clone()),
                    Line::from(r.kind.as_str()),
                    Line::from(r.jurisdiction.code()),
                    Line::from(name.into_owned()),
                    Line::from(pn),
                    Line::from(status_label(r.status)),
                    Line::from(assignee),
                    Line::from(r.received_on.to_string()),
                    Line::from(item.effective_due_on.to_string()),
                    left,
                ]
            } else {
                vec![
                    Line::from(mark),
                    Line::from(r.reference.clone()),
                    Line::from(kind_short(r.kind)),
                    Line::from(name.into_owned()),
                    Line::from(status_short(r.status)),
                    Line::from(assignee),
                    Line::from(if short_due {
                        item.effective_due_on.format("%m-%d").to_string()
                    } else {
                        item.effective_due_on.to_string()
                    }),
                    left,
                ]
            };
            let style = if selected { base.patch(theme.selected) } else { base };
            Row::new(cells).style(style)
        })
        .collect();
    frame.render_widget(
        Table::new(rows, widths).header(Row::new(header).style(theme.heading)).column_spacing(1),
        table_area,
    );
}

/// Whether every row on the page falls due in the current year, so the narrow queue can show
/// its due dates as MM-DD without ambiguity.
fn short_due(app: &App) -> bool {
    let q = &app.queue;
    let year = app.now.date_naive().year();
    q.rows.iter().skip(q.top).take(queue_table_rows(app.size.1)).all(|i| i.effective_due_on.year() == year)
}
