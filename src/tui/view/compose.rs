//! Drawing the reply composer: the template menu, the editor, the preview of exactly what will
//! be sent. Only drawing: the state is `compose::ComposeState`.

use super::{fit, wrap};
use crate::domain::text::{escape_line, escape_multiline};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::app::compose::{Attach, ComposeState, Field, Stage};
use crate::tui::commands::Context;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

pub fn draw_reply(frame: &mut Frame, app: &App, reference: &str, area: Rect) {
    let theme = &app.settings.theme;
    let Some(c) = app.compose.as_deref().filter(|c| c.reference == reference) else {
        frame.render_widget(Paragraph::new(" Loading …"), area);
        return;
    };
    let [head, body, keys] =
        Layout::vertical([Constraint::Length(2), Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    frame.render_widget(Paragraph::new(header(app, c, area.width as usize)), head);
    match c.stage {
        Stage::Choose => draw_menu(frame, app, c, body),
        Stage::Edit => {
            let saved = match c.saved_at {
                Some(at) if !c.unsaved => format!(" draft saved {} ", at.format("%H:%M:%S")),
                _ if c.unsaved => " not saved yet ".into(),
                _ => String::new(),
            };
            let [subject_area, body_area] =
                Layout::vertical([Constraint::Length(3), Constraint::Fill(1)]).areas(body);
            let border = |focused: bool| if focused { theme.focus_border } else { theme.border };
            let mut subject = c.subject.clone();
            subject.set_block(
                Block::bordered()
                    .title(" Subject ")
                    .border_style(border(c.field == Field::Subject))
                    .title_style(theme.title),
            );
            let mut editor = c.editor.clone();
            editor.set_block(
                Block::bordered()
                    .title(" Reply text ")
                    .title_bottom(Line::from(saved).right_aligned())
                    .border_style(border(c.field == Field::Body))
                    .title_style(theme.title),
            );
            // Only the field being typed in shows a cursor.
            let hidden = ratatui::style::Style::default();
            match c.field {
                Field::Subject => editor.set_cursor_style(hidden),
                Field::Body => subject.set_cursor_style(hidden),
            }
            frame.render_widget(&subject, subject_area);
            frame.render_widget(&editor, body_area);
        }
        Stage::Preview => draw_preview(frame, app, c, body),
    }
    let hints: Vec<(Context, Action, &str)> = match c.stage {
        Stage::Choose => vec![
            (Context::Navigation, Action::Open, "choose"),
            (Context::Reply, Action::ReplyLanguage, "language"),
            (Context::Reply, Action::ReplyAttach, "attach"),
            (Context::Reply, Action::ReplyEncrypt, "encrypt"),
            (Context::Global, Action::Back, "back"),
        ],
        Stage::Edit => vec![],
        Stage::Preview => vec![
            (Context::Reply, Action::SendReply, "send"),
            (Context::Reply, Action::ReplyEdit, "edit"),
            (Context::Reply, Action::ReplyAttach, "attach"),
            (Context::Reply, Action::DiscardDraft, "discard"),
            (Context::Global, Action::Back, "back (draft kept)"),
        ],
    };
    let line = if c.stage == Stage::Edit {
        Line::from(vec![
            Span::styled(" esc", theme.key),
            Span::raw(" preview  "),
            Span::styled("tab", theme.key),
            Span::raw(" subject/text  "),
            Span::styled("ctrl-z", theme.key),
            Span::raw(" undo  "),
            Span::styled("saved as a draft every second", theme.dim),
        ])
    } else {
        super::hints_line(app, &hints, keys.width as usize)
    };
    frame.render_widget(Paragraph::new(line), keys);
}

fn language_label(c: &ComposeState) -> String {
    match c.language {
        Some(l) => l.as_str().to_string(),
        None => "the request's".into(),
    }
}

/// " Reply to DSR-2026-000001 · erasure_partly_refused · sv · attach: nothing"
fn header(app: &App, c: &ComposeState, width: usize) -> Vec<Line<'static>> {
    let theme = &app.settings.theme;
    let purpose = c.purpose().map(|p| p.name().to_string()).unwrap_or_default();
    let mut attach = c.attach.label().to_string();
    if c.encrypt {
        attach.push_str(", encrypted");
    }
    let first = format!(
        " Reply to {} · {} · language {} · attach {}",
        c.reference,
        purpose,
        language_label(c),
        attach
    );
    let second = match &c.composed {
        Some(m) if c.stage != Stage::Choose => format!(
            " To {} <{}> · from {} <{}>",
            escape_line(m.to_name.as_deref().unwrap_or("")),
            escape_line(&m.to_address),
            escape_line(&m.from_name),
            escape_line(&m.from_address)
        ),
        _ => match &c.error {
            Some(e) => format!(" ✗ {}", escape_line(e)),
            None if c.loading => " Loading …".into(),
            None => " Choose the letter to write.".into(),
        },
    };
    let second_style = if c.error.is_some() && c.stage == Stage::Choose { theme.error } else { theme.dim };
    vec![Line::styled(fit(&first, width), theme.heading), Line::styled(fit(&second, width), second_style)]
}

fn draw_menu(frame: &mut Frame, app: &App, c: &ComposeState, area: Rect) {
    let theme = &app.settings.theme;
    let width = area.width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    for (i, p) in c.purposes.iter().enumerate() {
        let text = format!(" {:<24} {}", p.name(), p.title());
        let style = if i == c.selected { theme.selected } else { theme.normal };
        lines.push(Line::styled(fit(&text, width), style));
    }
    lines.push(Line::raw(""));
    let kind = c.kind.map(|k| format!("{k} request")).unwrap_or_else(|| "request".into());
    lines.push(Line::styled(
        fit(&format!(" Only the templates that fit this {kind} are offered."), width),
        theme.dim,
    ));
    if c.attach != Attach::None {
        lines.push(Line::styled(
            fit(" The attachment is made when the reply is sent, from the data as it is then.", width),
            theme.dim,
        ));
    }
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered().title(" Template ").border_style(theme.focus_border).title_style(theme.title),
        ),
        area,
    );
}

/// The message as it will leave: the headers dsrdesk sets, the attachment, the text.
fn draw_preview(frame: &mut Frame, app: &App, c: &ComposeState, area: Rect) {
    let theme = &app.settings.theme;
    let width = area.width.saturating_sub(2) as usize;
    let (subject, body) = c.text();
    let mut lines: Vec<Line> = Vec::new();
    if let Some(m) = &c.composed {
        let to = match &m.to_name {
            Some(name) => format!("{} <{}>", escape_line(name), escape_line(&m.to_address)),
            None => escape_line(&m.to_address).into_owned(),
        };
        for (label, value) in [
            ("From", format!("{} <{}>", escape_line(&m.from_name), escape_line(&m.from_address))),
            ("To", to),
            ("Subject", escape_line(&subject).into_owned()),
            ("Content-Type", "text/plain; charset=utf-8".into()),
            (
                "Message-ID",
                format!("<…@{}> (fixed when queued; kept on every retry)", domain_of(&m.from_address)),
            ),
        ] {
            lines.push(Line::from(vec![
                Span::styled(format!("{label}: "), theme.label),
                Span::raw(fit(&value, width.saturating_sub(label.len() + 2))),
            ]));
        }
        let attachment = match c.attach {
            Attach::None => "none".to_string(),
            Attach::Access => format!("{}-access-{}.html (text/html)", c.reference, m.language.as_str()),
            Attach::Portability => format!(
                "{}-portability.zip (application/zip){}",
                c.reference,
                if c.encrypt { ", AES-256 encrypted" } else { "" }
            ),
        };
        lines.push(Line::from(vec![Span::styled("Attachment: ", theme.label), Span::raw(attachment)]));
        lines.push(Line::styled("─".repeat(width), theme.dim));
    }
    for line in escape_multiline(&body).split('\n') {
        for piece in wrap(line, width, usize::MAX) {
            lines.push(Line::raw(piece));
        }
    }
    let max_scroll = lines.len().saturating_sub(area.height.saturating_sub(2) as usize) as u16;
    frame.render_widget(
        Paragraph::new(lines).scroll((c.scroll.min(max_scroll), 0)).block(
            Block::bordered()
                .title(" Preview: exactly what is sent ")
                .border_style(theme.focus_border)
                .title_style(theme.title),
        ),
        area,
    );
}

fn domain_of(address: &str) -> &str {
    address.rsplit_once('@').map_or(address, |(_, d)| d)
}
