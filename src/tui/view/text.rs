//! Small helpers for drawing text: fitting to a width, wrapping, numbers, the queue's short words.

use super::*;

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
pub(super) fn fit_right(s: &str, width: usize) -> String {
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

pub(super) fn kind_short(k: RequestKind) -> &'static str {
    match k {
        RequestKind::Access => "access",
        RequestKind::Rectification => "rectific.",
        RequestKind::Erasure => "erasure",
        RequestKind::Restriction => "restrict.",
        RequestKind::Portability => "portab.",
        RequestKind::Objection => "objection",
    }
}

pub(super) fn status_short(s: RequestStatus) -> &'static str {
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
pub(super) fn item_urgency(item: &QueueItem) -> Option<Urgency> {
    (item.record.status.is_open() && !item.is_paused()).then(|| item.urgency())
}

/// The countdown in words: "12d", "today", "3d over", "paused", "closed".
pub(super) fn item_left(item: &QueueItem) -> String {
    if !item.record.status.is_open() {
        "closed".into()
    } else if item.is_paused() {
        "paused".into()
    } else {
        countdown_label(item.days_left)
    }
}

/// The mark column: urgency, then `+` for an extended deadline. Readable without colour.
pub(super) fn item_mark(item: &QueueItem) -> String {
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

pub(super) fn block<'a>(theme: &Theme, title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
    Block::bordered()
        .title(title)
        .border_style(if focused { theme.focus_border } else { theme.border })
        .title_style(theme.title)
}

pub fn local_time(j: Jurisdiction, t: DateTime<Utc>) -> String {
    t.with_timezone(&j.time_zone()).format("%Y-%m-%d %H:%M").to_string()
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
