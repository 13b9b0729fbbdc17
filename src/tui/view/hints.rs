//! The hints lines: the keys each screen offers, from the keymap.

use super::*;

pub(super) fn key_hint(app: &App, context: Context, action: &Action) -> Option<String> {
    app.keymap().key_for(context, action).map(|k| k.to_string())
}

/// How a line of keys is punctuated. Every key line on the desk is built by `key_line`; these
/// say only where the spaces and dots go.
struct Punctuation {
    /// Before the first key (printed only when some key fits).
    lead: &'static str,
    /// Between two keys; also reserved before the first, so a line's cut never depends on order.
    between: &'static str,
    /// After each key's label.
    after: &'static str,
    /// After the last key (printed only when some key fits).
    trail: &'static str,
}

/// The bottom hints: " o open  / search  ? help  ".
const HINTS: Punctuation = Punctuation { lead: " ", between: "", after: "  ", trail: "" };
/// The subject keys on the detail screen: " i identity · E erasure plan ".
const DOTTED: Punctuation = Punctuation { lead: " ", between: " · ", after: "", trail: " " };
/// A dialog's footer: "enter accept   esc cancel".
const FOOTER: Punctuation = Punctuation { lead: "", between: "   ", after: "", trail: "" };

/// The one builder of key lines: each key styled, its label after it, keys that do not fit in
/// `width` left to the help screen.
fn key_line(app: &App, keys: &[(String, &str)], punctuation: &Punctuation, width: usize) -> Line<'static> {
    let theme = &app.settings.theme;
    let mut spans = vec![];
    let mut used = punctuation.lead.width() + punctuation.trail.width();
    for (key, label) in keys {
        let w = punctuation.between.width() + key.width() + 1 + label.width() + punctuation.after.width();
        if used + w > width {
            break;
        }
        used += w;
        spans.push(Span::raw(if spans.is_empty() { punctuation.lead } else { punctuation.between }));
        spans.push(Span::styled(key.clone(), theme.key));
        spans.push(Span::raw(format!(" {label}{}", punctuation.after)));
    }
    if !spans.is_empty() && !punctuation.trail.is_empty() {
        spans.push(Span::raw(punctuation.trail));
    }
    Line::from(spans)
}

/// The keys for these commands as bound in the keymap; on a read-only desk the commands that
/// change requests are left out (the command table's `changes` column says which).
fn bound_keys<'a>(app: &App, items: &[(Context, Action, &'a str)]) -> Vec<(String, &'a str)> {
    items
        .iter()
        .filter(|(_, action, _)| !(app.settings.read_only && crate::tui::commands::changes_requests(action)))
        .filter_map(|(context, action, label)| Some((key_hint(app, *context, action)?, *label)))
        .collect()
}

pub(in crate::tui) fn hints_line(
    app: &App,
    items: &[(Context, Action, &str)],
    width: usize,
) -> Line<'static> {
    key_line(app, &bound_keys(app, items), &HINTS, width)
}

pub(super) fn screen_hints(app: &App, width: usize) -> Line<'static> {
    use Action as A;
    use Context as C;
    let items: Vec<(Context, Action, &'static str)> = match app.screen {
        Screen::Overview => vec![
            (C::Navigation, A::Open, "open"),
            (C::Overview, A::NextPane, "next list"),
            (C::Global, A::GoQueue, "queue"),
            (C::Global, A::GoStats, "statistics"),
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
        // A closed request: nothing on it changes any more; what is left is reading it and
        // sending a copy of the answer.
        Screen::Detail(_) if app.detail.load.data.as_ref().is_some_and(|d| !d.request.status.is_open()) => {
            vec![
                (C::Subject, A::GoReply, "reply"),
                (C::Global, A::Back, "back"),
                (C::Global, A::Help, "help"),
            ]
        }
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
        // In the editor every key is text: its own key line (above) says what Esc and Tab do.
        Screen::Reply(_) if app.mode == Mode::Edit => vec![],
        Screen::Reply(_) => vec![(C::Global, A::Help, "help"), (C::Global, A::Quit, "quit")],
        Screen::NewRequest => {
            vec![(C::Navigation, A::Open, "type"), (C::Global, A::Back, "back"), (C::Global, A::Help, "help")]
        }
        Screen::Inbox => vec![
            (C::Navigation, A::Down, "select"),
            (C::Inbox, A::InboxRequest, "make request"),
            (C::Inbox, A::InboxAttach, "attach"),
            (C::Inbox, A::InboxDismiss, "not a request"),
            (C::Global, A::Back, "back"),
            (C::Global, A::Help, "help"),
        ],
        Screen::Stats => vec![
            (C::Global, A::Refresh, "count again"),
            (C::Global, A::Back, "back"),
            (C::Global, A::Help, "help"),
            (C::Global, A::Quit, "quit"),
        ],
        Screen::Outbox(_) => vec![
            (C::Navigation, A::Open, "read"),
            (C::Outbox, A::FilterOutboxState, "state"),
            (C::Outbox, A::ResolveSent, "record sent"),
            (C::Outbox, A::ResolveResend, "resend"),
            (C::Global, A::Back, "back"),
            (C::Global, A::Help, "help"),
        ],
        Screen::Message(_) => vec![
            (C::Navigation, A::Down, "scroll"),
            (C::Global, A::Back, "back"),
            (C::Global, A::Help, "help"),
        ],
        Screen::Help => vec![
            (C::Navigation, A::Down, "scroll"),
            (C::Global, A::Back, "back"),
            (C::Global, A::Quit, "quit"),
        ],
        Screen::Subject(_, screen) => {
            let kind = app.subject.load.data.as_ref().map(|d| d.detail.request.kind);
            let mut items = match screen {
                SubjectScreen::Identity => vec![
                    (C::Identity, A::Link, "link"),
                    (C::Identity, A::Unlink, "unlink"),
                    (C::Identity, A::Verify, "verify"),
                    (C::Navigation, A::Down, "select"),
                ],
                SubjectScreen::Erasure => {
                    let mut items = vec![(C::Erasure, A::ExecuteErasure, "execute")];
                    let forward = app
                        .subject
                        .load
                        .data
                        .as_ref()
                        .and_then(|d| d.plan.as_ref())
                        .and_then(|p| p.as_ref().ok());
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
                match kind.and_then(SubjectScreen::for_kind) {
                    Some(SubjectScreen::Erasure) => items.push((C::Subject, A::GoErasure, "plan")),
                    Some(SubjectScreen::Rectify) => items.push((C::Subject, A::GoRectify, "rectify")),
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
    hints_line(app, &items, width)
}

/// The screens about the request's subject and the rights actions for its kind, as keys:
/// " i identity · E erasure plan · T Art. 19 ". What does not fit is left to the help screen.
pub(super) fn subject_keys(app: &App, kind: RequestKind, width: usize) -> Line<'static> {
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
    key_line(app, &bound_keys(app, &items), &DOTTED, width)
}

pub(super) fn footer_line(app: &App, items: &[(String, &str)]) -> Line<'static> {
    key_line(app, items, &FOOTER, usize::MAX)
}
