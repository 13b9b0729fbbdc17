//! The outbox screen, one message as it was sent, and the dialog that stays (the passphrase).

use super::*;
use crate::store::outbox::{OutboxState, OutboxSummary};
use crate::tui::app::{Notice, OUTBOX_STATES, what_to_do};

fn state_style(theme: &Theme, state: OutboxState) -> Style {
    match state {
        OutboxState::Failed => theme.error,
        OutboxState::Uncertain => theme.conflict,
        OutboxState::Retry => theme.soon,
        OutboxState::Sent => theme.ok,
        OutboxState::Queued | OutboxState::Sending => theme.dim,
    }
}

pub(super) fn draw_outbox(frame: &mut Frame, app: &App, reference: Option<&str>, area: Rect) {
    let theme = &app.settings.theme;
    let o = &app.outbox;
    let Some(data) = &o.load.data else {
        let text = match &o.load.error {
            Some(e) => format!(" The outbox could not be loaded: {}", escape_line(&e.message)),
            None => " Loading the outbox …".into(),
        };
        frame.render_widget(Paragraph::new(text), area);
        return;
    };
    let width = area.width as usize;
    let s = app.keymap().hint(Context::Outbox, &Action::FilterOutboxState);
    // The counts, everyone's: what waits for the operator first.
    let mut counts = vec![Span::raw(" ")];
    for state in OUTBOX_STATES.into_iter().filter(|s| *s != OutboxState::Sent) {
        let n = data.counts.of(state);
        let style = if n > 0 { state_style(theme, state) } else { theme.dim };
        counts.push(Span::styled(format!("{} {}", state.as_str(), thousands(n)), style));
        counts.push(Span::raw(" · "));
    }
    counts.pop();
    let showing = match o.state {
        None => "all".to_string(),
        Some(state) => state.as_str().to_string(),
    };
    counts.push(Span::styled(format!("  · showing {showing} ({s})"), theme.dim));
    // Wrapped here so the box is as tall as what it says (at most seven lines).
    let guidance: Vec<String> = o
        .selected_message()
        .map(|m| what_to_do(app, m))
        .unwrap_or_default()
        .iter()
        .flat_map(|l| wrap(l, width.saturating_sub(2), 4))
        .take(7)
        .collect();
    let guidance_height = (guidance.len() as u16 + 1).max(2);
    let [counts_area, list_area, guidance_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(guidance_height)])
            .areas(area);
    frame.render_widget(Paragraph::new(Line::from(counts)), counts_area);

    let rows = list_area.height.saturating_sub(3) as usize;
    let start = o.selected.saturating_sub(rows.saturating_sub(1));
    let wide = width >= WIDE as usize;
    let to_width = if wide { 30 } else { 0 };
    let mut lines = vec![Line::from(Span::styled(
        format!(
            " {:>6} {:<15} {:<9} {:>3} {:<16} {}{}",
            "#",
            "REFERENCE",
            "STATE",
            "TRY",
            "QUEUED",
            if wide { format!("{:<31}", "TO") } else { String::new() },
            "SUBJECT"
        ),
        theme.label,
    ))];
    if data.messages.is_empty() {
        let none = match (reference, o.state) {
            (Some(r), _) => format!(" {r} has no reply in this state."),
            (None, Some(state)) => format!(" No message is {state}."),
            (None, None) => " The outbox is empty.".into(),
        };
        lines.push(Line::from(Span::styled(none, theme.dim)));
    }
    for (i, m) in data.messages.iter().enumerate().skip(start).take(rows) {
        lines.push(message_row(app, m, i == o.selected, to_width, width.saturating_sub(2)));
    }
    let title = match reference {
        Some(r) => format!(" Replies of {r} "),
        None => format!(" Outbox: {} message(s) ", thousands(data.messages.len() as i64)),
    };
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .border_style(theme.border)
                .title(Span::styled(title, theme.title))
                .title_bottom(" times are Swedish (CET/CEST) "),
        ),
        list_area,
    );
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(" What to do ")
        .title_style(theme.title);
    let text: Vec<Line> = guidance.iter().map(|l| Line::from(format!(" {l}"))).collect();
    frame.render_widget(Paragraph::new(text).block(block), guidance_area);
}

fn message_row(app: &App, m: &OutboxSummary, selected: bool, to_width: usize, width: usize) -> Line<'static> {
    let theme = &app.settings.theme;
    let base = if selected { theme.selected } else { Style::new() };
    let queued = local_time(Jurisdiction::Sweden, m.queued_at);
    let fixed = 1 + 7 + 16 + 10 + 4 + 17 + if to_width > 0 { to_width + 1 } else { 0 };
    let mut spans = vec![
        Span::styled(format!(" {:>6} {:<15} ", format!("#{}", m.id), m.reference), base),
        Span::styled(format!("{:<9} ", m.state.as_str()), state_style(theme, m.state).patch(base)),
        Span::styled(format!("{:>3} {:<16} ", m.attempts, queued), base),
    ];
    if to_width > 0 {
        spans.push(Span::styled(format!("{} ", fit(&escape_line(&m.to_address), to_width)), base));
    }
    spans.push(Span::styled(fit(&escape_line(&m.subject), width.saturating_sub(fixed)), base));
    Line::from(spans)
}

pub(super) fn draw_message(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.settings.theme;
    let s = &app.message;
    let Some(m) = &s.load.data else {
        let text = match &s.load.error {
            Some(e) => format!(" {}", escape_line(&e.message)),
            None => " Loading …".into(),
        };
        frame.render_widget(Paragraph::new(text), area);
        return;
    };
    let r = &m.record;
    let j = Jurisdiction::Sweden;
    let lw = 12;
    let half = area.width.saturating_sub(2) as usize;
    let opt = |v: &Option<String>| v.as_deref().map(|s| escape_line(s).into_owned()).unwrap_or_default();
    let state = match r.state {
        OutboxState::Sent => format!(
            "sent {}{}",
            r.sent_at.map(|t| local_time(j, t)).unwrap_or_default(),
            r.resolved_by
                .as_deref()
                .map(|w| format!(" (recorded by {})", escape_line(w)))
                .unwrap_or_default()
        ),
        other => format!("{other} after {} attempt(s)", r.attempts),
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(fit("state", lw), theme.label),
            Span::styled(state, state_style(theme, r.state)),
        ]),
        field(theme, "server", r.smtp_reply.as_deref().map(escape_line).unwrap_or("—".into()), lw, half),
    ];
    if let Some(e) = &r.last_error {
        lines.push(field(theme, "last error", escape_line(e), lw, half));
    }
    lines.push(field(
        theme,
        "queued",
        format!("{} by {}", local_time(j, r.queued_at), escape_line(&r.queued_by)),
        lw,
        half,
    ));
    lines.push(field(
        theme,
        "purpose",
        format!("{} · {}", escape_line(&r.purpose), escape_line(&r.language)),
        lw,
        half,
    ));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Headers as sent", theme.heading)));
    match &m.headers {
        Ok(headers) => {
            for l in escape_multiline(headers).lines() {
                lines.push(Line::from(format!("  {l}")));
            }
        }
        Err(e) => {
            lines.push(Line::from(Span::styled(
                format!("  (cannot be built: {})", escape_line(e)),
                theme.error,
            )));
            lines.push(field(
                theme,
                "  From",
                format!("{} <{}>", escape_line(&r.from_name), escape_line(&r.from_address)),
                lw,
                half,
            ));
            lines.push(field(
                theme,
                "  To",
                format!("{} <{}>", opt(&r.to_name), escape_line(&r.to_address)),
                lw,
                half,
            ));
            lines.push(field(theme, "  Subject", escape_line(&r.subject), lw, half));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Text", theme.heading)));
    for l in escape_multiline(&r.body).replace('\t', "    ").lines() {
        lines.push(Line::from(format!("  {l}")));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(format!("Attachments ({})", m.attachments.len()), theme.heading)));
    for a in &m.attachments {
        lines.push(Line::from(format!(
            "  {} ({}, {} bytes, SHA-256 {}…)",
            escape_line(&a.file_name),
            escape_line(&a.content_type),
            thousands(a.bytes as i64),
            &a.sha256[..16.min(a.sha256.len())]
        )));
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((s.scroll, 0)).block(
            Block::bordered()
                .border_style(theme.border)
                .title(Span::styled(format!(" Message #{} of {} ", r.id, m.reference), theme.title))
                .title_bottom(" exactly as stored and sent · times are Swedish "),
        ),
        area,
    );
}

pub(super) fn draw_notice(frame: &mut Frame, app: &App, n: &Notice, area: Rect) {
    let theme = &app.settings.theme;
    let km = app.keymap();
    let mut keys = vec![("enter".to_string(), "dismiss")];
    if app.settings.config.desk.osc52_clipboard && n.secret.is_some() {
        keys.push((km.keys_text(Context::Confirm, &Action::CopyToClipboard), "copy (OSC 52)"));
    }
    let footer = footer_line(app, &keys);
    let mut lines: Vec<Line> = vec![Line::from(Span::styled(n.title.clone(), theme.title)), Line::from("")];
    for l in &n.lines {
        let style = if n.secret.as_deref().is_some_and(|s| l.trim() == escape_line(s)) {
            theme.title
        } else {
            Style::new()
        };
        lines.push(Line::from(Span::styled(l.clone(), style)));
    }
    if let Some(copied) = &n.copied {
        lines.push(Line::from(Span::styled(copied.clone(), theme.dim)));
    }
    lines.push(Line::from(""));
    lines.push(footer);
    let width = lines.iter().map(|l| l.width()).max().unwrap_or(40) as u16 + 4;
    let rect = popup_area(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered().title(" Keep this ").border_style(theme.focus_border).title_style(theme.title),
        ),
        rect,
    );
}
