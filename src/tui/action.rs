//! Everything that can happen to the desk, as data: what the operator asks for (bound to keys by
//! the keymap, listed in [`COMMANDS`] so help is generated from the same table), and what the
//! world reports back (pages loaded, changes by others, the clock, the terminal's size).

use crate::domain::plan::ErasurePlan;
use crate::domain::{RequestKind, RequestStatus};
use crate::service::Overview;
use crate::service::erasure::ScheduledErasure;
use crate::service::erasure::{ErasureOutcome, WorkerReport};
use crate::service::reply::{Composed, Draft, QueuedReply};
use crate::service::rights::RectifiableField;
use crate::service::rights::{RecipientTask, RightsOutcome};
use crate::service::shift::ChangeFeed;
use crate::service::subject::Candidate;
use crate::service::subject::SubjectView;
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
    /// The statistics screen (issue 17 §1).
    GoStats,
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
    /// The history in sentences, or each event's raw details.
    RawHistory,
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
    // The inbox (issue 16): arrived e-mail not yet handled.
    GoInbox,
    InboxRequest,
    InboxAttach,
    InboxDismiss,
    /// The new-request form (a letter or a call).
    NewRequest,
    /// The outbox screen (`:outbox`).
    GoOutbox,
    /// The request's replies (the outbox screen for one request).
    ReadReplies,
    /// The outbox screen's state filter: all, then each state.
    FilterOutboxState,
    /// An uncertain message: the operator checked the relay's log and it went.
    ResolveSent,
    /// An uncertain or failed message: send it again (same Message-ID).
    ResolveResend,
    /// The passphrase dialog: copy the passphrase to the terminal's clipboard (OSC 52), when the
    /// configuration allows it.
    CopyToClipboard,
    /// In a rectification's confirmation: keep the correction, choose another field.
    AnotherField,
    /// Write the request's case file (issue 17 §2) to a directory.
    Casefile,

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
    /// `:outbox STATE`: the outbox screen, in one state (None: all).
    GoOutboxIn(Option<crate::store::outbox::OutboxState>),

    // The world.
    Resize(u16, u16),
    Tick(DateTime<Utc>),
    /// Another desk (or this one) changed requests: NOTIFY dsrdesk_requests, merged.
    Changed(Change),
    /// Whether live updates arrive (the LISTEN connection is up).
    Live(bool),
    /// On a replica: how far behind the primary it is (polled: a standby hears no NOTIFY).
    Replica(crate::store::replica::ReplicaLag),
    Loaded(Loaded),
    /// A pass of the erasure worker that runs inside the desk (see `effects::spawn_erasure_worker`).
    Worker(Result<WorkerReport, Failure>),
    /// A pass of the outbox sender inside the desk (see `effects::spawn_outbox_sender`).
    OutboxPass(Result<crate::service::outbox::DeliveryReport, Failure>),
}

/// What a NOTIFY said changed: the references, or None for bulk work (or a reconnect, after which
/// anything may have changed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Change {
    pub references: Option<Vec<String>>,
    pub count: i64,
    /// The inbox changed (a message arrived or was handled: `dsrdesk_inbox`, migration 0023).
    pub inbox: bool,
    /// How many notices of a message arriving are in this change.
    pub new_mail: i64,
}

impl Action {
    /// The same command (for the argument-less commands the keymap binds).
    pub fn is(&self, other: &Action) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

impl Change {
    pub fn everything() -> Change {
        Change { references: None, count: 0, inbox: true, new_mail: 0 }
    }

    /// The inbox's notice: "insert" (mail arrived) or "update" (a message was handled). It names
    /// no request, so it touches only the inbox and the overview.
    pub fn from_inbox_payload(payload: &str) -> Change {
        Change { references: Some(vec![]), count: 0, inbox: true, new_mail: i64::from(payload == "insert") }
    }

    pub fn touches(&self, reference: &str) -> bool {
        self.references.as_ref().is_none_or(|refs| refs.iter().any(|r| r == reference))
    }

    /// Merge two notifications into one.
    pub fn merge(&mut self, other: Change) {
        self.count += other.count;
        self.inbox |= other.inbox;
        self.new_mail += other.new_mail;
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
        Change { references, count, inbox: false, new_mail: 0 }
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
        use crate::error::ErrorClass;
        // Every failure the desk shows is in the log too, by kind and reference (never its text).
        crate::logging::failure("desk", &e);
        let kind = match e.class() {
            ErrorClass::Conflict => FailureKind::Conflict,
            ErrorClass::NotFound => FailureKind::NotFound,
            ErrorClass::Refused => FailureKind::Refused,
            ErrorClass::Settings | ErrorClass::Infrastructure => FailureKind::Trouble,
        };
        if let Some(db) = e.unreachable() {
            return Failure {
                kind,
                message: format!("the database cannot be reached ({db}); the desk reconnects by itself"),
            };
        }
        Failure { kind, message: e.to_string() }
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
    /// The statistics screen's figures.
    Stats(Result<Box<StatsData>, Failure>),
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
    /// The operators a request can be assigned to.
    Operators {
        reference: String,
        version: i32,
        result: Result<Vec<String>, Failure>,
    },
    /// The inbox screen's page.
    Inbox(Result<Box<crate::service::inbox::InboxPage>, Failure>),
    /// A request's messages in (its conversation on the detail screen).
    Conversation {
        reference: String,
        result: Result<Vec<crate::service::inbox::ConversationMessage>, Failure>,
    },
    /// Likely duplicates of a request entered in the form (none: stored at once).
    NewRequestDuplicates {
        request: Box<crate::domain::intake::NewRequest>,
        result: Result<Vec<String>, Failure>,
    },
    /// Likely duplicates of the requests about to be made from a message (none: made at once).
    InboxDuplicates {
        message: i64,
        kinds: Vec<RequestKind>,
        result: Result<Vec<String>, Failure>,
    },
    /// The outbox screen's messages, for the filter they were asked with.
    Outbox {
        filter: OutboxFilter,
        result: Result<Box<OutboxData>, Failure>,
    },
    /// One message to read.
    Message {
        id: i64,
        result: Result<Box<crate::service::outbox::SentMessage>, Failure>,
    },
}

/// Which messages the outbox screen shows: one state or all, everyone's or one request's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxFilter {
    pub state: Option<crate::store::outbox::OutboxState>,
    pub reference: Option<String>,
}

/// What the outbox screen shows, loaded together.
#[derive(Debug, Clone)]
pub struct OutboxData {
    pub messages: Vec<crate::store::outbox::OutboxSummary>,
    pub counts: crate::store::outbox_view::OutboxCounts,
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
    /// An outbox message resolved (recorded as sent, or queued again).
    Resolved(Box<crate::store::outbox::OutboxRecord>),
    DraftDiscarded,
    Exported(Box<crate::export::ExportOutcome>),
    /// The case file written: where.
    CasefileWritten(std::path::PathBuf),
    /// An inbox message handled: what was done, in words.
    Inbox(String),
}

/// What the statistics screen shows: this year's report and the daily intake of the last 90 days.
#[derive(Debug, Clone)]
pub struct StatsData {
    pub report: crate::domain::report::Report,
    /// Requests received per day, oldest first, 90 days up to today (days without any: 0).
    pub daily: Vec<(chrono::NaiveDate, u64)>,
}

/// Everything the overview shows, loaded together.
#[derive(Debug, Clone)]
pub struct OverviewData {
    pub overview: Overview,
    pub urgent: Vec<QueueItem>,
    pub mine: Vec<QueueItem>,
    pub changes: ChangeFeed,
    pub last_seen: Option<DateTime<Utc>>,
    /// Arrived e-mail not yet handled: how many, and when the oldest arrived.
    pub inbox: crate::service::inbox::InboxSummary,
    /// Messages per outbox state: the overview shows the failed and uncertain ones.
    pub outbox: crate::store::outbox_view::OutboxCounts,
    /// Legal holds in force (issue 17 §3), the soonest due first.
    pub holds: Vec<crate::store::retention::LegalHold>,
}

/// The screens about a request's data subject, opened from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectScreen {
    /// The requester beside the ledger persons; linking and verification.
    Identity,
    /// The erasure plan, its execution and the follow-up.
    Erasure,
    /// The fields the data map lets the DPO correct.
    Rectify,
    /// The Art. 19 notices to recipients.
    Tasks,
}

impl SubjectScreen {
    pub fn title(self) -> &'static str {
        match self {
            SubjectScreen::Identity => "Identity",
            SubjectScreen::Erasure => "Erasure plan",
            SubjectScreen::Rectify => "Rectification",
            SubjectScreen::Tasks => "Art. 19 tasks",
        }
    }

    /// The screen a request kind has of its own: the erasure plan for an erasure request, the
    /// fields for a rectification request.
    pub fn for_kind(kind: RequestKind) -> Option<SubjectScreen> {
        match kind {
            RequestKind::Erasure => Some(SubjectScreen::Erasure),
            RequestKind::Rectification => Some(SubjectScreen::Rectify),
            _ => None,
        }
    }

    /// The request kind the screen is for, when it is for one only.
    pub fn kind(self) -> Option<RequestKind> {
        RequestKind::ALL.into_iter().find(|k| SubjectScreen::for_kind(*k) == Some(self))
    }
}

/// Which statuses the queue shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// New, in progress and awaiting information.
    #[default]
    Open,
    Is(RequestStatus),
    /// Closed ones too.
    All,
}

impl StatusFilter {
    pub(crate) fn next(self) -> StatusFilter {
        use RequestStatus as S;
        match self {
            StatusFilter::Open => StatusFilter::Is(S::ALL[0]),
            StatusFilter::Is(s) => match S::ALL.iter().position(|x| *x == s) {
                Some(i) if i + 1 < S::ALL.len() => StatusFilter::Is(S::ALL[i + 1]),
                _ => StatusFilter::All,
            },
            StatusFilter::All => StatusFilter::Open,
        }
    }
}

/// Whose requests the queue shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Who {
    #[default]
    Anyone,
    Mine,
    Unassigned,
}

/// What a subject screen shows, loaded together. The parts a screen does not need are None.
#[derive(Debug, Clone)]
pub struct SubjectData {
    /// The request as it is now (kind, status, version, verification, history).
    pub detail: RequestDetail,
    /// The ledger candidates (identity panel; the erasure plan names the linked persons by it).
    pub view: Option<Result<SubjectView, Failure>>,
    pub plan: Option<Result<ErasurePlan, Failure>>,
    /// The pending follow-up erasure.
    pub scheduled: Option<ScheduledErasure>,
    pub fields: Option<Result<Vec<RectifiableField>, Failure>>,
    pub tasks: Vec<RecipientTask>,
}

impl SubjectData {
    pub fn linked_count(&self) -> usize {
        match &self.view {
            Some(Ok(v)) => v.linked().count(),
            _ => 0,
        }
    }

    /// The last time the plan was carried out, from the history.
    pub fn last_erasure(&self) -> Option<&crate::store::requests::EventRecord> {
        self.detail.events.iter().rev().find(|e| e.action == "erasure_executed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
