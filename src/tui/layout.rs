//! Geometry that both the reducer and the views need, computed from state alone: the smallest
//! terminal, the queue's rows, fitting and wrapping text, and the screens whose scrolling stops
//! at their last line (help, the erasure plan). The views draw these lines; the reducer counts
//! them. Nothing here reads the app: it is given what it needs.

use crate::domain::holds::HoldKind;
use crate::domain::plan::{EraseMethod, ErasurePlan, HoldEntry, RowAction};
use crate::domain::text::escape_line;
use crate::tui::action::SubjectData;
use crate::tui::commands::{Context, LINE_COMMANDS};
use crate::tui::keymap::{Keymap, input_bindings};
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The smallest terminal the desk draws in.
pub const MIN_WIDTH: u16 = 80;

pub const MIN_HEIGHT: u16 = 24;

/// Table rows the queue shows at a terminal height: title bar, filter line, table header and
/// status line take four. The view draws exactly this many.
pub fn queue_table_rows(height: u16) -> usize {
    height.saturating_sub(4).max(1) as usize
}

/// Rows of the inbox list at a terminal height: two fifths of the body (title bar and status line
/// off), less its summary line and header; the selected message is shown below it.
pub fn inbox_list_rows(height: u16) -> usize {
    let body = height.saturating_sub(2) as usize;
    (body * 2 / 5).max(3) - 2
}

/// The overview's counts block on a terminal of `size`: its height, given how many rows (the
/// "all open" row included) the longer breakdown has. Borders, the summary line and the table
/// header take four lines; at 80 columns one table is shown at a time, in a fixed eleven lines.
pub fn overview_counts_height(size: (u16, u16), rows: usize) -> u16 {
    let body = size.1.saturating_sub(2);
    if size.0 >= WIDE { (rows.min(usize::from(u16::MAX)) as u16 + 4).min(body / 2).max(6) } else { 11 }
}

/// How many breakdown rows a page of the counts block shows below its "all open" row.
pub fn overview_breakdown_page(counts_height: u16) -> usize {
    counts_height.saturating_sub(5).max(1) as usize
}

/// How many pages the by-assignee table takes (`b` turns them), for `operators` rows besides
/// "all open" (the kinds table's seven rows set the height's floor).
pub fn overview_assignee_pages(size: (u16, u16), operators: usize) -> usize {
    let height = overview_counts_height(size, 1 + operators.max(crate::domain::RequestKind::ALL.len()));
    operators.div_ceil(overview_breakdown_page(height)).max(1)
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

// ---- help ----

/// The help text, generated from the keymap the input handler uses.
pub fn help_lines(km: &Keymap, theme: &Theme, read_only: bool, width: usize) -> Vec<Line<'static>> {
    let mut lines = vec![];
    let key_width = 22;
    for context in Context::ALL {
        let mut section = vec![];
        let mut seen: Vec<(String, &str)> = vec![];
        for b in km.bindings().iter().filter(|b| b.spec.context == context) {
            if read_only && b.spec.changes {
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
    if read_only {
        lines.push(Line::from(Span::styled(
            "Read-only mode: actions that change requests are not offered.",
            theme.dim,
        )));
    }
    lines
}

/// At this width and wider, screens show more columns and side-by-side panels.
pub const WIDE: u16 = 140;

/// Where the help splits into its two columns on a wide terminal: at a section break near the
/// middle, so no section is cut in two.
pub fn help_split(lines: &[Line]) -> usize {
    let half = lines.len().div_ceil(2);
    (half..lines.len()).find(|&i| lines[i].spans.is_empty() || lines[i].width() == 0).map_or(half, |i| i + 1)
}

/// The help's columns as drawn at this terminal size: their width and the lines of each.
pub fn help_columns(
    km: &Keymap,
    theme: &Theme,
    read_only: bool,
    size: (u16, u16),
) -> Vec<Vec<Line<'static>>> {
    let inner = size.0.saturating_sub(2) as usize;
    if size.0 >= WIDE {
        let mut lines = help_lines(km, theme, read_only, inner / 2);
        let right = lines.split_off(help_split(&lines).min(lines.len()));
        vec![lines, right]
    } else {
        vec![help_lines(km, theme, read_only, inner)]
    }
}

/// How far the help scrolls: until the last line of its longer column is at the bottom of the
/// box (the box is the screen less the title bar, the status line and its own borders), so `G`
/// shows the end of the help, not an empty page.
pub fn help_scroll_max(km: &Keymap, theme: &Theme, read_only: bool, size: (u16, u16)) -> usize {
    let visible = size.1.saturating_sub(4) as usize;
    let longest = help_columns(km, theme, read_only, size).iter().map(Vec::len).max().unwrap_or(0);
    longest.saturating_sub(visible)
}

// ---- the erasure plan ----

// ---- the erasure plan ----

pub fn method_word(m: EraseMethod) -> &'static str {
    match m {
        EraseMethod::Delete => "deleted",
        EraseMethod::Anonymise => "anonymised",
        EraseMethod::Restrict => "restricted: it cannot be erased from here",
    }
}

/// How long one hold lasts, in words.
pub fn hold_until(h: &HoldEntry) -> String {
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
    theme: &Theme,
    d: &SubjectData,
    plan: &ErasurePlan,
    width: usize,
) -> Vec<Line<'static>> {
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

/// How many Art. 19 tasks the erasure and rectification screens list before "… N more".
pub fn task_rows_max(area: Rect) -> usize {
    if area.height >= 40 { 8 } else { 3 }
}

/// The lines above the plan on the erasure screen: the summary, the follow-up, and one line
/// saying it was carried out or that identity is not verified yet. The view draws that many.
pub fn erasure_top_lines(d: &SubjectData) -> usize {
    2 + usize::from(d.last_erasure().is_some() || d.detail.request.identity_verified_at.is_none())
}

/// The erasure screen's three areas: the lines above the plan, the plan, the Art. 19 tasks.
pub fn erasure_areas(d: &SubjectData, area: Rect) -> [Rect; 3] {
    let tasks = &d.tasks;
    let task_rows = tasks.len().min(task_rows_max(area)) + usize::from(tasks.len() > task_rows_max(area));
    Layout::vertical([
        Constraint::Length(erasure_top_lines(d) as u16),
        Constraint::Fill(1),
        Constraint::Length(if tasks.is_empty() { 0 } else { task_rows as u16 + 1 }),
    ])
    .areas(area)
}

/// How far the plan scrolls: until its last line is at the bottom of the box.
pub fn erasure_scroll_max(theme: &Theme, size: (u16, u16), d: Option<&SubjectData>) -> usize {
    let Some(d) = d else { return 0 };
    let Some(Ok(plan)) = &d.plan else { return 0 };
    // The body of the screen: below the title bar and the request's line, above the status line.
    let (w, h) = size;
    let body = Rect::new(0, 2, w, h.saturating_sub(3));
    let [_, plan_area, _] = erasure_areas(d, body);
    let lines = erasure_plan_lines(theme, d, plan, plan_area.width.saturating_sub(2) as usize).len();
    lines.saturating_sub(plan_area.height.saturating_sub(2) as usize)
}
