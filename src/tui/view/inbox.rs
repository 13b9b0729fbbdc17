//! The inbox screen: the waiting messages, oldest first, each with its age from arrival and the
//! legal due date it would have as a request (Art. 12(3): the clock started when it arrived);
//! below, the selected message as it was parsed. Everything from the mail is escaped.

use super::*;
use crate::service::inbox::InboxItem;

fn age_label(days: i64) -> String {
    match days {
        0 => "today".into(),
        1 => "1 day".into(),
        d => format!("{d} days"),
    }
}

fn sender(item: &InboxItem) -> String {
    let m = &item.message;
    match (&m.from_name, &m.from_address) {
        (Some(name), Some(addr)) => format!("{} <{}>", escape_line(name), escape_line(addr)),
        (None, Some(addr)) => escape_line(addr).into_owned(),
        (Some(name), None) => escape_line(name).into_owned(),
        (None, None) => "(no usable sender)".into(),
    }
}

pub(super) fn draw_inbox(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.settings.theme;
    let state = &app.inbox;
    let Some(page) = &state.load.data else {
        let text = match &state.load.error {
            Some(e) => format!(" The inbox could not be loaded: {}", escape_line(&e.message)),
            None => " Loading the inbox …".into(),
        };
        frame.render_widget(Paragraph::new(text), area);
        return;
    };
    let rows = app_inbox_rows(frame.area().height);
    let [summary_area, list_area, message_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(rows as u16 + 1), Constraint::Fill(1)])
            .areas(area);
    let width = area.width as usize;
    let oldest = page
        .summary
        .oldest_received_at
        .and_then(|t| page.items.first().map(|i| local_time(i.message.jurisdiction, t)))
        .map(|t| format!(" · oldest arrived {t}"))
        .unwrap_or_default();
    let summary = format!(" {} waiting{oldest} · clocks run from arrival", thousands(page.summary.waiting));
    frame.render_widget(Paragraph::new(Span::styled(fit(&summary, width), theme.label)), summary_area);

    let wide = area.width >= WIDE;
    let header: Vec<&str> = if wide {
        vec!["#", "Arrived", "Age", "Due if a request", "Left", "J", "From", "Subject", ""]
    } else {
        vec!["#", "Arrived", "Age", "Due", "From", "Subject"]
    };
    let widths: Vec<Constraint> =
        if wide { vec![7, 16, 8, 16, 6, 2, 36, 0, 9] } else { vec![5, 11, 7, 10, 20, 0] }
            .into_iter()
            .map(|w| if w == 0 { Constraint::Fill(1) } else { Constraint::Length(w) })
            .collect();
    if page.items.is_empty() {
        let [h, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(list_area);
        frame.render_widget(
            Table::new(Vec::<Row>::new(), widths).header(Row::new(header).style(theme.heading)),
            h,
        );
        frame.render_widget(
            Paragraph::new(Span::styled(
                " The inbox is empty: every message that arrived is handled.",
                theme.dim,
            )),
            rest,
        );
        return;
    }
    let table_rows: Vec<Row> = page
        .items
        .iter()
        .enumerate()
        .skip(state.top)
        .take(rows)
        .map(|(i, item)| {
            let m = &item.message;
            let urgency = item.days_left.map(Urgency::of);
            let due_style = theme.urgency(urgency);
            let due = item.would_be_due_on.map(|d| d.to_string()).unwrap_or_else(|| "?".into());
            let subject = m.subject.as_deref().map(escape_line).unwrap_or_else(|| "(no subject)".into());
            let arrived = if wide {
                local_time(m.jurisdiction, m.received_at)
            } else {
                m.received_at.with_timezone(&m.jurisdiction.time_zone()).format("%m-%d %H:%M").to_string()
            };
            let cells: Vec<Line> = if wide {
                vec![
                    Line::from(m.id.to_string()),
                    Line::from(arrived),
                    Line::from(age_label(item.age_days)),
                    Line::from(Span::styled(due, due_style)),
                    Line::from(Span::styled(
                        item.days_left.map(|d| format!("{d}d")).unwrap_or_default(),
                        due_style,
                    ))
                    .right_aligned(),
                    Line::from(m.jurisdiction.code()),
                    Line::from(sender(item)),
                    Line::from(subject.into_owned()),
                    Line::from(if m.too_large { "too large" } else { "" }),
                ]
            } else {
                vec![
                    Line::from(m.id.to_string()),
                    Line::from(arrived),
                    Line::from(age_label(item.age_days)),
                    Line::from(Span::styled(due, due_style)),
                    Line::from(m.from_address.as_deref().map(escape_line).unwrap_or_default().into_owned()),
                    Line::from(subject.into_owned()),
                ]
            };
            let row = Row::new(cells);
            if i == state.selected { row.style(theme.selected) } else { row }
        })
        .collect();
    frame.render_widget(
        Table::new(table_rows, widths).header(Row::new(header).style(theme.heading)).column_spacing(1),
        list_area,
    );

    let Some(item) = state.selected_item() else { return };
    let m = &item.message;
    let lw = 9;
    let half = width.saturating_sub(2);
    let opt =
        |v: &Option<String>| v.as_deref().map(|s| escape_line(s).into_owned()).unwrap_or_else(|| "—".into());
    let mut lines = vec![
        field(theme, "from", sender(item), lw, half),
        field(theme, "reply-to", opt(&m.reply_to), lw, half),
        field(theme, "subject", opt(&m.subject), lw, half),
        field(
            theme,
            "arrived",
            format!(
                "{} ({}; {} bytes){}",
                local_time(m.jurisdiction, m.received_at),
                escape_line(&m.mailbox),
                thousands(m.size),
                if m.too_large { " — TOO LARGE: kept with its header only" } else { "" }
            ),
            lw,
            half,
        ),
    ];
    for note in &m.parse_notes {
        lines.push(field(theme, "note", escape_line(note), lw, half));
    }
    for a in page.attachments.get(&m.id).into_iter().flatten() {
        lines.push(field(
            theme,
            "attached",
            format!(
                "{} ({}, {} bytes; not opened)",
                escape_line(&a.file_name),
                escape_line(&a.content_type),
                thousands(a.size)
            ),
            lw,
            half,
        ));
    }
    lines.push(Line::from(""));
    let body = escape_multiline(&m.body_text).replace('\t', "    ");
    if body.trim().is_empty() {
        lines.push(Line::from(Span::styled("(no text)", theme.dim)));
    }
    for l in body.lines() {
        lines.push(Line::from(format!("  {l}")));
    }
    let keys = hints_line(
        app,
        &[
            (Context::Inbox, Action::InboxRequest, "request"),
            (Context::Inbox, Action::InboxAttach, "attach"),
            (Context::Inbox, Action::InboxDismiss, "not a request"),
        ],
        message_area.width.saturating_sub(24) as usize,
    );
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .border_style(theme.border)
                .title(Line::from(Span::styled(format!(" message {} ", m.id), theme.title)))
                .title_top(keys.right_aligned()),
        ),
        message_area,
    );
}

fn app_inbox_rows(height: u16) -> usize {
    crate::tui::layout::inbox_list_rows(height)
}
