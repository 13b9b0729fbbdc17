//! Drawing: from the app's state to the frame, and nothing else (no I/O, no clock, no database).
//!
//! Every string that came from outside (names, e-mails, request text, reasons, event details)
//! passes through `escape_line`/`escape_multiline` before it reaches a cell.

use super::action::{Action, Context, LINE_COMMANDS};
use super::app::{
    App, Confirm, MIN_HEIGHT, MIN_WIDTH, Menu, MenuChoice, Mode, Pane, Prompt, Screen, StatusFilter,
    StatusKind, SubjectScreen, Who, input_bindings, method_label, objection_label, queue_table_rows,
    status_label,
};
use super::theme::Theme;
use crate::domain::deadline::{Urgency, countdown_label};
use crate::domain::identity::mask_personal_number;
use crate::domain::text::{escape_line, escape_multiline};
use crate::domain::{Jurisdiction, RequestKind, RequestStatus};
use crate::service::shift::change_summary;
use crate::service::{QueueItem, RequestDetail, UrgencyCounts};
use crate::store::shift::SortField;
use chrono::{DateTime, Datelike, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// At this width and wider, screens show more columns and side-by-side panels.
pub const WIDE: u16 = 140;

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
        Screen::Subject(_, s) => super::view_subject::draw_subject(frame, app, *s, body),
        Screen::Reply(r) => super::view_compose::draw_reply(frame, app, r, body),
        Screen::Help => draw_help(frame, app, body),
    }
    draw_status(frame, app, bottom);
    match &app.mode {
        Mode::Prompt(p) => draw_prompt(frame, app, p, area),
        Mode::Menu(m) => draw_menu(frame, app, m, area),
        Mode::Confirm(c) => draw_confirm(frame, app, c, area),
        _ => {}
    }
}

// ---- small helpers ----

/// Fit `s` into `width` cells: cut with "…" when longer, pad with spaces when shorter.
pub fn fit(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    if s.width() <= width {
        out.push_str(s);
        used = s.width();
    } else if width > 0 {
        for c in s.chars() {
            let w = c.width().unwrap_or(0);
            if used + w + 1 > width {
                break;
            }
            out.push(c);
            used += w;
        }
        out.push('…');
        used += 1;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// `fit`, right-aligned.
fn fit_right(s: &str, width: usize) -> String {
    if s.width() >= width {
        return fit(s, width);
    }
    format!("{}{s}", " ".repeat(width - s.width()))
}

/// Break `text` into lines of at most `width` cells at spaces; the last of `max` lines ends in
/// "…" when there is more.
pub fn wrap(text: &str, width: usize, max: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = vec![];
    let mut line = String::new();
    for word in text.split(' ') {
        let needed = if line.is_empty() { word.width() } else { line.width() + 1 + word.width() };
        if needed <= width {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word longer than the line is cut into pieces.
        let mut rest = word;
        while rest.width() > width {
            let cut = rest.char_indices().scan(0, |w, (i, c)| {
                *w += c.width().unwrap_or(0);
                Some((i + c.len_utf8(), *w))
            });
            let end = cut.take_while(|(_, w)| *w <= width).last().map_or(rest.len(), |(i, _)| i);
            lines.push(rest[..end].to_string());
            rest = &rest[end..];
        }
        line = rest.to_string();
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    if lines.len() > max {
        lines.truncate(max);
        if let Some(last) = lines.last_mut() {
            *last = fit(&format!("{last} …"), width).trim_end().to_string();
        }
    }
    lines
}

pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn kind_short(k: RequestKind) -> &'static str {
    match k {
        RequestKind::Access => "access",
        RequestKind::Rectification => "rectific.",
        RequestKind::Erasure => "erasure",
        RequestKind::Restriction => "restrict.",
        RequestKind::Portability => "portab.",
        RequestKind::Objection => "objection",
    }
}

fn status_short(s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::New => "new",
        RequestStatus::InProgress => "in prog.",
        RequestStatus::AwaitingInformation => "awaiting",
        RequestStatus::Answered => "answered",
        RequestStatus::Refused => "refused",
        RequestStatus::Forwarded => "forwarded",
        RequestStatus::Withdrawn => "withdrawn",
    }
}

/// The urgency of a queue row; None when its clock is paused or it is closed.
fn item_urgency(item: &QueueItem) -> Option<Urgency> {
    (item.record.status.is_open() && !item.is_paused()).then(|| item.urgency())
}

/// The countdown in words: "12d", "today", "3d over", "paused", "closed".
fn item_left(item: &QueueItem) -> String {
    if !item.record.status.is_open() {
        "closed".into()
    } else if item.deadline_error.is_some() {
        "date err".into()
    } else if item.is_paused() {
        "paused".into()
    } else {
        countdown_label(item.days_left)
    }
}

/// The mark column: urgency, then `+` for an extended deadline. Readable without colour.
fn item_mark(item: &QueueItem) -> String {
    let urgency = if !item.record.status.is_open() {
        ' '
    } else if item.is_paused() {
        '‖'
    } else {
        match item.urgency() {
            Urgency::Overdue => '!',
            Urgency::DueToday => '*',
            _ => ' ',
        }
    };
    let extended = if item.record.extended_on.is_some() { '+' } else { ' ' };
    format!("{urgency}{extended}")
}

fn key_hint(app: &App, context: Context, action: &Action) -> Option<String> {
    app.keymap().key_for(context, action).map(|k| k.to_string())
}

pub(super) fn hints_line<'a>(app: &App, items: &[(Context, Action, &'a str)], width: usize) -> Line<'a> {
    let theme = &app.settings.theme;
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (context, action, label) in items {
        if app.settings.read_only && super::app::changes_requests(action) {
            continue;
        }
        let Some(key) = key_hint(app, *context, action) else { continue };
        let w = key.width() + label.width() + 3;
        if used + w > width {
            break;
        }
        used += w;
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    Line::from(spans)
}

fn block<'a>(theme: &Theme, title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
    Block::bordered()
        .title(title)
        .border_style(if focused { theme.focus_border } else { theme.border })
        .title_style(theme.title)
}

pub fn local_time(j: Jurisdiction, t: DateTime<Utc>) -> String {
    t.with_timezone(&j.time_zone()).format("%Y-%m-%d %H:%M").to_string()
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
    match app.live {
        Some(true) => right.push("● live".into()),
        Some(false) => right.push("○ offline: reconnecting".into()),
        None => {}
    }
    right.push(date);
    let right = format!("{} ", right.join(" · "));
    let width = area.width as usize;
    let left_width = width.saturating_sub(right.width());
    let text = format!("{}{}", fit(&left, left_width), right);
    frame.render_widget(Paragraph::new(fit(&text, width)).style(theme.bar), area);
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

fn screen_hints(app: &App, width: usize) -> Line<'static> {
    use Action as A;
    use Context as C;
    let items: Vec<(Context, Action, &'static str)> = match app.screen {
        Screen::Overview => vec![
            (C::Navigation, A::Open, "open"),
            (C::Overview, A::NextPane, "next list"),
            (C::Global, A::GoQueue, "queue"),
            (C::Overview, A::ClaimNext, "claim next"),
            (C::Overview, A::MarkSeen, "mark seen"),
            (C::Global, A::Search, "search"),
            (C::Global, A::Help, "help"),
            (C::Global, A::Quit, "quit"),
        ],
        Screen::Queue => vec![
            (C::Navigation, A::Open, "open"),
            (C::Global, A::Search, "search"),
            (C::Queue, A::FilterKind, "kind"),
            (C::Queue, A::FilterStatus, "status"),
            (C::Queue, A::FilterAssignee, "who"),
            (C::Queue, A::FilterOverdue, "overdue"),
            (C::Queue, A::SortField, "sort"),
            (C::Queue, A::Claim, "claim"),
            (C::Global, A::Help, "help"),
        ],
        Screen::Detail(_) => vec![
            (C::Detail, A::Claim, "claim"),
            (C::Detail, A::Assign, "assign"),
            (C::Detail, A::Release, "release"),
            (C::Detail, A::Extend, "extend"),
            (C::Detail, A::Pause, "pause"),
            (C::Detail, A::Resume, "resume"),
            (C::Detail, A::ChangeStatus, "status"),
            (C::Subject, A::GoReply, "reply"),
            (C::Global, A::Back, "back"),
            (C::Global, A::Help, "help"),
        ],
        Screen::Reply(_) => vec![(C::Global, A::Help, "help"), (C::Global, A::Quit, "quit")],
        Screen::Help => vec![
            (C::Navigation, A::Down, "scroll"),
            (C::Global, A::Back, "back"),
            (C::Global, A::Quit, "quit"),
        ],
        Screen::Subject(_, screen) => {
            let kind = app.subject.data.as_ref().map(|d| d.detail.request.kind);
            let mut items = match screen {
                SubjectScreen::Identity => vec![
                    (C::Identity, A::Link, "link"),
                    (C::Identity, A::Unlink, "unlink"),
                    (C::Identity, A::Verify, "verify"),
                    (C::Navigation, A::Down, "select"),
                ],
                SubjectScreen::Erasure => {
                    let mut items = vec![(C::Erasure, A::ExecuteErasure, "execute")];
                    let forward =
                        app.subject.data.as_ref().and_then(|d| d.plan.as_ref()).and_then(|p| p.as_ref().ok());
                    if forward.is_some_and(|p| !p.forward_to().is_empty()) {
                        items.push((C::Erasure, A::ForwardToClient, "forward"));
                    }
                    items.push((C::Navigation, A::Down, "scroll"));
                    items.push((C::Subject, A::GoIdentity, "identity"));
                    items
                }
                SubjectScreen::Rectify => vec![
                    (C::Rectify, A::Correct, "correct"),
                    (C::Navigation, A::Down, "select"),
                    (C::Subject, A::GoIdentity, "identity"),
                ],
                SubjectScreen::Tasks => vec![
                    (C::Tasks, A::TickTask, "tick off"),
                    (C::Navigation, A::Down, "select"),
                    (C::Subject, A::GoIdentity, "identity"),
                ],
            };
            if screen == SubjectScreen::Identity {
                match kind {
                    Some(RequestKind::Erasure) => items.push((C::Subject, A::GoErasure, "plan")),
                    Some(RequestKind::Rectification) => items.push((C::Subject, A::GoRectify, "rectify")),
                    _ => {}
                }
            }
            if screen != SubjectScreen::Tasks {
                items.push((C::Subject, A::GoTasks, "Art. 19"));
            }
            items.push((C::Global, A::Back, "back"));
            items.push((C::Global, A::Help, "help"));
            items
        }
    };
    let owned: Vec<(Context, Action, &'static str)> = items;
    let line = hints_line(app, &owned, width);
    Line::from(
        line.spans.into_iter().map(|s| Span::styled(s.content.into_owned(), s.style)).collect::<Vec<_>>(),
    )
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

// ---- overview ----

fn counts_lines(theme: &Theme, rows: &[(String, UrgencyCounts, bool)], width: usize) -> Vec<Line<'static>> {
    let name_width = width.saturating_sub(49).clamp(8, 30);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{}{:>8}{:>7}{:>6}{:>6}{:>7}{:>8}{:>7}",
            fit("", name_width),
            "overdue",
            "today",
            "≤3d",
            "≤7d",
            "later",
            "paused",
            "total"
        ),
        theme.label,
    ))];
    for (name, c, bold) in rows {
        let base = if *bold { theme.title } else { Style::new() };
        let num = |n: i64, w: usize, style: Style| {
            Span::styled(format!("{:>w$}", thousands(n)), if n > 0 { style.patch(base) } else { base })
        };
        lines.push(Line::from(vec![
            Span::styled(fit(name, name_width), base),
            num(c.overdue, 8, theme.overdue),
            num(c.due_today, 7, theme.today),
            num(c.within_3_days, 6, theme.soon),
            num(c.within_7_days, 6, base),
            num(c.later, 7, base),
            num(c.paused, 8, theme.paused),
            num(c.total, 7, base),
        ]));
    }
    lines
}

fn draw_overview(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.settings.theme;
    let o = &app.overview;
    let Some(data) = &o.data else {
        let text = match &o.error {
            Some(e) => format!(" The overview could not be loaded: {}", escape_line(e)),
            None => " Loading the shift overview …".into(),
        };
        frame.render_widget(Paragraph::new(text), area);
        return;
    };
    let wide = area.width >= WIDE;
    let kinds: Vec<(String, UrgencyCounts, bool)> =
        std::iter::once(("all open".to_string(), data.overview.counts, true))
            .chain(RequestKind::ALL.into_iter().map(|k| {
                (
                    format!("{} ({})", k, k.article()),
                    data.overview.by_kind.get(&k).copied().unwrap_or_default(),
                    false,
                )
            }))
            .collect();
    let me = &app.operator().user;
    let assignees: Vec<(String, UrgencyCounts, bool)> =
        std::iter::once(("all open".to_string(), data.overview.counts, true))
            .chain(data.overview.by_assignee.iter().map(|(who, c)| {
                let name =
                    if who.is_empty() { "unassigned".to_string() } else { escape_line(who).into_owned() };
                let name = if who == me { format!("{name} (you)") } else { name };
                (name, *c, false)
            }))
            .collect();
    let counts_height =
        if wide { (assignees.len().max(kinds.len()) as u16 + 3).min(area.height / 2) } else { 10 };
    let [counts_area, lists_area] =
        Layout::vertical([Constraint::Length(counts_height), Constraint::Fill(1)]).areas(area);
    let total = format!(" Open requests: {} ", thousands(data.overview.counts.total));
    if wide {
        let [left, right] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(counts_area);
        let inner = left.width.saturating_sub(2) as usize;
        frame.render_widget(
            Paragraph::new(counts_lines(theme, &kinds, inner)).block(block(
                theme,
                format!("{total}by kind "),
                false,
            )),
            left,
        );
        let inner = right.width.saturating_sub(2) as usize;
        frame.render_widget(
            Paragraph::new(counts_lines(theme, &assignees, inner)).block(block(
                theme,
                " by assignee ",
                false,
            )),
            right,
        );
    } else {
        let b = app.keymap().hint(Context::Overview, &Action::ToggleBreakdown);
        let (rows, title, other) = if o.by_assignee {
            (&assignees, "by assignee", "by kind")
        } else {
            (&kinds, "by kind", "by assignee")
        };
        let inner = counts_area.width.saturating_sub(2) as usize;
        let max_rows = counts_area.height.saturating_sub(3) as usize;
        let mut shown: Vec<(String, UrgencyCounts, bool)> = rows.iter().take(max_rows).cloned().collect();
        if rows.len() > max_rows && max_rows > 1 {
            shown.pop();
            shown.push((format!("… {} more", rows.len() - max_rows + 1), UrgencyCounts::default(), false));
        }
        frame.render_widget(
            Paragraph::new(counts_lines(theme, &shown, inner)).block(
                block(theme, format!("{total}{title} "), false).title_bottom(format!(" {b}: {other} ")),
            ),
            counts_area,
        );
    }

    let (urgent_area, mine_area, changes_area) = if wide {
        let [a, b, c] = Layout::horizontal([
            Constraint::Percentage(30),
            Constraint::Percentage(30),
            Constraint::Percentage(40),
        ])
        .areas(lists_area);
        (a, b, c)
    } else {
        let [left, right] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(lists_area);
        let [a, b] = Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).areas(left);
        (a, b, right)
    };
    let focus = o.focus;
    let selected = |pane: Pane| o.selected[pane as usize];
    let item_line = |item: &QueueItem, width: usize, is_selected: bool| -> Line<'static> {
        let mark = item_mark(item);
        let left = item_left(item);
        let urgency_style = theme.urgency(item_urgency(item));
        let base = if is_selected { theme.selected } else { Style::new() };
        let fixed = 2 + 15 + 1 + 9 + 1 + 9;
        let mut spans = vec![
            Span::styled(mark, urgency_style.patch(base)),
            Span::styled(format!("{} ", item.record.reference), base),
            Span::styled(format!("{:<9} ", kind_short(item.record.kind)), base),
        ];
        if width > fixed + 12 {
            let who = item
                .record
                .requester_name
                .as_deref()
                .or(item.record.requester_email.as_deref())
                .map(escape_line)
                .unwrap_or_default();
            spans.push(Span::styled(format!("{} ", fit(&who, width - fixed - 2)), base));
        }
        spans.push(Span::styled(fit_right(&left, 9), urgency_style.patch(base)));
        Line::from(spans)
    };
    let list = |items: &[QueueItem], pane: Pane, area: Rect, empty: &str| -> Vec<Line<'static>> {
        let width = area.width.saturating_sub(2) as usize;
        let rows = area.height.saturating_sub(2) as usize;
        if items.is_empty() {
            return vec![Line::from(Span::styled(format!(" {empty}"), theme.dim))];
        }
        let sel = selected(pane);
        let start = sel.saturating_sub(rows.saturating_sub(1));
        items
            .iter()
            .enumerate()
            .skip(start)
            .take(rows)
            .map(|(i, item)| item_line(item, width, focus == pane && i == sel))
            .collect()
    };
    let urgent = list(&data.urgent, Pane::Urgent, urgent_area, "Nothing is open.");
    frame.render_widget(
        Paragraph::new(urgent).block(block(theme, " Most urgent ", focus == Pane::Urgent)),
        urgent_area,
    );
    let n = app.keymap().hint(Context::Overview, &Action::ClaimNext);
    let mine_count = data.overview.by_assignee.get(me).map(|c| c.total).unwrap_or(0);
    let mine_empty = if app.settings.read_only {
        "Nothing is claimed by you.".to_string()
    } else {
        format!("Nothing is claimed by you; {n} claims the most urgent.")
    };
    let mine = list(&data.mine, Pane::Mine, mine_area, &mine_empty);
    frame.render_widget(
        Paragraph::new(mine).wrap(Wrap { trim: false }).block(block(
            theme,
            format!(" Mine: {} ", thousands(mine_count)),
            focus == Pane::Mine,
        )),
        mine_area,
    );

    let feed = &data.changes;
    let count = if feed.total > crate::service::shift::CHANGES_COUNT_CAP {
        format!("more than {}", thousands(crate::service::shift::CHANGES_COUNT_CAP))
    } else {
        thousands(feed.total)
    };
    let since = local_time(Jurisdiction::Sweden, feed.since);
    let title = match (feed.first_visit, changes_area.width >= 60) {
        (true, true) => format!(" Changes by others in the last day: {count} "),
        (true, false) => format!(" Changes, last day: {count} "),
        (false, true) => format!(" Changed since you last looked ({since}): {count} "),
        (false, false) => format!(" Since you looked: {count} "),
    };
    let width = changes_area.width.saturating_sub(2) as usize;
    let rows = changes_area.height.saturating_sub(2) as usize;
    let sel = selected(Pane::Changes);
    let start = sel.saturating_sub(rows.saturating_sub(1));
    let changes: Vec<Line> = if feed.items.is_empty() {
        vec![Line::from(Span::styled(" Nothing new.", theme.dim))]
    } else {
        feed.items
            .iter()
            .enumerate()
            .skip(start)
            .take(rows)
            .map(|(i, c)| {
                let base = if focus == Pane::Changes && i == sel { theme.selected } else { Style::new() };
                let when = c.effective_at.with_timezone(&c.jurisdiction.time_zone()).format("%m-%d %H:%M");
                let what = escape_line(&change_summary(c)).into_owned();
                let actor = escape_line(&c.actor).into_owned();
                let text = if width >= 60 {
                    format!("{when} {} {what} · {actor}", c.reference)
                } else {
                    format!("{} {what}", c.reference)
                };
                Line::from(Span::styled(fit(&text, width), base))
            })
            .collect()
    };
    let m = app.keymap().hint(Context::Overview, &Action::MarkSeen);
    let mut changes_block = block(theme, title, focus == Pane::Changes);
    if !app.settings.read_only && !feed.items.is_empty() {
        changes_block = changes_block.title_bottom(format!(" {m}: mark seen "));
    }
    frame.render_widget(Paragraph::new(changes).block(changes_block), changes_area);
}

// ---- queue ----

fn filter_summary(app: &App) -> String {
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

fn draw_queue(frame: &mut Frame, app: &App, area: Rect) {
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
        [2, 15, 9, 0, 9, 9, 10, 9]
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
            format!(" No request matches; {x} clears the filters and the search.")
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
                    Line::from(item.effective_due_on.to_string()),
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

// ---- request detail ----

/// A labelled line, the value cut with "…" to `width` (label included).
fn field(
    theme: &Theme,
    label: &str,
    value: impl AsRef<str>,
    label_width: usize,
    width: usize,
) -> Line<'static> {
    let value = fit(value.as_ref(), width.saturating_sub(label_width)).trim_end().to_string();
    Line::from(vec![Span::styled(fit(label, label_width), theme.label), Span::raw(value)])
}

fn draw_detail(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.settings.theme;
    let d = &app.detail;
    let Some(detail) = &d.data else {
        let text = match &d.error {
            Some(e) => format!(" {}", escape_line(&e.message)),
            None => " Loading …".into(),
        };
        frame.render_widget(Paragraph::new(text), area);
        return;
    };
    let RequestDetail { request: r, deadline: b, effective_due_on, days_left, events, .. } = detail.as_ref();
    let [summary_area, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let half = (area.width as usize).saturating_sub(2) / 2;

    // The summary line.
    let wide = area.width >= WIDE;
    let assignee = match (r.assignee.as_deref(), wide) {
        (Some(a), true) if a == app.operator().user => format!("claimed by {} (you)", escape_line(a)),
        (Some(a), true) => format!("claimed by {}", escape_line(a)),
        (Some(a), false) => escape_line(a).into_owned(),
        (None, _) => "unclaimed".into(),
    };
    let kind = if wide { format!("{} ({})", r.kind, r.kind.article()) } else { r.kind.to_string() };
    let countdown = if !r.status.is_open() {
        "closed".to_string()
    } else if r.paused_since.is_some() {
        "clock paused".to_string()
    } else {
        countdown_label(*days_left)
    };
    let urgency = (r.status.is_open() && r.paused_since.is_none()).then(|| Urgency::of(*days_left));
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!(" {} ", r.reference), theme.title),
            Span::raw(format!("· {kind} · {} · {} · {assignee} · ", status_label(r.status), r.jurisdiction)),
            Span::styled(countdown, theme.urgency(urgency)),
        ])),
        summary_area,
    );

    let lw = 10;
    let opt =
        |v: &Option<String>| v.as_deref().map(|s| escape_line(s).into_owned()).unwrap_or_else(|| "—".into());
    let channel = format!(
        "{} · language {}",
        r.channel.map(|c| c.as_str()).unwrap_or("—"),
        r.language.as_deref().map(escape_line).unwrap_or_else(|| "—".into())
    );
    let requester = vec![
        field(theme, "name", opt(&r.requester_name), lw, half),
        field(theme, "e-mail", opt(&r.requester_email), lw, half),
        field(
            theme,
            "pers. no.",
            r.requester_personal_number
                .as_deref()
                .map(|p| escape_line(&mask_personal_number(p)).into_owned())
                .unwrap_or_else(|| "—".into()),
            lw,
            half,
        ),
        field(theme, "address", opt(&r.requester_address), lw, half),
        field(theme, "phone", opt(&r.requester_phone), lw, half),
        field(theme, "channel", channel, lw, half),
    ];
    let top_rule = |title: &'static str| {
        Block::new().borders(Borders::TOP).border_style(theme.border).title(title).title_style(theme.title)
    };

    // The calendar of the controller as configured (eves as holidays or not) names the day.
    let calendar = app.settings.config.calendar(r.jurisdiction);
    let note = |short: &str, long: &str| if wide { long.to_string() } else { short.to_string() };
    let mut deadline = vec![
        field(
            theme,
            "received",
            format!(
                "{}{}",
                local_time(r.jurisdiction, r.received_at),
                note(" (day 0)", " (day 0: not counted)")
            ),
            lw,
            half,
        ),
        field(
            theme,
            "extend by",
            format!("{}{}", b.first_month_ends_on, note("", " (the first month ends: last day to extend)")),
            lw,
            half,
        ),
    ];
    let rolled = b.rolled_from.map(|from| {
        let why = calendar
            .holiday_on(from)
            .map(|h| h.english_name().to_string())
            .unwrap_or_else(|| from.format("%A").to_string());
        (from, why)
    });
    let mut due = vec![
        Span::styled(fit("legal due", lw), theme.label),
        Span::styled(b.due_on.to_string(), theme.title),
    ];
    match &rolled {
        Some((from, why)) if wide => {
            due.push(Span::raw(format!(" (the period ends {from}, {why}: the next working day)")))
        }
        _ => {}
    }
    deadline.push(Line::from(due));
    if let (Some((from, why)), false) = (&rolled, wide) {
        deadline.push(field(theme, "", format!("({} is {why})", from.format("%m-%d")), lw, half));
    }
    deadline.push(field(
        theme,
        "internal",
        format!(
            "{}{}",
            b.internal_due_on,
            note(" (target)", " (the agency's target; never moves the legal date)")
        ),
        lw,
        half,
    ));
    deadline.push(match (&r.extended_on, &r.extension_reason) {
        (Some(on), reason) => field(
            theme,
            "extended",
            format!("{on}: {}", reason.as_deref().map(escape_line).unwrap_or_default()),
            lw,
            half,
        ),
        (None, _) => field(theme, "extended", "no", lw, half),
    });
    deadline.push(match r.paused_since {
        Some(since) => field(
            theme,
            "paused",
            format!("since {since}: {}", r.pause_reason.as_deref().map(escape_line).unwrap_or_default()),
            lw,
            half,
        ),
        None if b.paused_days > 0 => {
            field(theme, "paused", format!("{} day(s), resumed (in the due date)", b.paused_days), lw, half)
        }
        None => field(theme, "paused", "no", lw, half),
    });
    if r.paused_since.is_some() {
        deadline.push(field(
            theme,
            "if today",
            format!("due {effective_due_on} if it arrived today"),
            lw,
            half,
        ));
    }
    let box_height = requester.len().max(deadline.len()) as u16 + 1;
    let [boxes_area, lower_area] =
        Layout::vertical([Constraint::Length(box_height), Constraint::Fill(1)]).areas(rest);
    let [left, right] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).spacing(2).areas(boxes_area);
    frame.render_widget(Paragraph::new(requester).block(top_rule(" Requester ")), left);
    frame.render_widget(Paragraph::new(deadline).block(top_rule(" Deadline (Art. 12(3)) ")), right);

    // Request text and history, scrolled together.
    let mut lines: Vec<Line> = vec![Line::from(Span::styled("Request text", theme.heading))];
    let body = escape_multiline(&r.body).replace('\t', "    ");
    if body.trim().is_empty() {
        lines.push(Line::from(Span::styled("(empty)", theme.dim)));
    }
    for l in body.lines() {
        lines.push(Line::from(format!("  {l}")));
    }
    lines.push(Line::from(""));
    if !detail.outbox.is_empty() {
        // A reply that failed or whose delivery is uncertain needs the operator: it stands out.
        use crate::store::outbox::OutboxState;
        lines.push(Line::from(Span::styled("Replies", theme.heading)));
        for m in &detail.outbox {
            let (state, style) = match m.state {
                OutboxState::Sent => (
                    format!("sent {}", m.sent_at.map(|t| local_time(r.jurisdiction, t)).unwrap_or_default()),
                    theme.ok,
                ),
                OutboxState::Failed => (
                    format!(
                        "FAILED: {} — resend with `dsrdesk outbox resolve {} --resend`",
                        m.last_error.as_deref().map(escape_line).unwrap_or_default(),
                        m.id
                    ),
                    theme.error,
                ),
                OutboxState::Uncertain => (
                    format!(
                        "UNCERTAIN whether it arrived — check, then `dsrdesk outbox resolve {} --sent` or `--resend`",
                        m.id
                    ),
                    theme.conflict,
                ),
                OutboxState::Retry => (
                    format!(
                        "retry {} after attempt {}: {}",
                        local_time(r.jurisdiction, m.next_attempt_at),
                        m.attempts,
                        m.last_error.as_deref().map(escape_line).unwrap_or_default()
                    ),
                    theme.soon,
                ),
                other => (other.as_str().to_string(), theme.dim),
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  #{} {} → {} · ", m.id, escape_line(&m.purpose), escape_line(&m.to_address)),
                    theme.label,
                ),
                Span::styled(state, style),
            ]));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(format!("History ({} events)", events.len()), theme.heading)));
    for e in events {
        let who = match &e.actor_client {
            Some(c) => format!("{}@{}", escape_line(&e.actor), escape_line(c)),
            None => escape_line(&e.actor).into_owned(),
        };
        let details = e
            .details
            .as_object()
            .map(|o| {
                o.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| match v.as_str() {
                        Some(s) => format!("{k}: {s}"),
                        None => format!("{k}: {v}"),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!("  {} ", local_time(r.jurisdiction, e.effective_at)), theme.label),
            // Long action names (identity_verified) keep a space before the actor.
            Span::styled(format!("{:<14} ", escape_line(&e.action)), theme.title),
            Span::raw(format!("{who}  ")),
            Span::styled(escape_line(&details).into_owned(), theme.dim),
        ]));
    }
    let times = "times are local to the controller";
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((d.scroll, 0)).block(
            Block::bordered()
                .border_style(theme.border)
                .title_bottom(format!(" {times} "))
                .title(Line::from(Span::styled(
                    format!(" {} · version {} ", r.reference, r.version),
                    theme.title,
                )))
                .title_top(
                    subject_keys(app, r.kind, lower_area.width.saturating_sub(34) as usize).right_aligned(),
                ),
        ),
        lower_area,
    );
}

/// The screens about the request's subject and the rights actions for its kind, as keys:
/// " i identity · E erasure plan · T Art. 19 ". What does not fit is left to the help screen.
fn subject_keys(app: &App, kind: RequestKind, width: usize) -> Line<'static> {
    use Action as A;
    use Context as C;
    let mut items = vec![(C::Subject, A::GoIdentity, "identity")];
    match kind {
        RequestKind::Erasure => items.push((C::Subject, A::GoErasure, "erasure plan")),
        RequestKind::Rectification => items.push((C::Subject, A::GoRectify, "rectify")),
        RequestKind::Restriction => {
            items.push((C::Detail, A::Restrict, "restrict"));
            items.push((C::Detail, A::LiftRestriction, "lift"));
        }
        RequestKind::Objection => {
            items.push((C::Detail, A::OptOut, "stop marketing"));
            items.push((C::Detail, A::DecideObjection, "decide"));
        }
        RequestKind::Access | RequestKind::Portability => {}
    }
    items.push((C::Subject, A::GoTasks, "Art. 19"));
    let theme = &app.settings.theme;
    let mut spans = vec![];
    let mut used = 2;
    for (context, action, label) in items {
        if app.settings.read_only && super::app::changes_requests(&action) {
            continue;
        }
        let Some(key) = key_hint(app, context, &action) else { continue };
        let w = key.width() + label.width() + 4;
        if used + w > width {
            break;
        }
        used += w;
        spans.push(Span::raw(if spans.is_empty() { " " } else { " · " }));
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::raw(format!(" {label}")));
    }
    if !spans.is_empty() {
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}

// ---- help ----

/// The help text, generated from the keymap the input handler uses.
pub fn help_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let theme = &app.settings.theme;
    let km = app.keymap();
    let mut lines = vec![];
    let key_width = 22;
    for context in Context::ALL {
        let mut section = vec![];
        let mut seen: Vec<(String, &str)> = vec![];
        for b in km.bindings().iter().filter(|b| b.spec.context == context) {
            if app.settings.read_only && b.spec.changes {
                continue;
            }
            let keys = b.keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" ");
            let keys = if keys.is_empty() { "(unbound)".to_string() } else { keys };
            if seen.iter().any(|(k, h)| *k == keys && *h == b.spec.help) {
                continue;
            }
            seen.push((keys.clone(), b.spec.help));
            let mut spans =
                vec![Span::styled(format!("  {}", fit(&keys, key_width)), theme.key), Span::raw(b.spec.help)];
            // The name to use in keys.toml, when there is room for it.
            if 2 + key_width + b.spec.help.width() + 4 + b.spec.name.width() <= width {
                spans.push(Span::styled(format!("  [{}]", b.spec.name), theme.dim));
            }
            section.push(Line::from(spans));
        }
        if section.is_empty() {
            continue;
        }
        lines.push(Line::from(Span::styled(context.title().to_string(), theme.heading)));
        lines.extend(section);
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled("Typing (search, command line, prompts)", theme.heading)));
    for (key, _, help) in input_bindings() {
        lines.push(Line::from(vec![
            Span::styled(format!("  {}", fit(&key.to_string(), key_width)), theme.key),
            Span::raw(help),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Command line (:)", theme.heading)));
    for (cmd, help) in LINE_COMMANDS {
        lines.push(Line::from(vec![
            Span::styled(format!("  :{}", fit(cmd, key_width + 6)), theme.key),
            Span::raw(*help),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Marks in lists", theme.heading)));
    for (mark, meaning) in [
        ("!", "overdue (the countdown says by how much: “3d over”)"),
        ("*", "due today"),
        ("‖", "clock paused: identifying information awaited (Art. 12(6))"),
        ("+", "deadline extended by two months (Art. 12(3))"),
    ] {
        lines.push(Line::from(vec![Span::styled(format!("  {mark:<4}"), theme.key), Span::raw(meaning)]));
    }
    lines.push(Line::from(""));
    let source = match &km.source {
        Some(p) => format!("Keys from {} ([keys] table; command names in brackets).", p.display()),
        None => {
            "Default keys. Remap in ~/.config/dsrdesk/keys.toml: [keys] down = [\"j\", \"ctrl-n\"]".into()
        }
    };
    lines.push(Line::from(Span::styled(source, theme.dim)));
    if app.settings.read_only {
        lines.push(Line::from(Span::styled(
            "Read-only mode: actions that change requests are not offered.",
            theme.dim,
        )));
    }
    lines
}

pub fn help_line_count(app: &App) -> usize {
    help_lines(app, usize::MAX).len()
}

fn draw_help(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.settings.theme;
    let title = " Help: keys and commands ";
    if area.width >= WIDE {
        let lines = help_lines(app, (area.width as usize - 2) / 2);
        // Two columns, split at a section break near the middle.
        let half = lines.len().div_ceil(2);
        let split = (half..lines.len())
            .find(|&i| lines[i].spans.is_empty() || lines[i].width() == 0)
            .map_or(half, |i| i + 1);
        let (a, b) = lines.split_at(split.min(lines.len()));
        let outer = block(theme, title, false);
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        let [left, right] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(inner);
        frame.render_widget(Paragraph::new(a.to_vec()).scroll((app.help_scroll, 0)), left);
        frame.render_widget(Paragraph::new(b.to_vec()).scroll((app.help_scroll, 0)), right);
    } else {
        let lines = help_lines(app, area.width as usize - 2);
        frame.render_widget(
            Paragraph::new(lines).scroll((app.help_scroll, 0)).block(block(theme, title, false)),
            area,
        );
    }
}

// ---- popups ----

fn popup_area(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width.saturating_sub(4));
    let h = height.min(area.height.saturating_sub(2));
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

fn footer_line(app: &App, items: &[(String, &str)]) -> Line<'static> {
    let theme = &app.settings.theme;
    let mut spans = vec![];
    for (i, (key, label)) in items.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("   "));
        }
        spans.push(Span::styled(key.clone(), theme.key));
        spans.push(Span::raw(format!(" {label}")));
    }
    Line::from(spans)
}

fn draw_confirm(frame: &mut Frame, app: &App, c: &Confirm, area: Rect) {
    let theme = &app.settings.theme;
    let km = app.keymap();
    let footer = footer_line(
        app,
        &[
            (km.keys_text(Context::Confirm, &Action::Confirm), c.verb),
            (km.keys_text(Context::Confirm, &Action::Cancel), "cancel: change nothing"),
        ],
    );
    let natural =
        c.lines.iter().map(|l| l.width()).chain([c.title.width(), footer.width()]).max().unwrap_or(40);
    let width = (natural as u16 + 4).max(40).min(area.width.saturating_sub(4));
    // Wrapped here, not by the paragraph, so the popup is as tall as what it says: the keys at its
    // foot must never be cut off.
    let inner = width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> =
        wrap(&c.title, inner, 3).into_iter().map(|l| Line::from(Span::styled(l, theme.title))).collect();
    lines.push(Line::from(""));
    for l in &c.lines {
        lines.extend(wrap(l, inner, 8).into_iter().map(Line::from));
    }
    lines.push(Line::from(""));
    lines.push(footer);
    let rect = popup_area(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered().title(" Confirm ").border_style(theme.focus_border).title_style(theme.title),
        ),
        rect,
    );
}

fn draw_prompt(frame: &mut Frame, app: &App, p: &Prompt, area: Rect) {
    let theme = &app.settings.theme;
    let mut lines: Vec<Line> = vec![Line::from(Span::styled(p.title.clone(), theme.title)), Line::from("")];
    lines.extend(p.lines.iter().map(|l| Line::from(l.clone())));
    lines.push(Line::from(""));
    let width = lines.iter().map(|l| l.width()).max().unwrap_or(40).max(60) as u16 + 4;
    let room = (width.min(area.width.saturating_sub(4)) as usize).saturating_sub(6).max(1);
    // A long answer scrolls: its end, where one types, stays in view.
    let mut input = escape_line(&app.input).into_owned();
    if input.width() > room {
        let mut tail: Vec<char> = vec![];
        let mut used = 1;
        for c in input.chars().rev() {
            used += c.width().unwrap_or(0);
            if used > room {
                break;
            }
            tail.push(c);
        }
        input = std::iter::once('…').chain(tail.into_iter().rev()).collect();
    }
    let input_line = lines.len();
    lines.push(Line::from(vec![Span::raw("› "), Span::styled(input.clone(), theme.input)]));
    lines.push(Line::from(""));
    lines.push(footer_line(app, &[("enter".into(), "accept"), ("esc".into(), "cancel: change nothing")]));
    let rect = popup_area(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered().title(" Input ").border_style(theme.focus_border).title_style(theme.title),
        ),
        rect,
    );
    let x = (rect.x + 3 + input.width() as u16).min(rect.right().saturating_sub(2));
    let y = rect.y + 1 + input_line as u16;
    if y < rect.bottom() {
        frame.set_cursor_position(Position::new(x, y));
    }
}

fn draw_menu(frame: &mut Frame, app: &App, m: &Menu, area: Rect) {
    let theme = &app.settings.theme;
    let mut lines: Vec<Line> = vec![Line::from(Span::styled(m.title.clone(), theme.title)), Line::from("")];
    for (i, choice) in m.choices.iter().enumerate() {
        let (label, what) = menu_choice_text(*choice);
        let style = if i == m.selected { theme.selected } else { Style::new() };
        let mark = if i == m.selected { "›" } else { " " };
        lines.push(Line::from(Span::styled(format!("{mark} {label:<12} {what}"), style)));
    }
    lines.push(Line::from(""));
    let km = app.keymap();
    lines.push(footer_line(
        app,
        &[
            (km.keys_text(Context::Navigation, &Action::Down), "down"),
            (km.keys_text(Context::Navigation, &Action::Up), "up"),
            ("enter".into(), "choose"),
            ("esc".into(), "cancel"),
        ],
    ));
    let width = lines.iter().map(|l| l.width()).max().unwrap_or(40) as u16 + 4;
    let rect = popup_area(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(m.heading)
                .border_style(theme.focus_border)
                .title_style(theme.title.add_modifier(Modifier::BOLD)),
        ),
        rect,
    );
}

/// A menu line: the choice's word and what it means.
fn menu_choice_text(choice: MenuChoice) -> (&'static str, &'static str) {
    use crate::service::rights::ObjectionDecision as D;
    use crate::service::verify::VerificationMethod as M;
    match choice {
        MenuChoice::Status(s) => (
            status_label(s),
            match s {
                RequestStatus::New => "back to new",
                RequestStatus::InProgress => "being worked on",
                RequestStatus::AwaitingInformation => "use pause",
                RequestStatus::Answered => "the reply was given; closes it",
                RequestStatus::Refused => "Art. 12(5) or identity; closes it, with a reason",
                RequestStatus::Forwarded => "to the client (processor role); closes it, with a reason",
                RequestStatus::Withdrawn => "by the requester; closes it, with a reason",
            },
        ),
        MenuChoice::Method(m) => (
            method_label(m),
            match m {
                M::BankId => "Swedish BankID in the portal (its transaction reference)",
                M::Ftn => "Finnish e-ID, FTN (its transaction reference)",
                M::RegisteredEmail => "a reply from the e-mail address in the ledger",
                M::RegisteredAddress => "a letter to the ledger address, answered",
                M::IdDocument => "a copy of an identity document, checked",
            },
        ),
        MenuChoice::Export(format, encrypt) => (
            match (format, encrypt) {
                (crate::export::ExportFormat::Access, _) => "access copy",
                (_, false) => "portability bundle",
                (_, true) => "bundle, encrypted",
            },
            match (format, encrypt) {
                (crate::export::ExportFormat::Access, _) => "Art. 15: every source and the information, HTML",
                (_, false) => "Art. 20: the portable sources as JSON and CSV, zip",
                (_, true) => "the same, AES-256; the passphrase is shown once",
            },
        ),
        MenuChoice::Decision(d) => (
            objection_label(d),
            match d {
                D::Upheld => "the processing stops",
                D::CompellingGrounds => "compelling legitimate grounds override (in words)",
                D::LegalClaims => "needed for legal claims (in words)",
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_and_pads_by_display_width() {
        assert_eq!(fit("Åsa Öberg", 12), "Åsa Öberg   ");
        assert_eq!(fit("Linnéa Lindström", 10), "Linnéa Li…");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(fit_right("3d over", 9), "  3d over");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_marks_what_is_left_out() {
        assert_eq!(wrap("a conflict explained in full", 12, 3), ["a conflict", "explained in", "full"]);
        assert_eq!(wrap("one two three four", 8, 1), ["one two…"]);
        assert_eq!(wrap("abcdefghij", 4, 5), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10, 3), [""]);
    }

    #[test]
    fn thousands_separates() {
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(-1234), "-1,234");
    }
}
