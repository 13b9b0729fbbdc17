//! Legal holds on the shift overview (issue 17 §3): the requests an authority's or a court's case
//! keeps from anonymisation, with the authority's reference and when it expects an answer. One
//! line, drawn into a title of the overview's counts, so the overview's layout stays its own.

use super::*;
use crate::store::retention::LegalHold;

/// The overview's counts block with the holds line, if any hold is in force: at the bottom right
/// of the block it is drawn on; on the narrow overview (80 columns) without the authority's name,
/// and at the top right when the bottom right already says the outbox needs the operator.
pub(super) fn with_holds<'a>(
    block: Block<'a>,
    theme: &Theme,
    holds: &[LegalHold],
    wide: bool,
    bottom_taken: bool,
) -> Block<'a> {
    match holds_line(theme, holds, wide) {
        None => block,
        Some(line) if !wide && bottom_taken => block.title(line.right_aligned()),
        Some(line) => block.title_bottom(line.right_aligned()),
    }
}

/// " held: DSR-… IMY DI-2026-1234 due 2027-01-15 · 2 more ", the soonest due first; None when
/// no hold is in force. `with_authority`: the authority's name too (it has room).
fn holds_line(theme: &Theme, holds: &[LegalHold], with_authority: bool) -> Option<Line<'static>> {
    let first = holds.first()?;
    let due = first.due_on.map(|d| format!(" due {d}")).unwrap_or_default();
    let authority =
        if with_authority { format!(" {}", escape_line(&first.authority)) } else { String::new() };
    let mut spans = vec![
        Span::styled(" held: ", theme.label),
        Span::styled(first.reference.clone(), theme.paused),
        Span::raw(format!("{authority} {}{due}", escape_line(&first.case_reference))),
    ];
    if holds.len() > 1 {
        spans.push(Span::raw(format!(" · {} more", holds.len() - 1)));
    }
    spans.push(Span::raw(" "));
    Some(Line::from(spans))
}
