//! The shift overview: counts, the urgent list, my requests and the changes since last seen.

use super::*;
use crate::tui::action::OverviewData;
use crate::tui::layout::{overview_breakdown_page, overview_counts_height};

// ---- overview ----

pub(super) fn counts_lines(
    theme: &Theme,
    rows: &[(String, UrgencyCounts, bool)],
    width: usize,
) -> Vec<Line<'static>> {
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

/// " replies: 2 failed · 1 uncertain (M) ", when any reply waits for the operator.
fn outbox_line(app: &App, counts: &crate::store::outbox_view::OutboxCounts) -> Option<Line<'static>> {
    if counts.need_attention() == 0 {
        return None;
    }
    let theme = &app.settings.theme;
    let m = app.keymap().hint(Context::Global, &Action::GoOutbox);
    let mut spans = vec![Span::raw(" replies: ")];
    if counts.failed > 0 {
        spans.push(Span::styled(format!("{} failed", thousands(counts.failed)), theme.error));
    }
    if counts.uncertain > 0 {
        if counts.failed > 0 {
            spans.push(Span::raw(" · "));
        }
        spans.push(Span::styled(format!("{} uncertain", thousands(counts.uncertain)), theme.conflict));
    }
    spans.push(Span::raw(format!(" ({m}) ")));
    Some(Line::from(spans))
}

pub(super) fn draw_overview(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.settings.theme;
    let o = &app.overview;
    let Some(data) = &o.load.data else {
        let text = match &o.load.error {
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
    let assignees = assignee_rows(data, me);
    let pages_total = |page: usize| (assignees.len() - 1).div_ceil(page).max(1);
    let counts_height = overview_counts_height(app.size, assignees.len().max(kinds.len()));
    let page_size = overview_breakdown_page(counts_height);
    let pages = pages_total(page_size);
    let page = o.assignee_page.min(pages - 1);
    let shown_assignees: Vec<(String, UrgencyCounts, bool)> = assignees
        .iter()
        .take(1)
        .chain(assignees.iter().skip(1 + page * page_size).take(page_size))
        .cloned()
        .collect();
    let b = app.keymap().hint(Context::Overview, &Action::ToggleBreakdown);
    let more = (pages > 1).then(|| format!(" {b}: more ({}/{pages}) ", page + 1));
    let [counts_area, lists_area] =
        Layout::vertical([Constraint::Length(counts_height), Constraint::Fill(1)]).areas(area);
    let total = format!(" Open requests: {} ", thousands(data.overview.counts.total));
    // Replies that wait for the operator (failed, uncertain) are said where the shift starts.
    let outbox = outbox_line(app, &data.outbox);
    let with_summary = |summary: Line<'static>, table: Vec<Line<'static>>| {
        std::iter::once(summary).chain(table).collect::<Vec<_>>()
    };
    if wide {
        let [left, right] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(counts_area);
        let inner = left.width.saturating_sub(2) as usize;
        frame.render_widget(
            Paragraph::new(with_summary(week_line(app, data), counts_lines(theme, &kinds, inner))).block({
                let b = block(theme, format!("{total}by kind "), false);
                match outbox.clone() {
                    Some(line) => b.title_bottom(line.right_aligned()),
                    None => b,
                }
            }),
            left,
        );
        let inner = right.width.saturating_sub(2) as usize;
        let inbox = Line::from(Span::raw(inbox_text(app, data)));
        frame.render_widget(
            Paragraph::new(with_summary(inbox, counts_lines(theme, &shown_assignees, inner))).block({
                let b = block(theme, " by assignee ", false);
                let b = match more {
                    Some(more) => b.title_bottom(more),
                    None => b,
                };
                with_holds(b, theme, &data.holds, true, false)
            }),
            right,
        );
    } else {
        let (rows, title, next) = if o.by_assignee {
            let next = more.filter(|_| page + 1 < pages).unwrap_or_else(|| format!(" {b}: by kind "));
            (&shown_assignees, "by assignee", next)
        } else {
            (&kinds, "by kind", format!(" {b}: by assignee "))
        };
        let inner = counts_area.width.saturating_sub(2) as usize;
        // The inbox line rides in the title here: the summary line has no room for both.
        let inbox = inbox_text(app, data);
        frame.render_widget(
            Paragraph::new(with_summary(week_line(app, data), counts_lines(theme, rows, inner))).block({
                let b = block(theme, format!("{total}{title} {inbox}"), false).title_bottom(next);
                let b = with_holds(b, theme, &data.holds, false, outbox.is_some());
                match outbox {
                    Some(line) => b.title_bottom(line.right_aligned()),
                    None => b,
                }
            }),
            counts_area,
        );
    }

    let (urgent_area, mine_area, changes_area) = if wide {
        let [a, b, c] = Layout::horizontal([
            Constraint::Percentage(33),
            Constraint::Percentage(27),
            Constraint::Percentage(40),
        ])
        .areas(lists_area);
        (a, b, c)
    } else {
        // The lists get the wider part: their rows carry the holder (or the requester) besides
        // reference, kind and countdown; the change feed's lines are cut sooner.
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(lists_area);
        let [a, b] = Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).areas(left);
        (a, b, right)
    };
    let focus = o.focus;
    let selected = |pane: Pane| o.selected[pane as usize];
    // In "Most urgent" the column after the kind says who holds the request (the triage
    // question); in "Mine" it is the requester, since the holder is oneself.
    let item_line = |item: &QueueItem, width: usize, is_selected: bool, holder: bool| -> Line<'static> {
        let mark = item_mark(item);
        let left = item_left(item);
        let urgency_style = theme.urgency(item_urgency(item));
        let base = if is_selected { theme.selected } else { Style::new() };
        let fixed = 2 + 15 + 1 + 9 + 1 + 9;
        // A narrow pane (a third of 140 columns) shortens the kind rather than wrapping the row.
        let kind_width = width.saturating_sub(2 + 15 + 1 + 1 + 9).min(9);
        let mut spans = vec![
            Span::styled(mark, urgency_style.patch(base)),
            Span::styled(format!("{} ", item.record.reference), base),
        ];
        if kind_width >= 3 {
            let kind = fit(kind_short(item.record.kind), kind_width);
            spans.push(Span::styled(format!("{kind:<kind_width$} "), base));
        }
        if width >= fixed + 8 {
            if holder {
                let (who, style) = match item.record.assignee.as_deref() {
                    Some(who) if who == app.operator().user => ("you".to_string(), theme.title.patch(base)),
                    Some(who) => (escape_line(who).into_owned(), base),
                    None => ("unassigned".to_string(), theme.dim.patch(base)),
                };
                spans.push(Span::styled(format!("{} ", fit(&who, width - fixed - 2)), style));
            } else {
                let who = item
                    .record
                    .requester_name
                    .as_deref()
                    .or(item.record.requester_email.as_deref())
                    .map(escape_line)
                    .unwrap_or_default();
                spans.push(Span::styled(format!("{} ", fit(&who, width - fixed - 2)), base));
            }
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
            .map(|(i, item)| item_line(item, width, focus == pane && i == sel, pane == Pane::Urgent))
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
    // Only the message for an empty pane wraps; a row is cut to the pane's width.
    let mine = if data.mine.is_empty() {
        Paragraph::new(mine).wrap(Wrap { trim: false })
    } else {
        Paragraph::new(mine)
    };
    frame.render_widget(
        mine.block(block(theme, format!(" Mine: {} ", thousands(mine_count)), focus == Pane::Mine)),
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

/// The by-assignee rows: all open first, then oneself and the unassigned pile (what a DPO looks
/// for), then the others, the most overdue first.
fn assignee_rows(data: &OverviewData, me: &str) -> Vec<(String, UrgencyCounts, bool)> {
    let mut others: Vec<(&String, &UrgencyCounts)> =
        data.overview.by_assignee.iter().filter(|(who, _)| who.as_str() != me && !who.is_empty()).collect();
    others.sort_by(|a, b| b.1.overdue.cmp(&a.1.overdue).then(b.1.total.cmp(&a.1.total)).then(a.0.cmp(b.0)));
    let mut rows = vec![("all open".to_string(), data.overview.counts, true)];
    if let Some(mine) = data.overview.by_assignee.get(me) {
        rows.push((format!("{} (you)", escape_line(me)), *mine, false));
    }
    if let Some(unassigned) = data.overview.by_assignee.get("") {
        rows.push(("unassigned".to_string(), *unassigned, false));
    }
    rows.extend(others.into_iter().map(|(who, c)| (escape_line(who).into_owned(), *c, false)));
    rows
}

/// "due this week 4 · past our internal target 7": what the week asks, above the tables.
fn week_line(app: &App, data: &OverviewData) -> Line<'static> {
    let theme = &app.settings.theme;
    let o = &data.overview;
    let styled = |n: i64, style: Style| Span::styled(thousands(n), if n > 0 { style } else { Style::new() });
    Line::from(vec![
        Span::raw("due this week "),
        styled(o.due_this_week, theme.soon),
        Span::raw(" · past our internal target "),
        styled(o.past_internal_target, theme.today),
        Span::raw(" "),
    ])
}

/// "· inbox: 2 waiting, oldest 3 days old": mail that waits has its clock running already (issue
/// 16). Shown when mailboxes are configured or something waits.
fn inbox_text(app: &App, data: &OverviewData) -> String {
    let inbox = &data.inbox;
    if inbox.waiting == 0 && app.settings.config.mailboxes.is_empty() {
        return String::new();
    }
    let oldest = inbox
        .oldest_received_at
        .map(|t| format!(", oldest {} old", countdown_days(app.now, t)))
        .unwrap_or_default();
    format!("· inbox: {} waiting{oldest} ", thousands(inbox.waiting))
}

/// How long ago a message arrived, in whole days ("0 days" the same day).
fn countdown_days(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let days = (now - then).num_days().max(0);
    if days == 1 { "1 day".into() } else { format!("{days} days") }
}
