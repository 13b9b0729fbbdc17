//! Drawing: from the app's state to the frame, and nothing else (no I/O, no clock, no database).
//!
//! Every string that came from outside (names, e-mails, request text, reasons, event details)
//! passes through `escape_line`/`escape_multiline` before it reaches a cell.

mod compose;
mod detail;
mod dialogs;
mod erasure;
mod help;
mod hints;
mod holds;
mod inbox;
mod new_request;
mod outbox;
mod overview;
mod queue;
mod rectify;
mod stats;
mod subject;
mod text;

pub use crate::tui::layout::{fit, wrap};
use detail::*;
use dialogs::*;
use erasure::*;
use help::*;
use hints::*;
use holds::*;
use inbox::*;
use new_request::*;
use overview::*;
use queue::*;
use rectify::*;
use stats::*;
use subject::*;
use text::*;
pub use text::{local_time, thousands};

use crate::domain::RequestKind;
use crate::domain::deadline::{Urgency, countdown_label};
use crate::domain::identity::mask_personal_number;
use crate::domain::matching::FieldMatch;
use crate::domain::plan::{EraseMethod, ErasurePlan, FollowUp, RowAction};
use crate::domain::text::{escape_line, escape_multiline};
use crate::domain::{Jurisdiction, RequestStatus};
use crate::service::shift::change_summary;
use crate::service::{QueueItem, RequestDetail, UrgencyCounts};
use crate::store::replica::ReplicaLag;
use crate::store::shift::SortField;
use crate::tui::action::{Action, Failure};
use crate::tui::app::{
    App, Confirm, MIN_HEIGHT, MIN_WIDTH, Menu, MenuChoice, Mode, Pane, Prompt, Screen, StatusFilter,
    StatusKind, SubjectData, SubjectScreen, Who, a_kind, follow_up_text, objection_label,
    plan_follow_up_text, queue_table_rows, reason_label, status_label, value_text,
};
use crate::tui::commands::Context;
use crate::tui::layout::{erasure_areas, erasure_plan_lines, erasure_top_lines, help_columns, task_rows_max};
use crate::tui::theme::Theme;
use chrono::{DateTime, Datelike, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub use crate::tui::layout::WIDE;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(frame, app, area);
        return;
    }
    let [top, body, bottom] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    draw_title(frame, app, top);
    match &app.screen {
        Screen::Overview => draw_overview(frame, app, body),
        Screen::Queue => draw_queue(frame, app, body),
        Screen::Detail(_) => draw_detail(frame, app, body),
        Screen::Subject(_, s) => subject::draw_subject(frame, app, *s, body),
        Screen::Reply(r) => compose::draw_reply(frame, app, r, body),
        Screen::Inbox => draw_inbox(frame, app, body),
        Screen::NewRequest => draw_new_request(frame, app, body),
        Screen::Outbox(r) => outbox::draw_outbox(frame, app, r.as_deref(), body),
        Screen::Message(_) => outbox::draw_message(frame, app, body),
        Screen::Help => draw_help(frame, app, body),
        Screen::Stats => draw_stats(frame, app, body),
    }
    draw_status(frame, app, bottom);
    match &app.mode {
        Mode::Prompt(p) => draw_prompt(frame, app, p, area),
        Mode::Menu(m) => draw_menu(frame, app, m, area),
        Mode::Confirm(c) => draw_confirm(frame, app, c, area),
        Mode::Notice(n) => outbox::draw_notice(frame, app, n, area),
        _ => {}
    }
}

// ---- the frame: title bar and status line ----

fn draw_title(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.settings.theme;
    let mut crumbs: Vec<String> = app.back.iter().rev().take(3).rev().map(Screen::title).collect();
    crumbs.push(app.screen.title());
    let left = format!(" dsrdesk ▸ {}", crumbs.join(" › "));
    let se = Jurisdiction::Sweden.local_date(app.now);
    let fi = Jurisdiction::Finland.local_date(app.now);
    let date = if se == fi { format!("{} {se}", se.weekday()) } else { format!("SE {se} · FI {fi}") };
    let op = app.operator();
    let who = match &op.client {
        Some(c) => format!("{}@{}", escape_line(&op.user), escape_line(c)),
        None => escape_line(&op.user).into_owned(),
    };
    let mut right = Vec::new();
    if app.settings.read_only {
        right.push("READ-ONLY".to_string());
    }
    right.push(who);
    match (app.live, app.replica) {
        (Some(false), _) => right.push("○ offline: reconnecting".into()),
        (_, Some(lag)) => right.extend(replica_words(lag)),
        (Some(true), None) => right.push("● live".into()),
        (None, None) => {}
    }
    right.push(date);
    let right = format!("{} ", right.join(" · "));
    let width = area.width as usize;
    let left_width = width.saturating_sub(right.width());
    let text = format!("{}{}", fit(&left, left_width), right);
    frame.render_widget(Paragraph::new(fit(&text, width)).style(theme.bar), area);
}

/// The title bar's words for a replica's lag (`store::replica::ReplicaLag` says what each means).
fn replica_words(lag: ReplicaLag) -> Option<String> {
    (lag != ReplicaLag::NotStandby).then(|| format!("replica · {lag}"))
}

fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.settings.theme;
    let width = area.width as usize;
    let line = match &app.mode {
        Mode::Search { .. } => {
            let text = format!("/{}", escape_line(&app.input));
            frame.set_cursor_position(Position::new(area.x + text.width().min(width - 1) as u16, area.y));
            let hint = "  enter keep · esc undo · ctrl-u clear";
            Line::from(vec![Span::styled(text, theme.input), Span::styled(hint, theme.dim)])
        }
        Mode::CommandLine => {
            let text = format!(":{}", escape_line(&app.input));
            frame.set_cursor_position(Position::new(area.x + text.width().min(width - 1) as u16, area.y));
            Line::from(vec![
                Span::styled(text, theme.input),
                Span::styled("  enter run · esc cancel", theme.dim),
            ])
        }
        _ => match &app.status {
            Some(s) => {
                let (mark, style) = match s.kind {
                    StatusKind::Info => ("", theme.info),
                    StatusKind::Done => ("✓ ", theme.ok),
                    StatusKind::Refused => ("✗ ", theme.error),
                    StatusKind::Conflict => ("⚠ ", theme.conflict),
                    StatusKind::Trouble => ("✗ ", theme.error),
                };
                // A long message (a conflict explained) wraps upwards over the last rows of the
                // screen, up to three lines, rather than being cut off.
                let lines = wrap(&format!("{mark}{}", escape_line(&s.text)), width.saturating_sub(2), 3);
                let n = lines.len() as u16;
                let rect = Rect::new(area.x, area.y + 1 - n.min(area.y + 1), area.width, n.min(area.y + 1));
                frame.render_widget(Clear, rect);
                let lines: Vec<Line> = lines
                    .into_iter()
                    .map(|l| Line::from(Span::styled(fit(&format!(" {l}"), width), style)))
                    .collect();
                frame.render_widget(Paragraph::new(lines), rect);
                return;
            }
            None => screen_hints(app, width),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_too_small(frame: &mut Frame, app: &App, area: Rect) {
    let quit = app.keymap().hint(Context::Global, &Action::Quit);
    let full = [
        format!("The terminal is {}×{}.", area.width, area.height),
        format!("dsrdesk needs at least {MIN_WIDTH}×{MIN_HEIGHT}."),
        format!("Enlarge the window ({quit} quits)."),
    ];
    // In a very small window (a phone's SSH client, a split pane) the sentences would wrap and
    // the last ones, how to quit among them, fall off: say the same in fewer words.
    let lines = if full.iter().all(|l| l.width() <= area.width as usize) {
        full
    } else {
        [
            format!("{}×{}: too small", area.width, area.height),
            format!("needs {MIN_WIDTH}×{MIN_HEIGHT}"),
            format!("{quit} quits"),
        ]
    };
    let text = Text::from(lines.into_iter().map(Line::from).collect::<Vec<_>>());
    let height = 3.min(area.height);
    let y = area.y + area.height.saturating_sub(height) / 2;
    let rect = Rect::new(area.x, y, area.width, height);
    frame.render_widget(Paragraph::new(text).centered().wrap(Wrap { trim: true }), rect);
}
