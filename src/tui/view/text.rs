//! Small helpers for drawing text: fitting to a width, wrapping, numbers, the queue's short words.

use super::*;

/// `fit`, right-aligned.
pub(super) fn fit_right(s: &str, width: usize) -> String {
    if s.width() >= width {
        return fit(s, width);
    }
    format!("{}{s}", " ".repeat(width - s.width()))
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
    } else if item.deadline_error.is_some() {
        "date err".into()
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
