//! Legal holds on the shift overview (issue 17 §3): the requests an authority's or a court's case
//! keeps from anonymisation, with the authority's reference and when it expects an answer. One
//! line, drawn into a title of the overview's counts, so the overview's layout stays its own.

use super::*;
use crate::store::retention::LegalHold;

/// " held: DSR-… IMY DI-2026-1234 due 2027-01-15 · 2 more ", the soonest due first; None when
/// no hold is in force.
pub(super) fn holds_line(theme: &Theme, holds: &[LegalHold]) -> Option<Line<'static>> {
    let first = holds.first()?;
    let due = first.due_on.map(|d| format!(" due {d}")).unwrap_or_default();
    let mut spans = vec![
        Span::styled(" held: ", theme.label),
        Span::styled(first.reference.clone(), theme.paused),
        Span::raw(format!(" {} {}{due}", escape_line(&first.authority), escape_line(&first.case_reference))),
    ];
    if holds.len() > 1 {
        spans.push(Span::raw(format!(" · {} more", holds.len() - 1)));
    }
    spans.push(Span::raw(" "));
    Some(Line::from(spans))
}
