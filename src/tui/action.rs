//! Everything that can happen to the desk, as data: what the operator asks for (bound to keys by
//! the keymap, listed in [`COMMANDS`] so help is generated from the same table), and what the
//! world reports back (pages loaded, changes by others, the clock, the terminal's size).

use super::app::{OverviewData, StatusFilter, SubjectData, SubjectScreen, Who};
use crate::domain::{RequestKind, RequestStatus};
use crate::service::erasure::{ErasureOutcome, WorkerReport};
use crate::service::reply::{Composed, Draft, QueuedReply};
use crate::service::rights::{RecipientTask, RightsOutcome};
use crate::service::subject::Candidate;
use crate::service::{QueueItem, RequestDetail};
use crate::store::requests::RequestRecord;
use crate::store::shift::QueueOrder;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub enum Action {
    // The operator's commands (bindable; see COMMANDS).
    Quit,
    Help,
    Back,
    Forward,
    Suspend,
    Redraw,
    Refresh,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    NextPane,
    PrevPane,
    GoOverview,
    GoQueue,
    GoMine,
    Search,
    CommandLine,
    FilterKind,
    FilterStatus,
    FilterAssignee,
    FilterOverdue,
    ClearFilters,
    SortField,
    SortReverse,
    ToggleBreakdown,
    MarkSeen,
    Claim,
    ClaimNext,
    Assign,
    Release,
    Extend,
    Pause,
    Resume,
    ChangeStatus,
    GoIdentity,
    GoErasure,
    GoRectify,
    GoTasks,
    Link,
    Unlink,
    Verify,
    ExecuteErasure,
    ForwardToClient,
    Correct,
    TickTask,
    Restrict,
    LiftRestriction,
    OptOut,
    DecideObjection,
    GoReply,
    Export,
    ReplyLanguage,
    ReplyAttach,
    ReplyEncrypt,
    ReplyEdit,
    SendReply,
    DiscardDraft,
    Confirm,
    Cancel,

    // Typing into the search field, the command line or a prompt.
    Input(char),
    InputBackspace,
    InputClear,
    InputSubmit,
    InputCancel,

    // The reply editor: every key is text except Esc (see `compose::editor_action`).
    EditorKey(crossterm::event::KeyEvent),
    EditorDone,

    // Commands with an argument, from the `:` line.
    OpenReference(String),
    /// The search text has not changed for a moment (see `app::SEARCH_SETTLE`): run it.
    SearchSettled(u64),
    SetKind(Option<RequestKind>),
    SetStatusFilter(StatusFilter),
    SetWho(Who),
    SetOverdue(bool),
    SetSort(QueueOrder),

    // The world.
    Resize(u16, u16),
    Tick(DateTime<Utc>),
    /// Another desk (or this one) changed requests: NOTIFY dsrdesk_requests, merged.
    Changed(Change),
    /// Whether live updates arrive (the LISTEN connection is up).
    Live(bool),
    Loaded(Loaded),
    /// A pass of the erasure worker that runs inside the desk (see `effects::spawn_erasure_worker`).
    Worker(Result<WorkerReport, Failure>),
}

/// What a NOTIFY said changed: the references, or None for bulk work (or a reconnect, after which
/// anything may have changed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Change {
    pub references: Option<Vec<String>>,
    pub count: i64,
}

impl Action {
    /// The same command (for the argument-less commands the keymap binds).
    pub fn is(&self, other: &Action) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

impl Change {
    pub fn everything() -> Change {
        Change { references: None, count: 0 }
    }

    pub fn touches(&self, reference: &str) -> bool {
        self.references.as_ref().is_none_or(|refs| refs.iter().any(|r| r == reference))
    }

    /// Merge two notifications into one.
    pub fn merge(&mut self, other: Change) {
        self.count += other.count;
        match (&mut self.references, other.references) {
            (Some(mine), Some(theirs)) if mine.len() + theirs.len() <= 200 => {
                for r in theirs {
                    if !mine.contains(&r) {
                        mine.push(r);
                    }
                }
            }
            _ => self.references = None,
        }
    }

    /// Parse the trigger's payload `{"op","count","references"}`; anything unreadable means
    /// "anything may have changed".
    pub fn from_payload(payload: &str) -> Change {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(payload) else {
            return Change::everything();
        };
        let count = value.get("count").and_then(|c| c.as_i64()).unwrap_or(0);
        let references = value
            .get("references")
            .and_then(|r| r.as_array())
            .map(|refs| refs.iter().filter_map(|r| r.as_str().map(str::to_string)).collect::<Vec<_>>());
        Change { references, count }
    }
}

/// Why a service call failed, in words for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Someone else changed the request first: nothing was stored.
    Conflict,
    NotFound,
    /// A legal or workflow rule refused it.
    Refused,
    /// The database or the connection.
    Trouble,
}

impl From<crate::Error> for Failure {
    fn from(e: crate::Error) -> Failure {
        use crate::Error;
        let kind = match &e {
            Error::Conflict { .. } => FailureKind::Conflict,
            Error::NotFound(_) => FailureKind::NotFound,
            Error::Rule { .. } | Error::Invalid(_) | Error::Intake(_) => FailureKind::Refused,
            _ => FailureKind::Trouble,
        };
        if let Error::Database(db) = &e
            && unreachable(db)
        {
            return Failure {
                kind,
                message: format!("the database cannot be reached ({db}); the desk reconnects by itself"),
            };
        }
        Failure { kind, message: e.to_string() }
    }
}

/// Whether the error means the server could not be reached or went away (stopped, restarted,
/// the network down), rather than that it refused what was asked.
fn unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => {
            true
        }
        // Class 08: connection exceptions; 57P01-57P03: the server shutting down or starting up.
        sqlx::Error::Database(d) => {
            d.code().is_some_and(|c| c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03"))
        }
        _ => false,
    }
}

/// Which page of the queue a load asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The first rows.
    Start,
    /// The last rows.
    End,
    /// From this row on, inclusive (a refresh of what is on screen).
    From((chrono::NaiveDate, i64)),
    /// After this row.
    After((chrono::NaiveDate, i64)),
    /// Before this row.
    Before((chrono::NaiveDate, i64)),
}

/// A page load's answer, with what it asked for so the queue knows where the rows go.
#[derive(Debug, Clone)]
pub struct Page {
    pub generation: u64,
    pub anchor: Anchor,
    pub limit: i64,
    /// Keep this request selected if it is in the page.
    pub keep: Option<String>,
    pub result: Result<Vec<QueueItem>, Failure>,
}

/// Answers of service calls.
#[derive(Debug, Clone)]
pub enum Loaded {
    Overview(Result<Box<OverviewData>, Failure>),
    Page(Page),
    Count {
        generation: u64,
        result: Result<i64, Failure>,
    },
    Detail {
        reference: String,
        result: Result<Box<RequestDetail>, Failure>,
    },
    /// What a subject screen shows (identity panel, erasure plan, rectification, Art. 19 tasks).
    Subject {
        reference: String,
        screen: SubjectScreen,
        result: Result<Box<SubjectData>, Failure>,
    },
    /// A change was made (or refused), with what the service answered.
    Done {
        reference: Option<String>,
        what: String,
        result: Result<Outcome, Failure>,
    },
    Seen(Result<DateTime<Utc>, Failure>),
    /// A template filled in; `keep_text` when only the headers were wanted (a restored draft).
    Composed {
        reference: String,
        keep_text: bool,
        result: Result<Box<Composed>, Failure>,
    },
    Draft {
        reference: String,
        result: Result<Option<Box<Draft>>, Failure>,
    },
    DraftSaved {
        reference: String,
        result: Result<DateTime<Utc>, Failure>,
    },
}

/// What a change answered.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The request after the change; None when "claim next" found nothing to claim.
    Record(Option<Box<RequestRecord>>),
    Linked(Box<Candidate>),
    Unlinked,
    Erased(Box<ErasureOutcome>),
    /// Rectification and restriction: what changed and the Art. 19 recipients to tell.
    Rights(Box<RightsOutcome>),
    TaskDone(Box<RecipientTask>),
    /// Marketing stopped: the number of preference rows changed.
    OptedOut(u64),
    Decided,
    /// A reply is in the outbox.
    ReplyQueued(Box<QueuedReply>),
    DraftDiscarded,
    Exported(Box<crate::export::ExportOutcome>),
}

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
}

impl Context {
    pub const ALL: [Context; 12] = [
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
    ];

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
    ToggleBreakdown "toggle_breakdown" Overview false ["b"] "counts by kind / by assignee";
    MarkSeen "mark_seen" Overview true ["m"] "mark the changes seen";
    ClaimNext "claim_next" Overview true ["n"] "claim the most urgent unclaimed request";
    FilterKind "filter_kind" Queue false ["t"] "kind: next";
    FilterStatus "filter_status" Queue false ["s"] "status: open, each status, all";
    FilterAssignee "filter_assignee" Queue false ["m"] "anyone / mine / unassigned";
    FilterOverdue "filter_overdue" Queue false ["o"] "overdue only: on/off";
    ClearFilters "clear_filters" Queue false ["x"] "clear filters and search";
    SortField "sort_field" Queue false ["S"] "sort by due date / date received";
    SortReverse "sort_reverse" Queue false ["R"] "reverse the order";
    Claim "claim" Queue true ["c"] "claim the request";
    ClaimNext "claim_next" Queue true ["n"] "claim the most urgent unclaimed request";
    Claim "claim" Detail true ["c"] "claim (take over: confirm)";
    Assign "assign" Detail true ["a"] "assign to someone";
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
    Link "link" Identity true ["L"] "link the selected ledger person (confirm)";
    Unlink "unlink" Identity true ["U"] "unlink the selected ledger person (confirm)";
    Verify "verify" Identity true ["v"] "record how identity was verified (Art. 12(6))";
    ExecuteErasure "execute_erasure" Erasure true ["x"] "carry out the plan shown (confirm)";
    ForwardToClient "forward_to_client" Erasure true ["f"] "forward to the client whose processor we are (Art. 28)";
    Correct "correct" Rectify true ["c"] "correct the selected field (also enter)";
    TickTask "tick_task" Tasks true ["d"] "the recipient was told: tick it off (confirm)";
    GoReply "reply" Subject true ["w"] "write a reply to the requester";
    Export "export" Subject true ["X"] "write the access copy or the portability bundle to a directory";
    ReplyLanguage "reply_language" Reply false ["L"] "language: the request's, sv, fi, en";
    ReplyAttach "reply_attach" Reply false ["a"] "attach: nothing, access copy, bundle";
    ReplyEncrypt "reply_encrypt" Reply false ["x"] "encrypt the bundle (AES-256)";
    ReplyEdit "reply_edit" Reply false ["e"] "edit the text (esc: preview)";
    SendReply "send_reply" Reply true ["s"] "send what the preview shows (confirm)";
    DiscardDraft "discard_draft" Reply true ["D"] "throw the draft away (confirm)";
    Confirm "confirm" Confirm false ["y"] "confirm";
    Cancel "cancel" Confirm false ["n", "esc"] "cancel";
}

/// The commands of the `:` line, for help and completion messages.
pub const LINE_COMMANDS: &[(&str, &str)] = &[
    ("ref DSR-YYYY-NNNNNN", "open a request (also just :DSR-2026-000123)"),
    ("q, quit", "quit"),
    ("overview, queue, mine, help", "go to a screen"),
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
        "help" | "h" => vec![Action::Help],
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_opens_a_reference_in_either_spelling() {
        let parsed = |line: &str| format!("{:?}", parse_command_line(line).unwrap());
        assert_eq!(parsed("ref DSR-2026-000123"), r#"[OpenReference("DSR-2026-000123")]"#);
        assert_eq!(parsed("dsr-2026-000123"), r#"[OpenReference("dsr-2026-000123")]"#);
        assert_eq!(parsed("q"), "[Quit]");
        assert!(parse_command_line("frobnicate").is_err());
        assert!(parse_command_line("kind deletion").is_err());
    }

    #[test]
    fn notifications_merge_and_fall_back_to_everything() {
        let mut a = Change::from_payload(r#"{"op":"update","count":1,"references":["DSR-2026-000001"]}"#);
        a.merge(Change::from_payload(r#"{"op":"update","count":1,"references":["DSR-2026-000002"]}"#));
        assert!(a.touches("DSR-2026-000002") && !a.touches("DSR-2026-000003"));
        a.merge(Change::from_payload(r#"{"op":"insert","count":5000,"references":null}"#));
        assert!(a.touches("DSR-2026-000003"));
        assert_eq!(Change::from_payload("garbage"), Change::everything());
    }
}
