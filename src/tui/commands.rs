//! The command table: every bindable command with its context, help and default keys, the
//! contexts and their parents, the `:` line, and the keys while typing. The keymap, the input
//! handler, the read-only policy and the help screen all read it.

use super::action::{Action, StatusFilter, Who};
use crate::domain::{RequestKind, RequestStatus};
use crate::store::shift::QueueOrder;

/// Where a bindable command applies. The screen's own context is looked up first, then
/// navigation, then global.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Navigation,
    Overview,
    Queue,
    Detail,
    /// The request and the screens about its subject: the keys that move between them.
    Subject,
    Identity,
    Erasure,
    Rectify,
    Tasks,
    Reply,
    Confirm,
    Inbox,
    Outbox,
    /// Reading one message of the outbox.
    Message,
}

impl Context {
    pub const ALL: [Context; 15] = [
        Context::Global,
        Context::Navigation,
        Context::Overview,
        Context::Queue,
        Context::Detail,
        Context::Subject,
        Context::Identity,
        Context::Erasure,
        Context::Rectify,
        Context::Tasks,
        Context::Reply,
        Context::Confirm,
        Context::Inbox,
        Context::Outbox,
        Context::Message,
    ];

    /// This context and the ones beneath it, most specific first: a screen's keys shadow those of
    /// the screens about a request, which shadow navigation's, which shadow the global ones. The
    /// one hierarchy the keymap's lookup and its clash check both use.
    pub fn with_parents(self) -> &'static [Context] {
        use Context as C;
        match self {
            C::Global => &[C::Global],
            C::Confirm => &[C::Confirm],
            C::Navigation => &[C::Navigation, C::Global],
            C::Overview => &[C::Overview, C::Navigation, C::Global],
            C::Queue => &[C::Queue, C::Navigation, C::Global],
            C::Subject => &[C::Subject, C::Navigation, C::Global],
            C::Reply => &[C::Reply, C::Navigation, C::Global],
            C::Inbox => &[C::Inbox, C::Navigation, C::Global],
            C::Outbox => &[C::Outbox, C::Navigation, C::Global],
            C::Message => &[C::Message, C::Navigation, C::Global],
            C::Detail => &[C::Detail, C::Subject, C::Navigation, C::Global],
            C::Identity => &[C::Identity, C::Subject, C::Navigation, C::Global],
            C::Erasure => &[C::Erasure, C::Subject, C::Navigation, C::Global],
            C::Rectify => &[C::Rectify, C::Subject, C::Navigation, C::Global],
            C::Tasks => &[C::Tasks, C::Subject, C::Navigation, C::Global],
        }
    }

    /// The contexts beneath this one, nearest first.
    pub fn parents(self) -> &'static [Context] {
        &self.with_parents()[1..]
    }

    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Navigation => "Moving around",
            Context::Overview => "Shift overview",
            Context::Queue => "Queue",
            Context::Detail => "Request",
            Context::Subject => "Request and its subject",
            Context::Identity => "Identity panel",
            Context::Erasure => "Erasure plan",
            Context::Rectify => "Rectification",
            Context::Tasks => "Art. 19 tasks",
            Context::Reply => "Reply to the requester",
            Context::Confirm => "Confirmation",
            Context::Inbox => "Inbox (arrived e-mail)",
            Context::Outbox => "Outbox (replies on their way)",
            Context::Message => "A reply as sent",
        }
    }
}

/// A bindable command: its name in keys.toml, where it applies, what it does, its default keys.
#[derive(Debug, Clone)]
pub struct CommandSpec {
    pub action: Action,
    pub name: &'static str,
    pub context: Context,
    pub help: &'static str,
    /// Changes a request: not offered, and refused, in read-only mode.
    pub changes: bool,
    pub keys: &'static [&'static str],
}

macro_rules! commands {
    ($( $action:ident $name:literal $ctx:ident $changes:literal [$($key:literal),*] $help:literal ;)*) => {
        /// Every bindable command. The keymap, the input handler and the help screen all read
        /// this one table.
        pub fn commands() -> Vec<CommandSpec> {
            vec![$(CommandSpec {
                action: Action::$action,
                name: $name,
                context: Context::$ctx,
                help: $help,
                changes: $changes,
                keys: &[$($key),*],
            }),*]
        }
    };
}

commands! {
    Quit "quit" Global false ["q", "ctrl-c"] "quit";
    Help "help" Global false ["?", "f1"] "this help";
    Back "back" Global false ["esc", "backspace", "alt-left"] "back along the breadcrumbs";
    Forward "forward" Global false ["alt-right"] "forward again";
    GoOverview "overview" Global false ["1"] "shift overview";
    GoQueue "queue" Global false ["2"] "queue";
    GoMine "mine" Global false ["3"] "my claimed requests";
    GoInbox "inbox" Global false ["4"] "inbox: e-mail not yet handled";
    NewRequest "new_request" Global true ["N"] "new request: a letter or a call";
    GoStats "statistics" Global false ["5"] "statistics: this year's figures, on time, intake";
    Search "search" Global false ["/"] "search reference, name, e-mail, personal number";
    CommandLine "command_line" Global false [":"] "command line (:ref DSR-2026-000123, :q)";
    Refresh "refresh" Global false ["ctrl-r", "f5"] "load again";
    Redraw "redraw" Global false ["ctrl-l"] "redraw the screen";
    Suspend "suspend" Global false ["ctrl-z"] "suspend (fg to come back)";
    Up "up" Navigation false ["k", "up"] "up";
    Down "down" Navigation false ["j", "down"] "down";
    PageUp "page_up" Navigation false ["pageup", "ctrl-u", "ctrl-b"] "page up";
    PageDown "page_down" Navigation false ["pagedown", "ctrl-d", "ctrl-f"] "page down";
    Top "top" Navigation false ["g", "home"] "first";
    Bottom "bottom" Navigation false ["G", "end"] "last";
    Open "open" Navigation false ["enter", "l", "right"] "open";
    NextPane "next_pane" Overview false ["tab"] "next list";
    PrevPane "previous_pane" Overview false ["backtab"] "previous list";
    ToggleBreakdown "toggle_breakdown" Overview false ["b"] "counts by kind / by assignee, page by page";
    MarkSeen "mark_seen" Overview true ["m"] "mark the changes seen";
    ClaimNext "claim_next" Overview true ["n"] "claim the most urgent unclaimed request";
    FilterKind "filter_kind" Queue false ["t"] "kind: next";
    FilterStatus "filter_status" Queue false ["s"] "status: open, each status, all";
    FilterAssignee "filter_assignee" Queue false ["m"] "anyone / mine / unassigned";
    FilterOverdue "filter_overdue" Queue false ["o"] "overdue only: on/off";
    ClearFilters "clear_filters" Queue false ["x"] "clear one filter, the search first";
    SortField "sort_field" Queue false ["S"] "sort by due date / date received";
    SortReverse "sort_reverse" Queue false ["R"] "reverse the order";
    Claim "claim" Queue true ["c"] "claim the request";
    ClaimNext "claim_next" Queue true ["n"] "claim the most urgent unclaimed request";
    Claim "claim" Detail true ["c"] "claim (take over: confirm)";
    Assign "assign" Detail true ["a"] "assign: choose an operator (t types a name)";
    Release "release" Detail true ["u"] "release to the queue";
    Extend "extend" Detail true ["e"] "extend by two months (Art. 12(3))";
    Pause "pause" Detail true ["p"] "pause the clock: information asked for (Art. 12(6))";
    Resume "resume" Detail true ["r"] "resume the clock: information arrived";
    ChangeStatus "change_status" Detail true ["s"] "change status (answer, refuse, forward ...)";
    Restrict "restrict" Detail true ["b"] "restrict processing (Art. 18): block every row, with a reason";
    LiftRestriction "lift_restriction" Detail true ["B"] "lift the restriction (Art. 18(3)), with a reason";
    OptOut "marketing_opt_out" Detail true ["o"] "stop direct marketing at once (Art. 21(3))";
    DecideObjection "decide_objection" Detail true ["O"] "decide an objection (Art. 21(1))";
    GoIdentity "identity" Subject false ["i"] "identity panel: the requester beside the ledger persons";
    GoErasure "erasure_plan" Subject false ["E"] "erasure plan, execution and follow-up (Art. 17)";
    GoRectify "rectification" Subject false ["R"] "fields to rectify (Art. 16)";
    GoTasks "recipient_tasks" Subject false ["T"] "Art. 19 recipients to tell";
    RawHistory "raw_history" Detail false ["H"] "history: each event's raw details, or in words";
    Link "link" Identity true ["L"] "link the selected ledger person (confirm)";
    Unlink "unlink" Identity true ["U"] "unlink the selected ledger person (confirm)";
    Verify "verify" Identity true ["v"] "record how identity was verified (Art. 12(6))";
    ExecuteErasure "execute_erasure" Erasure true ["x"] "carry out the plan shown (confirm)";
    ForwardToClient "forward_to_client" Erasure true ["f"] "forward to the client whose processor we are (Art. 28)";
    Correct "correct" Rectify true ["c"] "correct the selected field (also enter)";
    TickTask "tick_task" Tasks true ["d"] "the recipient was told: tick it off (confirm)";
    GoReply "reply" Subject true ["w"] "write a reply to the requester";
    Export "export" Subject true ["X"] "write the access copy or the portability bundle to a directory";
    Casefile "casefile" Subject false ["F"] "write the case file (a zip for an authority or a court) to a directory";
    ReplyLanguage "reply_language" Reply false ["L"] "language: the request's, sv, fi, en";
    ReplyAttach "reply_attach" Reply false ["a"] "attach: nothing, access copy, bundle";
    ReplyEncrypt "reply_encrypt" Reply false ["x"] "encrypt the bundle (AES-256)";
    ReplyEdit "reply_edit" Reply false ["e"] "edit the text (esc: preview)";
    SendReply "send_reply" Reply true ["s"] "send what the preview shows (confirm)";
    DiscardDraft "discard_draft" Reply true ["D"] "throw the draft away (confirm)";
    InboxRequest "inbox_make_request" Inbox true ["r"] "make request(s) of it, one per kind";
    InboxAttach "inbox_attach" Inbox true ["a"] "attach it to a request";
    InboxDismiss "inbox_dismiss" Inbox true ["d"] "not a request: set it aside";
    GoOutbox "outbox" Global false ["M"] "the outbox: replies by state, with what to do";
    ReadReplies "replies" Detail false ["m"] "the request's replies: read what was sent";
    FilterOutboxState "outbox_state" Outbox false ["s"] "state: all, failed, uncertain, retry, …";
    ResolveSent "resolve_sent" Outbox true ["d"] "uncertain, in the relay's log: record sent (confirm)";
    ResolveResend "resolve_resend" Outbox true ["r"] "failed or uncertain: send again (confirm)";
    Confirm "confirm" Confirm false ["y"] "confirm";
    Cancel "cancel" Confirm false ["n", "esc"] "cancel";
    AnotherField "another_field" Confirm false ["a"] "rectification: keep it, correct another field too";
    CopyToClipboard "copy" Confirm false ["c"] "passphrase: copy to the clipboard (OSC 52, if allowed)";
}

/// The commands of the `:` line, for help and completion messages.
pub const LINE_COMMANDS: &[(&str, &str)] = &[
    ("ref DSR-YYYY-NNNNNN", "open a request (also just :DSR-2026-000123)"),
    ("q, quit", "quit"),
    ("overview, queue, mine, outbox, help", "go to a screen"),
    ("inbox", "arrived e-mail not yet handled"),
    ("stats", "statistics: this year's figures"),
    ("outbox failed|uncertain|retry|queued|sending|sent|all", "the outbox, in one state"),
    ("kind KIND|any", "filter by kind"),
    ("status STATUS|open|all", "filter by status"),
    ("who anyone|mine|unassigned", "filter by assignee"),
    ("overdue on|off", "overdue only"),
    ("sort due|received [asc|desc]", "order of the queue"),
    ("search TEXT", "search (as /)"),
    ("next", "claim the most urgent unclaimed request"),
    ("seen", "mark the changes seen"),
];

/// Read a `:` line into actions.
pub fn parse_command_line(line: &str) -> Result<Vec<Action>, String> {
    let line = line.trim();
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let word_lower = word.to_ascii_lowercase();
    let on_off = |v: &str| match v {
        "" | "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        other => Err(format!("overdue {other}? use on or off")),
    };
    Ok(match word_lower.as_str() {
        "" => vec![],
        "q" | "quit" | "q!" | "qa" | "wq" | "x" => vec![Action::Quit],
        "ref" | "open" | "show" | "r" => {
            if rest.is_empty() {
                return Err("ref needs a reference, e.g. :ref DSR-2026-000123".into());
            }
            vec![Action::OpenReference(rest.to_string())]
        }
        w if w.starts_with("dsr-") => vec![Action::OpenReference(word.to_string())],
        "overview" | "o" => vec![Action::GoOverview],
        "queue" | "list" | "ls" => vec![Action::GoQueue],
        "mine" | "my" => vec![Action::GoMine],
        "inbox" | "mail" | "i" => vec![Action::GoInbox],
        "stats" | "statistics" | "report" => vec![Action::GoStats],
        "help" | "h" => vec![Action::Help],
        "outbox" | "sent" => {
            use crate::store::outbox::OutboxState as S;
            let state = match rest {
                "" | "all" | "any" => None,
                s => Some(
                    [S::Failed, S::Uncertain, S::Retry, S::Queued, S::Sending, S::Sent]
                        .into_iter()
                        .find(|state| state.as_str() == s)
                        .ok_or_else(|| {
                            format!("outbox {s}? use failed, uncertain, retry, queued, sending, sent or all")
                        })?,
                ),
            };
            vec![Action::GoOutboxIn(state)]
        }
        "next" => vec![Action::ClaimNext],
        "seen" => vec![Action::MarkSeen],
        "search" | "s" | "find" => vec![Action::GoQueue, Action::Search]
            .into_iter()
            .chain(rest.chars().map(Action::Input))
            .chain([Action::InputSubmit])
            .collect(),
        "kind" | "k" => match rest {
            "" | "any" | "all" => vec![Action::SetKind(None)],
            k => vec![Action::SetKind(Some(k.parse::<RequestKind>().map_err(|e| e.to_string())?))],
        },
        "status" => match rest {
            "" | "open" => vec![Action::SetStatusFilter(StatusFilter::Open)],
            "all" | "any" => vec![Action::SetStatusFilter(StatusFilter::All)],
            s => vec![Action::SetStatusFilter(StatusFilter::Is(
                s.parse::<RequestStatus>().map_err(|e| e.to_string())?,
            ))],
        },
        "who" | "assignee" => match rest {
            "" | "anyone" | "all" | "any" => vec![Action::SetWho(Who::Anyone)],
            "mine" | "me" => vec![Action::SetWho(Who::Mine)],
            "unassigned" | "none" => vec![Action::SetWho(Who::Unassigned)],
            other => return Err(format!("who {other}? use anyone, mine or unassigned")),
        },
        "overdue" => vec![Action::SetOverdue(on_off(rest)?)],
        "sort" => {
            let mut words = rest.split_whitespace();
            let field = match words.next().unwrap_or("due") {
                "due" => crate::store::shift::SortField::Due,
                "received" | "receipt" => crate::store::shift::SortField::Received,
                other => return Err(format!("sort by {other}? use due or received")),
            };
            let descending = match words.next().unwrap_or("asc") {
                "asc" | "up" => false,
                "desc" | "down" => true,
                other => return Err(format!("sort direction {other}? use asc or desc")),
            };
            vec![Action::SetSort(QueueOrder { field, descending })]
        }
        other => return Err(format!("unknown command :{other} (press ? for the list)")),
    })
}

/// Whether an action would change a request (refused in read-only mode): the command table's
/// `changes` column, the one place that says it.
pub fn changes_requests(action: &Action) -> bool {
    // Asked for every hint on every frame of a read-only desk: the table is built once.
    static TABLE: std::sync::LazyLock<Vec<CommandSpec>> = std::sync::LazyLock::new(commands);
    TABLE.iter().any(|c| c.changes && c.action.is(action))
}

#[cfg(test)]
mod tests {
    use super::*;
    /// The read-only mode (for auditors) refuses exactly the commands the table marks as changing
    /// a request; a command bound in two contexts (claim in the queue and on the request) must say
    /// the same in both, or the policy would depend on where the key was pressed.
    #[test]
    fn the_read_only_policy_is_the_command_tables_changes_column() {
        let table = commands();
        for spec in &table {
            assert_eq!(changes_requests(&spec.action), spec.changes, "{} ({:?})", spec.name, spec.context);
            for other in table.iter().filter(|o| o.action.is(&spec.action)) {
                assert_eq!(
                    other.changes, spec.changes,
                    "{} in {:?} and {:?}",
                    spec.name, spec.context, other.context
                );
            }
        }
        // What writes to the register, the ledger or the outbox is refused ...
        for writes in [
            Action::Claim,
            Action::Extend,
            Action::Verify,
            Action::ExecuteErasure,
            Action::SendReply,
            Action::Export,
            Action::MarkSeen,
        ] {
            assert!(changes_requests(&writes), "{writes:?}");
        }
        // ... and moving around, searching and reading are not.
        for reads in [
            Action::Quit,
            Action::Help,
            Action::Search,
            Action::GoErasure,
            Action::Open,
            Action::Confirm,
            Action::Cancel,
        ] {
            assert!(!changes_requests(&reads), "{reads:?}");
        }
    }

    #[test]
    fn command_line_opens_a_reference_in_either_spelling() {
        let parsed = |line: &str| format!("{:?}", parse_command_line(line).unwrap());
        assert_eq!(parsed("ref DSR-2026-000123"), r#"[OpenReference("DSR-2026-000123")]"#);
        assert_eq!(parsed("dsr-2026-000123"), r#"[OpenReference("dsr-2026-000123")]"#);
        assert_eq!(parsed("q"), "[Quit]");
        assert!(parse_command_line("frobnicate").is_err());
        assert!(parse_command_line("kind deletion").is_err());
    }
}
