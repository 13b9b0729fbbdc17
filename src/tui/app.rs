//! The desk's state and the one place it changes: [`App::update`] takes an [`Action`] and returns
//! the [`Effect`]s (service calls) to run. No I/O here: the clock arrives as `Action::Tick`, the
//! terminal size as `Action::Resize`, service answers as `Action::Loaded`.

use super::action::{
    Action, Anchor, Change, Context, Failure, FailureKind, Loaded, Outcome, Page, parse_command_line,
};
use super::keymap::{Key, Keymap};
use super::theme::Theme;
use crate::domain::deadline::DeadlineRuleError;
use crate::domain::identity::mask_personal_number;
use crate::domain::plan::{EraseMethod, ErasurePlan, FollowUp, RowAction};
use crate::domain::text::escape_line;
use crate::domain::{Jurisdiction, RequestKind, RequestStatus};
use crate::service::erasure::ScheduledErasure;
use crate::service::rights::{Correction, ObjectionDecision, RecipientTask, RectifiableField};
use crate::service::shift::{ChangeFeed, status_choices, status_needs_reason};
use crate::service::subject::SubjectView;
use crate::service::verify::VerificationMethod;
use crate::service::{Operator, Overview, QueueItem, RequestDetail};
use crate::store::requests::{AssigneeFilter, QueueQuery};
use crate::store::shift::{QueueOrder, SortField};
use chrono::{DateTime, NaiveDate, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Rows fetched per page of the queue.
pub const PAGE: i64 = 100;
/// Rows kept in memory around the selection; the rest is fetched again when scrolled back to.
pub const MAX_ROWS: usize = 600;
/// Fetch the next page when the selection is this close to the end of what is loaded.
pub const PREFETCH: usize = 60;
/// The smallest terminal the desk draws in.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// How long the search text must rest before the queue is searched.
pub const SEARCH_SETTLE: std::time::Duration = std::time::Duration::from_millis(120);
/// Items listed per overview list.
pub const OVERVIEW_ITEMS: i64 = 30;

/// Table rows the queue shows at a terminal height: title bar, filter line, table header and
/// status line take four. The view draws exactly this many.
pub fn queue_table_rows(height: u16) -> usize {
    height.saturating_sub(4).max(1) as usize
}

/// Everything the overview shows, loaded together.
#[derive(Debug, Clone)]
pub struct OverviewData {
    pub overview: Overview,
    pub urgent: Vec<QueueItem>,
    pub mine: Vec<QueueItem>,
    pub changes: ChangeFeed,
    pub last_seen: Option<DateTime<Utc>>,
}

/// A change to make, carrying the version of the request as shown, so a stale one is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    /// Claim for oneself. `version` is None from the queue (whose rows carry none): claiming is
    /// refused anyway when someone else holds the request.
    Claim {
        reference: String,
        version: Option<i32>,
    },
    /// Take over a request someone else holds.
    TakeOver {
        reference: String,
        version: i32,
    },
    AssignTo {
        reference: String,
        version: i32,
        to: String,
    },
    Release {
        reference: String,
        version: i32,
    },
    Extend {
        reference: String,
        version: i32,
        reason: String,
    },
    Pause {
        reference: String,
        version: i32,
        reason: String,
    },
    Resume {
        reference: String,
        version: i32,
    },
    SetStatus {
        reference: String,
        version: i32,
        status: RequestStatus,
        reason: Option<String>,
    },
    ClaimNext,
    /// Link the request to a ledger person: always the DPO's explicit choice here.
    Link {
        reference: String,
        person_id: String,
    },
    Unlink {
        reference: String,
        person_id: String,
    },
    Verify {
        reference: String,
        method: VerificationMethod,
        transaction: Option<String>,
        returned_number: Option<String>,
        evidence: String,
    },
    /// Carry out the plan as shown: the service refuses it if the ledger changed meanwhile.
    ExecuteErasure {
        reference: String,
        plan: Box<ErasurePlan>,
    },
    Rectify {
        reference: String,
        correction: Correction,
    },
    CompleteTask {
        reference: String,
        task_id: i64,
        recipient: String,
    },
    Forward {
        reference: String,
        version: i32,
        client: String,
    },
    Restrict {
        reference: String,
        lift: bool,
        reason: String,
    },
    OptOut {
        reference: String,
    },
    DecideObjection {
        reference: String,
        decision: ObjectionDecision,
        reason: String,
    },
    SendReply {
        reference: String,
        order: Box<crate::service::reply::ReplyOrder>,
    },
    Export {
        reference: String,
        format: crate::export::ExportFormat,
        encrypt: bool,
        directory: String,
    },
    DiscardDraft {
        reference: String,
    },
}

impl Mutation {
    pub fn reference(&self) -> Option<&str> {
        match self {
            Mutation::Claim { reference, .. }
            | Mutation::TakeOver { reference, .. }
            | Mutation::AssignTo { reference, .. }
            | Mutation::Release { reference, .. }
            | Mutation::Extend { reference, .. }
            | Mutation::Pause { reference, .. }
            | Mutation::Resume { reference, .. }
            | Mutation::SetStatus { reference, .. }
            | Mutation::Link { reference, .. }
            | Mutation::Unlink { reference, .. }
            | Mutation::Verify { reference, .. }
            | Mutation::ExecuteErasure { reference, .. }
            | Mutation::Rectify { reference, .. }
            | Mutation::CompleteTask { reference, .. }
            | Mutation::Forward { reference, .. }
            | Mutation::Restrict { reference, .. }
            | Mutation::OptOut { reference }
            | Mutation::DecideObjection { reference, .. }
            | Mutation::SendReply { reference, .. }
            | Mutation::Export { reference, .. }
            | Mutation::DiscardDraft { reference } => Some(reference),
            Mutation::ClaimNext => None,
        }
    }

    /// In words, for the status line: "claimed", "extended" ...
    pub fn done_text(&self) -> String {
        match self {
            Mutation::Claim { .. } | Mutation::ClaimNext => "claimed".into(),
            Mutation::TakeOver { .. } => "taken over".into(),
            Mutation::AssignTo { to, .. } => format!("assigned to {}", escape_line(to)),
            Mutation::Release { .. } => "released to the queue".into(),
            Mutation::Extend { .. } => "extended by two months".into(),
            Mutation::Pause { .. } => "clock paused".into(),
            Mutation::Resume { .. } => "clock resumed".into(),
            Mutation::SetStatus { status, .. } => format!("status {}", status_label(*status)),
            Mutation::Link { person_id, .. } => format!("linked to ledger person {}", escape_line(person_id)),
            Mutation::Unlink { person_id, .. } => {
                format!("unlinked from ledger person {}", escape_line(person_id))
            }
            Mutation::Verify { method, .. } => format!("identity verified ({})", method_label(*method)),
            Mutation::ExecuteErasure { .. } => "erasure carried out".into(),
            Mutation::Rectify { correction, .. } => {
                format!("{}.{} rectified", escape_line(&correction.source), escape_line(&correction.column))
            }
            Mutation::CompleteTask { recipient, .. } => {
                format!("Art. 19: {} told (ticked off)", escape_line(recipient))
            }
            Mutation::Forward { client, .. } => format!("forwarded to {}", escape_line(client)),
            Mutation::Restrict { lift: false, .. } => "processing restricted (Art. 18)".into(),
            Mutation::Restrict { lift: true, .. } => "restriction lifted".into(),
            Mutation::OptOut { .. } => "direct marketing stopped (Art. 21(3))".into(),
            Mutation::DecideObjection { decision, .. } => {
                format!("objection decided: {}", objection_label(*decision))
            }
            Mutation::SendReply { order, .. } => format!("{} queued for sending", order.purpose),
            Mutation::DiscardDraft { .. } => "draft thrown away".into(),
            Mutation::Export { format, .. } => format!("{} written", export_label(*format)),
        }
    }
}

/// A service call for the executor to make; its answer comes back as `Action::Loaded`.
#[derive(Debug, Clone)]
pub enum Effect {
    /// The overview's counts and lists; `last_seen` None when not known yet.
    LoadOverview {
        last_seen: Option<Option<DateTime<Utc>>>,
    },
    LoadPage {
        generation: u64,
        query: QueueQuery,
        order: QueueOrder,
        anchor: Anchor,
        keep: Option<String>,
    },
    Count {
        generation: u64,
        query: QueueQuery,
    },
    LoadDetail {
        reference: String,
    },
    LoadSubject {
        reference: String,
        screen: SubjectScreen,
    },
    Change(Mutation),
    MarkSeen {
        up_to: DateTime<Utc>,
    },
    /// Fill in a reply's template (`keep_text`: only the headers, for a restored draft).
    ComposeReply {
        reference: String,
        purpose: crate::mail::templates::Purpose,
        input: crate::service::reply::ComposeInput,
        keep_text: bool,
    },
    LoadDraft {
        reference: String,
    },
    SaveDraft {
        reference: String,
        draft: Box<crate::service::reply::Draft>,
    },
    /// Report `then` after `delay` (no wait under a fixed clock: tests run at full speed).
    Wait {
        delay: std::time::Duration,
        then: Box<Action>,
    },
}

impl Effect {
    /// Whether the desk, when it is closing, waits for this effect to finish rather than
    /// dropping it: a change the operator confirmed, a draft being saved, the last-seen mark.
    /// Only reads may be abandoned.
    pub fn must_finish(&self) -> bool {
        matches!(self, Effect::Change(_) | Effect::SaveDraft { .. } | Effect::MarkSeen { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Overview,
    Queue,
    Detail(String),
    /// A screen about the request's data subject.
    Subject(String, SubjectScreen),
    /// Writing the reply to the requester.
    Reply(String),
    Help,
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

    /// The request kind the screen is for, when it is for one only.
    pub fn kind(self) -> Option<RequestKind> {
        match self {
            SubjectScreen::Erasure => Some(RequestKind::Erasure),
            SubjectScreen::Rectify => Some(RequestKind::Rectification),
            SubjectScreen::Identity | SubjectScreen::Tasks => None,
        }
    }
}

impl Screen {
    pub fn title(&self) -> String {
        match self {
            Screen::Overview => "Overview".into(),
            Screen::Queue => "Queue".into(),
            Screen::Detail(r) => r.clone(),
            Screen::Subject(_, s) => s.title().into(),
            Screen::Reply(_) => "Reply".into(),
            Screen::Help => "Help".into(),
        }
    }

    /// The keymap contexts in force, most specific first.
    pub fn contexts(&self) -> &'static [Context] {
        use Context as C;
        match self {
            Screen::Overview => &[C::Overview, C::Navigation, C::Global],
            Screen::Queue => &[C::Queue, C::Navigation, C::Global],
            Screen::Detail(_) => &[C::Detail, C::Subject, C::Navigation, C::Global],
            Screen::Subject(_, SubjectScreen::Identity) => {
                &[C::Identity, C::Subject, C::Navigation, C::Global]
            }
            Screen::Subject(_, SubjectScreen::Erasure) => &[C::Erasure, C::Subject, C::Navigation, C::Global],
            Screen::Subject(_, SubjectScreen::Rectify) => &[C::Rectify, C::Subject, C::Navigation, C::Global],
            Screen::Subject(_, SubjectScreen::Tasks) => &[C::Tasks, C::Subject, C::Navigation, C::Global],
            Screen::Reply(_) => &[C::Reply, C::Navigation, C::Global],
            Screen::Help => &[C::Navigation, C::Global],
        }
    }

    /// The request the screen is about.
    pub fn reference(&self) -> Option<&str> {
        match self {
            Screen::Detail(r) | Screen::Subject(r, _) | Screen::Reply(r) => Some(r),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    /// `/`: typing the search; `before` is restored on Esc.
    Search {
        before: String,
    },
    /// `:`
    CommandLine,
    Prompt(Prompt),
    Menu(Menu),
    Confirm(Confirm),
    /// Typing in the reply editor: keys are text (Esc leaves).
    Edit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub title: String,
    pub lines: Vec<String>,
    pub purpose: PromptPurpose,
    pub reference: String,
    pub version: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PromptPurpose {
    Extend,
    Pause,
    AssignTo,
    StatusReason(RequestStatus),
    /// The verification form, one field at a time: the e-ID's transaction reference ...
    VerifyTransaction(VerificationMethod),
    /// ... the personal number the e-ID returned (may be left empty) ...
    VerifyReturnedNumber(VerificationMethod, String),
    /// ... and what was seen.
    VerifyEvidence {
        method: VerificationMethod,
        transaction: Option<String>,
        returned: Option<String>,
    },
    /// The value the requester asks for in one field.
    RectifyValue(Box<RectifiableField>),
    RestrictReason {
        lift: bool,
    },
    ObjectionReason(ObjectionDecision),
    /// The words a reply template needs from the DPO (reasons, information needed).
    ReplyDetail(crate::mail::templates::Purpose),
    /// The directory an export is written to.
    ExportDirectory(crate::export::ExportFormat, bool),
}

/// A choice from a short list.
#[derive(Debug, Clone, PartialEq)]
pub struct Menu {
    pub title: String,
    /// The popup's frame title: " Change status ".
    pub heading: &'static str,
    pub choices: Vec<MenuChoice>,
    pub selected: usize,
    pub reference: String,
    pub version: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuChoice {
    Status(RequestStatus),
    Method(VerificationMethod),
    Decision(ObjectionDecision),
    /// The export to write to disk, and whether the bundle is encrypted.
    Export(crate::export::ExportFormat, bool),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    /// What the confirm key does, in a word: "extend", "close".
    pub verb: &'static str,
    pub mutation: Mutation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Done,
    Refused,
    Conflict,
    Trouble,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    pub kind: StatusKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Urgent,
    Mine,
    Changes,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Urgent, Pane::Mine, Pane::Changes];
    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone, Default)]
pub struct OverviewState {
    pub data: Option<Box<OverviewData>>,
    pub loading: bool,
    pub stale: bool,
    pub error: Option<String>,
    pub focus: Pane,
    pub selected: [usize; 3],
    pub by_assignee: bool,
}

impl OverviewState {
    fn pane_len(&self, pane: Pane) -> usize {
        self.data.as_ref().map_or(0, |d| match pane {
            Pane::Urgent => d.urgent.len(),
            Pane::Mine => d.mine.len(),
            Pane::Changes => d.changes.items.len(),
        })
    }

    pub fn selected_reference(&self) -> Option<String> {
        let d = self.data.as_ref()?;
        let i = self.selected[self.focus.index()];
        match self.focus {
            Pane::Urgent => d.urgent.get(i).map(|q| q.record.reference.clone()),
            Pane::Mine => d.mine.get(i).map(|q| q.record.reference.clone()),
            Pane::Changes => d.changes.items.get(i).map(|c| c.reference.clone()),
        }
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
    fn next(self) -> StatusFilter {
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

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub kind: Option<RequestKind>,
    pub status: StatusFilter,
    pub who: Who,
    pub overdue: bool,
    pub search: String,
}

impl Filter {
    pub fn is_default(&self) -> bool {
        *self == Filter::default()
    }
}

/// The queue: a window of rows around the selection, fetched by keyset pages; never the whole
/// queue.
#[derive(Debug, Clone, Default)]
pub struct QueueState {
    pub filter: Filter,
    pub order: QueueOrder,
    /// A contiguous run of rows in the queue's order.
    pub rows: Vec<QueueItem>,
    /// The position of `rows[0]` in the whole result, when known.
    pub first_index: Option<u64>,
    pub at_start: bool,
    pub at_end: bool,
    /// Index into `rows`.
    pub selected: usize,
    /// The first row on screen, index into `rows`.
    pub top: usize,
    pub total: Option<i64>,
    /// Bumped by every fresh load: pages of an older generation are dropped.
    pub generation: u64,
    /// Bumped when the filters or the order change: counts of an older one are dropped.
    pub filter_generation: u64,
    pub loading: bool,
    pub loading_next: bool,
    pub loading_prev: bool,
    pub loaded: bool,
    pub stale: bool,
    pub error: Option<String>,
}

impl QueueState {
    pub fn key_of(&self, item: &QueueItem) -> (NaiveDate, i64) {
        match self.order.field {
            SortField::Due => (item.record.due_on, item.record.id),
            SortField::Received => (item.record.received_on, item.record.id),
        }
    }

    pub fn selected_item(&self) -> Option<&QueueItem> {
        self.rows.get(self.selected)
    }

    /// Put the selection at `index` and scroll so it is on screen: when it leaves the window, the
    /// window moves by half its height (most moves then redraw two rows, not all of them).
    fn select(&mut self, index: usize, view: usize) {
        if self.rows.is_empty() {
            self.selected = 0;
            self.top = 0;
            return;
        }
        let index = index.min(self.rows.len() - 1);
        self.selected = index;
        if index < self.top {
            self.top = index.saturating_sub(view / 2);
        } else if index >= self.top + view {
            self.top = index + view / 2 + 1 - view;
        }
        self.clamp_top(view);
    }

    fn clamp_top(&mut self, view: usize) {
        let max_top = self.rows.len().saturating_sub(view);
        if self.top > max_top {
            self.top = max_top;
        }
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + view {
            self.top = self.selected + 1 - view;
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct DetailState {
    pub reference: Option<String>,
    pub data: Option<Box<RequestDetail>>,
    pub loading: bool,
    pub stale: bool,
    pub error: Option<Failure>,
    pub scroll: u16,
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

#[derive(Debug, Clone, Default)]
pub struct SubjectState {
    /// The request and screen the data is for.
    pub shown: Option<(String, SubjectScreen)>,
    pub data: Option<Box<SubjectData>>,
    pub loading: bool,
    pub stale: bool,
    pub error: Option<Failure>,
    /// The selected candidate, field or task.
    pub selected: usize,
    /// The erasure plan's first line on screen.
    pub scroll: u16,
}

impl SubjectState {
    /// How many rows the screen's list has (candidates, fields, tasks).
    fn list_len(&self) -> usize {
        let Some((_, screen)) = &self.shown else { return 0 };
        let Some(d) = &self.data else { return 0 };
        match screen {
            SubjectScreen::Identity => match &d.view {
                Some(Ok(v)) => v.candidates.len(),
                _ => 0,
            },
            SubjectScreen::Rectify => match &d.fields {
                Some(Ok(f)) => f.len(),
                _ => 0,
            },
            SubjectScreen::Tasks => d.tasks.len(),
            SubjectScreen::Erasure => 0,
        }
    }
}

/// A verification method in the words the DPO types (as the CLI's `--method`).
pub fn method_label(m: VerificationMethod) -> &'static str {
    match m {
        VerificationMethod::BankId => "bankid",
        VerificationMethod::Ftn => "ftn",
        VerificationMethod::RegisteredEmail => "email",
        VerificationMethod::RegisteredAddress => "letter",
        VerificationMethod::IdDocument => "id-document",
    }
}

pub fn objection_label(d: ObjectionDecision) -> &'static str {
    match d {
        ObjectionDecision::Upheld => "upheld",
        ObjectionDecision::CompellingGrounds => "compelling grounds",
        ObjectionDecision::LegalClaims => "legal claims",
    }
}

/// The follow-up in words: "follow-up erasure on 2034-01-01".
pub fn follow_up_text(f: FollowUp) -> String {
    match f {
        FollowUp::None => "none: nothing is kept".into(),
        FollowUp::On(d) => format!("follow-up erasure on {d}"),
        FollowUp::WhenEventsAllow => "re-examined daily while a claim is open or proceedings last".into(),
    }
}

/// What the app is given and never changes.
#[derive(Debug, Clone)]
pub struct Settings {
    pub operator: Operator,
    /// The desk's settings (controllers' calendars, internal targets), for what the screen says
    /// about dates.
    pub config: crate::config::Config,
    pub read_only: bool,
    pub keymap: Keymap,
    pub theme: Theme,
}

#[derive(Debug, Clone)]
pub struct App {
    pub settings: Settings,
    pub now: DateTime<Utc>,
    pub size: (u16, u16),
    pub screen: Screen,
    pub back: Vec<Screen>,
    pub forward: Vec<Screen>,
    pub mode: Mode,
    /// The text being typed (search, command line, prompt).
    pub input: String,
    pub status: Option<StatusLine>,
    /// Whether live updates arrive; None until the listener reports.
    pub live: Option<bool>,
    pub overview: OverviewState,
    pub queue: QueueState,
    pub detail: DetailState,
    pub subject: SubjectState,
    /// The reply being written (kept while moving around; a draft is also in the database).
    pub compose: Option<Box<super::compose::ComposeState>>,
    pub help_scroll: u16,
    /// The operator's last-seen mark, once loaded (Some(None): never marked).
    pub last_seen: Option<Option<DateTime<Utc>>>,
    /// Quit asked for: the loop ends and restores the terminal.
    pub quit: bool,
    /// Ctrl-Z asked for: the loop restores the terminal and stops the process.
    pub suspend: bool,
    /// Something changed that the screen shows.
    pub dirty: bool,
    /// Counts search edits, so only the last of a burst runs.
    pub search_seq: u64,
    /// The search text the queue was last loaded with.
    pub searched: String,
}

/// Requests being worked on show the words; closed ones their status.
pub fn status_label(s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::New => "new",
        RequestStatus::InProgress => "in progress",
        RequestStatus::AwaitingInformation => "awaiting information",
        RequestStatus::Answered => "answered",
        RequestStatus::Refused => "refused",
        RequestStatus::Forwarded => "forwarded",
        RequestStatus::Withdrawn => "withdrawn",
    }
}

impl App {
    pub fn new(settings: Settings, now: DateTime<Utc>, size: (u16, u16)) -> App {
        App {
            settings,
            now,
            size,
            screen: Screen::Overview,
            back: Vec::new(),
            forward: Vec::new(),
            mode: Mode::Normal,
            input: String::new(),
            status: None,
            live: None,
            overview: OverviewState::default(),
            queue: QueueState::default(),
            detail: DetailState::default(),
            subject: SubjectState::default(),
            compose: None,
            help_scroll: 0,
            last_seen: None,
            quit: false,
            suspend: false,
            dirty: true,
            search_seq: 0,
            searched: String::new(),
        }
    }

    /// The first loads.
    pub fn start(&mut self) -> Vec<Effect> {
        self.load_screen()
    }

    /// On quit: move the last-seen mark to the newest change the overview showed (nothing in
    /// read-only mode, and nothing when the overview was never seen).
    pub fn on_exit(&self) -> Option<Effect> {
        if self.settings.read_only {
            return None;
        }
        let newest = self.overview.data.as_ref()?.changes.newest?;
        Some(Effect::MarkSeen { up_to: newest })
    }

    /// Whatever the desk must still write before it goes, however it goes (quit, SIGTERM, a
    /// dropped SSH session): the reply text typed since the last autosave, which would otherwise
    /// be lost for up to a second's typing.
    pub fn flush(&mut self) -> Vec<Effect> {
        self.reply_tick()
    }

    pub fn operator(&self) -> &Operator {
        &self.settings.operator
    }

    pub fn keymap(&self) -> &Keymap {
        &self.settings.keymap
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    /// Today for the controller (the earlier of the two when they differ: the safe bound).
    pub fn today(&self) -> NaiveDate {
        Jurisdiction::ALL.into_iter().map(|j| j.local_date(self.now)).min().expect("two jurisdictions")
    }

    fn view_rows(&self) -> usize {
        queue_table_rows(self.size.1)
    }

    pub(super) fn info(&mut self, kind: StatusKind, text: impl Into<String>) {
        self.status = Some(StatusLine { kind, text: text.into() });
    }

    // ---- the key handler: keys to actions, through the keymap, nothing else ----

    /// The action a key press asks for in the current mode and screen.
    pub fn action_for_key(&self, event: KeyEvent) -> Option<Action> {
        let key = Key::from_event(&event)?;
        let keymap = self.keymap();
        match &self.mode {
            Mode::Search { .. } | Mode::CommandLine | Mode::Prompt(_) => {
                if let Some((_, action, _)) = input_bindings().into_iter().find(|(k, ..)| *k == key) {
                    return Some(action);
                }
                let plain = !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
                match key.code {
                    KeyCode::Char(c) if plain && !c.is_control() => Some(Action::Input(c)),
                    _ => None,
                }
            }
            Mode::Confirm(_) => keymap.action(&[Context::Confirm], key),
            Mode::Edit => Some(super::compose::editor_action(event)),
            Mode::Menu(_) => {
                if let Some(a) = keymap.action(&[Context::Confirm], key).filter(|a| a.is(&Action::Cancel)) {
                    return Some(a);
                }
                match keymap.action(&[Context::Navigation, Context::Global], key)? {
                    a @ (Action::Up | Action::Down | Action::Top | Action::Bottom | Action::Open) => Some(a),
                    Action::Back | Action::Quit => Some(Action::Cancel),
                    Action::Suspend => Some(Action::Suspend),
                    _ => None,
                }
            }
            Mode::Normal => keymap.action(self.screen.contexts(), key),
        }
    }

    // ---- update: the one place state changes ----

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        if !matches!(action, Action::Tick(_) | Action::Live(_)) {
            self.dirty = true;
        }
        if matches!(self.mode, Mode::Normal)
            && matches!(
                action,
                Action::GoOverview
                    | Action::GoQueue
                    | Action::GoMine
                    | Action::Open
                    | Action::Back
                    | Action::Forward
                    | Action::Help
                    | Action::OpenReference(_)
                    | Action::GoIdentity
                    | Action::GoErasure
                    | Action::GoRectify
                    | Action::GoTasks
            )
        {
            // The message was about the screen being left.
            self.status = None;
        }
        if self.settings.read_only && changes_requests(&action) {
            self.info(StatusKind::Refused, READ_ONLY);
            return vec![];
        }
        match action {
            Action::Quit => {
                self.quit = true;
                vec![]
            }
            Action::Suspend => {
                self.suspend = true;
                vec![]
            }
            Action::Redraw => vec![],
            Action::Help => {
                if self.screen != Screen::Help {
                    self.help_scroll = 0;
                    self.navigate(Screen::Help)
                } else {
                    vec![]
                }
            }
            Action::Back => self.go_back(),
            Action::Forward => match self.forward.pop() {
                Some(next) => {
                    let current = std::mem::replace(&mut self.screen, next);
                    self.back.push(current);
                    self.load_screen()
                }
                None => vec![],
            },
            Action::GoOverview => self.navigate(Screen::Overview),
            Action::GoQueue => self.navigate(Screen::Queue),
            Action::GoMine => {
                self.queue.filter.who = Who::Mine;
                self.queue.stale = true;
                self.navigate(Screen::Queue)
            }
            Action::Refresh => {
                self.status = None;
                self.overview.stale = true;
                self.queue.stale = true;
                self.detail.stale = true;
                self.subject.stale = true;
                self.load_screen()
            }
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(self.page_step() as i64)),
            Action::PageDown => self.move_by(self.page_step() as i64),
            Action::Top => self.move_to_end(false),
            Action::Bottom => self.move_to_end(true),
            Action::Open => self.open(),
            Action::NextPane | Action::PrevPane => {
                let forward = matches!(action, Action::NextPane);
                let i = self.overview.focus.index();
                self.overview.focus = Pane::ALL[if forward { (i + 1) % 3 } else { (i + 2) % 3 }];
                vec![]
            }
            Action::ToggleBreakdown => {
                self.overview.by_assignee = !self.overview.by_assignee;
                vec![]
            }
            Action::Search => {
                let mut effects = vec![];
                if self.screen != Screen::Queue {
                    effects = self.navigate(Screen::Queue);
                }
                self.mode = Mode::Search { before: self.queue.filter.search.clone() };
                self.input = self.queue.filter.search.clone();
                effects
            }
            Action::CommandLine => {
                self.mode = Mode::CommandLine;
                self.input.clear();
                vec![]
            }
            Action::FilterKind => {
                let all = RequestKind::ALL;
                self.queue.filter.kind = match self.queue.filter.kind {
                    None => Some(all[0]),
                    Some(k) => all.iter().position(|x| *x == k).and_then(|i| all.get(i + 1)).copied(),
                };
                self.reload_queue(None)
            }
            Action::FilterStatus => {
                self.queue.filter.status = self.queue.filter.status.next();
                self.reload_queue(None)
            }
            Action::FilterAssignee => {
                self.queue.filter.who = match self.queue.filter.who {
                    Who::Anyone => Who::Mine,
                    Who::Mine => Who::Unassigned,
                    Who::Unassigned => Who::Anyone,
                };
                self.reload_queue(None)
            }
            Action::FilterOverdue => {
                self.queue.filter.overdue = !self.queue.filter.overdue;
                self.reload_queue(None)
            }
            Action::ClearFilters => {
                self.queue.filter = Filter::default();
                self.reload_queue(None)
            }
            Action::SortField => {
                self.queue.order.field = match self.queue.order.field {
                    SortField::Due => SortField::Received,
                    SortField::Received => SortField::Due,
                };
                self.reload_queue(None)
            }
            Action::SortReverse => {
                self.queue.order.descending = !self.queue.order.descending;
                self.reload_queue(None)
            }
            Action::SetKind(kind) => {
                self.queue.filter.kind = kind;
                self.filter_from_command()
            }
            Action::SetStatusFilter(s) => {
                self.queue.filter.status = s;
                self.filter_from_command()
            }
            Action::SetWho(w) => {
                self.queue.filter.who = w;
                self.filter_from_command()
            }
            Action::SetOverdue(on) => {
                self.queue.filter.overdue = on;
                self.filter_from_command()
            }
            Action::SetSort(order) => {
                self.queue.order = order;
                self.filter_from_command()
            }
            Action::MarkSeen => match self.overview.data.as_ref().and_then(|d| d.changes.newest) {
                Some(up_to) => vec![Effect::MarkSeen { up_to }],
                None => {
                    self.info(StatusKind::Info, "nothing new to mark seen");
                    vec![]
                }
            },
            Action::Claim => self.claim(),
            Action::ClaimNext => {
                self.info(StatusKind::Info, "claiming the most urgent unclaimed request …");
                vec![Effect::Change(Mutation::ClaimNext)]
            }
            Action::Assign => self.with_shown(|app, d| {
                app.prompt(
                    PromptPurpose::AssignTo,
                    format!("Assign {}", d.request.reference),
                    vec![format!(
                        "Hand the request to (an operator's user name); now: {}",
                        d.request.assignee.as_deref().map(escape_line).unwrap_or_else(|| "nobody".into())
                    )],
                    d,
                );
                vec![]
            }),
            Action::Release => self.release(),
            Action::Extend => self.extend(),
            Action::Pause => self.with_shown(|app, d| {
                if let Some(since) = d.request.paused_since {
                    app.info(StatusKind::Refused, DeadlineRuleError::AlreadyPaused { since }.to_string());
                    return vec![];
                }
                app.prompt(
                    PromptPurpose::Pause,
                    format!("Pause the clock of {}", d.request.reference),
                    vec![
                        "Art. 12(6): information needed to identify the requester was asked for;".into(),
                        "the clock stands still until it arrives. What was asked for?".into(),
                    ],
                    d,
                );
                vec![]
            }),
            Action::Resume => self.resume(),
            Action::ChangeStatus => self.with_shown(|app, d| {
                let choices = status_choices(d.request.status);
                if choices.is_empty() {
                    app.info(
                        StatusKind::Refused,
                        format!(
                            "{} is {}: its status cannot change",
                            d.request.reference,
                            status_label(d.request.status)
                        ),
                    );
                    return vec![];
                }
                app.mode = Mode::Menu(Menu {
                    title: format!(
                        "Change the status of {} (now {})",
                        d.request.reference,
                        status_label(d.request.status)
                    ),
                    heading: " Change status ",
                    choices: choices.into_iter().map(MenuChoice::Status).collect(),
                    selected: 0,
                    reference: d.request.reference.clone(),
                    version: d.request.version,
                });
                vec![]
            }),
            Action::GoIdentity => self.go_subject(SubjectScreen::Identity),
            Action::GoErasure => self.go_subject(SubjectScreen::Erasure),
            Action::GoRectify => self.go_subject(SubjectScreen::Rectify),
            Action::GoTasks => self.go_subject(SubjectScreen::Tasks),
            Action::Link => self.link(),
            Action::Unlink => self.unlink(),
            Action::Verify => self.verify(),
            Action::ExecuteErasure => self.execute_erasure(),
            Action::ForwardToClient => self.forward_to_client(),
            Action::Correct => self.correct(),
            Action::TickTask => self.tick_task(),
            Action::Restrict => self.restrict(false),
            Action::LiftRestriction => self.restrict(true),
            Action::OptOut => self.opt_out(),
            Action::DecideObjection => self.decide_objection(),
            Action::GoReply => self.go_reply(),
            Action::Export => self.export_menu(),
            Action::ReplyLanguage => self.reply_language(),
            Action::ReplyAttach => self.reply_attach(),
            Action::ReplyEncrypt => self.reply_encrypt(),
            Action::ReplyEdit => self.reply_edit(),
            Action::SendReply => self.reply_send(),
            Action::DiscardDraft => self.reply_discard(),
            Action::EditorKey(key) => self.reply_key(key),
            Action::EditorDone => self.reply_editor_done(),
            Action::Worker(result) => self.worker_reported(result),
            Action::Confirm => match std::mem::replace(&mut self.mode, Mode::Normal) {
                Mode::Confirm(c) => {
                    self.info(StatusKind::Info, "working …");
                    vec![Effect::Change(c.mutation)]
                }
                other => {
                    self.mode = other;
                    vec![]
                }
            },
            Action::Cancel => {
                if !matches!(self.mode, Mode::Normal) {
                    self.mode = Mode::Normal;
                    self.input.clear();
                    self.info(StatusKind::Info, "cancelled: nothing was changed");
                }
                vec![]
            }
            Action::Input(c) => {
                self.input.push(c);
                self.after_input()
            }
            Action::InputBackspace => {
                self.input.pop();
                self.after_input()
            }
            Action::InputClear => {
                self.input.clear();
                self.after_input()
            }
            Action::InputSubmit => self.submit(),
            Action::InputCancel => match std::mem::replace(&mut self.mode, Mode::Normal) {
                Mode::Search { before } => {
                    self.input.clear();
                    if self.queue.filter.search != before {
                        self.queue.filter.search = before;
                        return self.reload_queue(None);
                    }
                    vec![]
                }
                Mode::Normal => vec![],
                _ => {
                    self.input.clear();
                    self.info(StatusKind::Info, "cancelled: nothing was changed");
                    vec![]
                }
            },
            Action::SearchSettled(seq) => {
                if seq == self.search_seq && self.searched != self.queue.filter.search {
                    return self.reload_queue(None);
                }
                vec![]
            }
            Action::OpenReference(reference) => match crate::service::normalize_reference(&reference) {
                Ok(reference) => self.navigate(Screen::Detail(reference)),
                Err(e) => {
                    self.info(StatusKind::Refused, e.to_string());
                    vec![]
                }
            },
            Action::Resize(w, h) => {
                self.size = (w, h);
                let view = self.view_rows();
                self.queue.clamp_top(view);
                vec![]
            }
            Action::Tick(now) => {
                let before = self.today();
                self.now = now;
                if self.today() != before {
                    // A new day: every countdown moved.
                    self.dirty = true;
                    return self.update(Action::Refresh);
                }
                // Autosave: what was typed since the last second goes to the draft.
                self.reply_tick()
            }
            Action::Live(up) => {
                if self.live != Some(up) {
                    self.dirty = true;
                }
                self.live = Some(up);
                vec![]
            }
            Action::Changed(change) => self.changed(change),
            Action::Loaded(loaded) => self.loaded(loaded),
        }
    }

    fn page_step(&self) -> usize {
        match self.screen {
            Screen::Queue => self.view_rows().saturating_sub(1).max(1),
            _ => (self.size.1 as usize / 2).max(1),
        }
    }

    // ---- screens and breadcrumbs ----

    pub(super) fn navigate(&mut self, to: Screen) -> Vec<Effect> {
        if self.screen == to {
            return self.load_screen();
        }
        let from = std::mem::replace(&mut self.screen, to);
        self.back.push(from);
        self.forward.clear();
        if self.back.len() > 50 {
            self.back.remove(0);
        }
        self.load_screen()
    }

    pub(super) fn go_back(&mut self) -> Vec<Effect> {
        match self.back.pop() {
            Some(previous) => {
                let current = std::mem::replace(&mut self.screen, previous);
                self.forward.push(current);
                self.load_screen()
            }
            None => {
                if self.screen != Screen::Overview {
                    self.screen = Screen::Overview;
                    return self.load_screen();
                }
                let q = self.keymap().hint(Context::Global, &Action::Quit);
                self.info(StatusKind::Info, format!("this is the start; {q} quits"));
                vec![]
            }
        }
    }

    /// Load what the current screen needs, when it has not been loaded or went stale.
    fn load_screen(&mut self) -> Vec<Effect> {
        match self.screen.clone() {
            Screen::Overview => {
                if self.overview.loading {
                    // One load at a time: a change meanwhile loads again when this one is in.
                    return vec![];
                }
                if self.overview.data.is_none() || self.overview.stale {
                    self.overview.stale = false;
                    self.overview.loading = true;
                    vec![Effect::LoadOverview { last_seen: self.last_seen }]
                } else {
                    vec![]
                }
            }
            Screen::Queue => {
                if !self.queue.loaded || self.queue.stale {
                    if self.queue.loaded && !self.queue.rows.is_empty() {
                        self.refresh_queue()
                    } else {
                        self.reload_queue(None)
                    }
                } else {
                    vec![]
                }
            }
            Screen::Detail(reference) => {
                if self.detail.reference.as_deref() != Some(reference.as_str()) {
                    self.detail =
                        DetailState { reference: Some(reference.clone()), ..DetailState::default() };
                }
                if self.detail.loading {
                    return vec![];
                }
                if self.detail.data.is_none() || self.detail.stale {
                    self.detail.stale = false;
                    self.detail.loading = true;
                    vec![Effect::LoadDetail { reference }]
                } else {
                    vec![]
                }
            }
            Screen::Subject(reference, screen) => {
                let shown = Some((reference.clone(), screen));
                if self.subject.shown != shown {
                    self.subject = SubjectState { shown, ..SubjectState::default() };
                }
                if self.subject.loading {
                    return vec![];
                }
                if self.subject.data.is_none() || self.subject.stale {
                    self.subject.stale = false;
                    self.subject.loading = true;
                    vec![Effect::LoadSubject { reference, screen }]
                } else {
                    vec![]
                }
            }
            // The composer keeps its own state; a draft is loaded when it is opened.
            Screen::Reply(_) => vec![],
            Screen::Help => vec![],
        }
    }

    // ---- the queue ----

    pub fn queue_query(&self) -> QueueQuery {
        let f = &self.queue.filter;
        let (include_closed, status) = match f.status {
            StatusFilter::Open => (false, None),
            StatusFilter::Is(s) => (!s.is_open(), Some(s)),
            StatusFilter::All => (true, None),
        };
        QueueQuery {
            include_closed,
            kind: f.kind,
            status,
            assignee: match f.who {
                Who::Anyone => AssigneeFilter::Anyone,
                Who::Mine => AssigneeFilter::Is(self.operator().user.clone()),
                Who::Unassigned => AssigneeFilter::Unassigned,
            },
            due_before: f.overdue.then(|| self.today()),
            search: Some(f.search.trim().to_string()).filter(|s| !s.is_empty()),
            after: None,
            limit: PAGE,
        }
    }

    fn filter_from_command(&mut self) -> Vec<Effect> {
        if self.screen != Screen::Queue {
            self.queue.stale = true;
            self.queue.loaded = false;
            return self.navigate(Screen::Queue);
        }
        self.reload_queue(None)
    }

    fn page_effect(&mut self, anchor: Anchor, keep: Option<String>) -> Effect {
        let mut query = self.queue_query();
        query.after = match anchor {
            Anchor::Start | Anchor::End => None,
            Anchor::From(k) | Anchor::After(k) | Anchor::Before(k) => Some(k),
        };
        Effect::LoadPage { generation: self.queue.generation, query, order: self.queue.order, anchor, keep }
    }

    /// Load the queue from its start (or end) under a new generation: filters or order changed.
    fn reload_queue(&mut self, anchor: Option<Anchor>) -> Vec<Effect> {
        self.searched = self.queue.filter.search.clone();
        self.queue.filter_generation += 1;
        self.queue.total = None;
        let mut effects = self.fetch_fresh(anchor.unwrap_or(Anchor::Start));
        effects.push(self.count_effect());
        effects
    }

    /// The same rows from another place (the first, the last): no need to count them again.
    fn jump_queue(&mut self, anchor: Anchor) -> Vec<Effect> {
        self.fetch_fresh(anchor)
    }

    fn fetch_fresh(&mut self, anchor: Anchor) -> Vec<Effect> {
        let q = &mut self.queue;
        q.generation += 1;
        q.loading = true;
        q.loading_next = false;
        q.loading_prev = false;
        q.stale = false;
        vec![self.page_effect(anchor, None)]
    }

    fn count_effect(&self) -> Effect {
        Effect::Count { generation: self.queue.filter_generation, query: self.queue_query() }
    }

    /// Fetch again what is on screen (someone changed something), keeping the selection.
    fn refresh_queue(&mut self) -> Vec<Effect> {
        let q = &mut self.queue;
        if q.rows.is_empty() || q.at_start && q.top == 0 {
            let keep = q.selected_item().map(|i| i.record.reference.clone());
            q.generation += 1;
            q.loading = true;
            q.loading_next = false;
            q.loading_prev = false;
            q.stale = false;
            let page = self.page_effect(Anchor::Start, keep);
            return vec![page, self.count_effect()];
        }
        let first = q.key_of(&q.rows[q.top.min(q.rows.len() - 1)]);
        let keep = q.selected_item().map(|i| i.record.reference.clone());
        q.generation += 1;
        q.loading = true;
        q.loading_next = false;
        q.loading_prev = false;
        q.stale = false;
        let page = self.page_effect(Anchor::From(first), keep);
        vec![page, self.count_effect()]
    }

    /// Fetch the neighbouring pages when the selection comes near the edge of what is loaded.
    fn prefetch(&mut self) -> Vec<Effect> {
        let mut effects = vec![];
        let q = &self.queue;
        if q.loading || q.rows.is_empty() {
            return effects;
        }
        if !q.at_end && !q.loading_next && q.rows.len() - q.selected <= PREFETCH {
            let last = q.key_of(q.rows.last().expect("not empty"));
            self.queue.loading_next = true;
            effects.push(self.page_effect(Anchor::After(last), None));
        }
        let q = &self.queue;
        if !q.at_start && !q.loading_prev && q.selected < PREFETCH {
            let first = q.key_of(&q.rows[0]);
            self.queue.loading_prev = true;
            effects.push(self.page_effect(Anchor::Before(first), None));
        }
        effects
    }

    fn page_loaded(&mut self, page: Page) -> Vec<Effect> {
        let mut effects = self.place_page(page);
        if self.queue.stale && !self.queue.loading && self.screen == Screen::Queue {
            // Something changed while this page was on its way: fetch what is on screen again.
            effects.extend(self.load_screen());
        }
        effects
    }

    fn place_page(&mut self, page: Page) -> Vec<Effect> {
        if page.generation != self.queue.generation {
            return vec![];
        }
        let view = self.view_rows();
        let q = &mut self.queue;
        let items = match page.result {
            Ok(items) => items,
            Err(e) => {
                q.loading = false;
                q.loading_next = false;
                q.loading_prev = false;
                q.error = Some(e.message.clone());
                // A change that just failed (the reload follows it) says more than the reload's
                // own failure, whose cause is the same.
                if !self
                    .status
                    .as_ref()
                    .is_some_and(|s| matches!(s.kind, StatusKind::Trouble | StatusKind::Conflict))
                {
                    self.info(StatusKind::Trouble, format!("the queue could not be loaded: {}", e.message));
                }
                return vec![];
            }
        };
        q.error = None;
        let full = items.len() as i64 >= page.limit;
        match page.anchor {
            Anchor::Start | Anchor::End | Anchor::From(_) => {
                let old_first = q.first_index;
                let old_selected = q.selected;
                let old_top = q.top;
                let was_at_start = q.at_start;
                q.loading = false;
                q.loaded = true;
                q.rows = items;
                match page.anchor {
                    Anchor::Start => {
                        q.at_start = true;
                        q.at_end = !full;
                        q.first_index = Some(0);
                        q.top = 0;
                        q.selected = 0;
                    }
                    Anchor::End => {
                        q.at_end = true;
                        q.at_start = !full;
                        q.first_index = if q.at_start {
                            Some(0)
                        } else {
                            q.total.map(|t| (t as u64).saturating_sub(q.rows.len() as u64))
                        };
                        q.selected = q.rows.len().saturating_sub(1);
                        q.top = q.rows.len().saturating_sub(view);
                    }
                    _ => {
                        // A refresh from the first row on screen: rows above it were dropped.
                        q.at_start = was_at_start && old_top == 0;
                        q.at_end = !full;
                        q.first_index = old_first.map(|f| f + old_top as u64);
                        q.selected = old_selected.saturating_sub(old_top);
                        q.top = 0;
                    }
                }
                if let Some(keep) = page.keep
                    && let Some(i) = q.rows.iter().position(|r| r.record.reference == keep)
                {
                    q.selected = i;
                }
                if q.rows.is_empty() && matches!(page.anchor, Anchor::From(_)) {
                    // Everything from there on went away: start again from the top.
                    return self.reload_queue(None);
                }
                let selected = q.selected;
                q.select(selected, view);
            }
            Anchor::After(key) => {
                q.loading_next = false;
                if q.rows.last().map(|r| q.key_of(r)) != Some(key) {
                    return self.prefetch();
                }
                q.at_end = !full;
                q.rows.extend(items);
                if q.rows.len() > MAX_ROWS {
                    let drop = (q.rows.len() - MAX_ROWS).min(q.selected.saturating_sub(PREFETCH)).min(q.top);
                    if drop > 0 {
                        q.rows.drain(..drop);
                        q.selected -= drop;
                        q.top -= drop;
                        q.first_index = q.first_index.map(|f| f + drop as u64);
                        q.at_start = false;
                    }
                }
            }
            Anchor::Before(key) => {
                q.loading_prev = false;
                if q.rows.first().map(|r| q.key_of(r)) != Some(key) {
                    return self.prefetch();
                }
                q.at_start = !full;
                let n = items.len();
                q.rows.splice(0..0, items);
                q.selected += n;
                q.top += n;
                q.first_index = match (q.first_index, q.at_start) {
                    (_, true) => Some(0),
                    (Some(f), false) => Some(f.saturating_sub(n as u64)),
                    (None, false) => None,
                };
                if q.rows.len() > MAX_ROWS {
                    let keep_to = (q.top + view + PREFETCH).max(q.selected + PREFETCH).max(MAX_ROWS);
                    if q.rows.len() > keep_to {
                        q.rows.truncate(keep_to);
                        q.at_end = false;
                    }
                }
            }
        }
        self.prefetch()
    }

    fn move_by(&mut self, delta: i64) -> Vec<Effect> {
        if matches!(self.mode, Mode::Normal) && matches!(self.screen, Screen::Reply(_)) {
            self.reply_move(delta);
            return vec![];
        }
        match &mut self.mode {
            Mode::Menu(menu) => {
                let n = menu.choices.len() as i64;
                menu.selected = (menu.selected as i64 + delta).clamp(0, n - 1) as usize;
                return vec![];
            }
            Mode::Normal => {}
            _ => return vec![],
        }
        match self.screen {
            Screen::Overview => {
                let pane = self.overview.focus;
                let len = self.overview.pane_len(pane) as i64;
                let i = &mut self.overview.selected[pane.index()];
                *i = (*i as i64 + delta).clamp(0, (len - 1).max(0)) as usize;
                vec![]
            }
            Screen::Queue => {
                let view = self.view_rows();
                let target = (self.queue.selected as i64 + delta).max(0) as usize;
                self.queue.select(target, view);
                self.prefetch()
            }
            Screen::Detail(_) => {
                let max = self.detail_lines() as i64;
                self.detail.scroll = (self.detail.scroll as i64 + delta).clamp(0, max) as u16;
                vec![]
            }
            Screen::Help => {
                let max = super::view::help_line_count(self) as i64;
                self.help_scroll = (self.help_scroll as i64 + delta).clamp(0, max) as u16;
                vec![]
            }
            Screen::Subject(_, SubjectScreen::Erasure) => {
                let max = super::view_subject::erasure_scroll_max(self) as i64;
                self.subject.scroll = (self.subject.scroll as i64 + delta).clamp(0, max) as u16;
                vec![]
            }
            Screen::Subject(..) => {
                let len = self.subject.list_len() as i64;
                self.subject.selected =
                    (self.subject.selected as i64 + delta).clamp(0, (len - 1).max(0)) as usize;
                vec![]
            }
            Screen::Reply(_) => vec![],
        }
    }

    fn move_to_end(&mut self, bottom: bool) -> Vec<Effect> {
        if let Mode::Menu(menu) = &mut self.mode {
            menu.selected = if bottom { menu.choices.len() - 1 } else { 0 };
            return vec![];
        }
        match self.screen {
            Screen::Queue => {
                let view = self.view_rows();
                let q = &mut self.queue;
                if bottom && q.at_end || !bottom && q.at_start {
                    let target = if bottom { q.rows.len().saturating_sub(1) } else { 0 };
                    q.select(target, view);
                    return self.prefetch();
                }
                self.jump_queue(if bottom { Anchor::End } else { Anchor::Start })
            }
            _ => self.move_by(if bottom { i64::from(u16::MAX) } else { -i64::from(u16::MAX) }),
        }
    }

    fn detail_lines(&self) -> usize {
        self.detail.data.as_ref().map_or(0, |d| {
            let replies = if d.outbox.is_empty() { 0 } else { d.outbox.len() + 2 };
            d.request.body.lines().count() + d.events.len() + replies + 4
        })
    }

    fn open(&mut self) -> Vec<Effect> {
        if let Mode::Menu(menu) = &self.mode {
            let menu = menu.clone();
            self.mode = Mode::Normal;
            return self.menu_chosen(menu);
        }
        if matches!(self.screen, Screen::Reply(_)) {
            if self.settings.read_only {
                self.info(StatusKind::Refused, READ_ONLY);
                return vec![];
            }
            return self.reply_choose();
        }
        if let Screen::Subject(_, SubjectScreen::Rectify) = self.screen {
            // Enter on a field corrects it, as `c` does.
            if self.settings.read_only {
                self.info(StatusKind::Refused, READ_ONLY);
                return vec![];
            }
            return self.correct();
        }
        let reference = match self.screen {
            Screen::Overview => self.overview.selected_reference(),
            Screen::Queue => self.queue.selected_item().map(|i| i.record.reference.clone()),
            _ => None,
        };
        match reference {
            Some(r) => self.navigate(Screen::Detail(r)),
            None => vec![],
        }
    }

    // ---- input: search, command line, prompts ----

    fn after_input(&mut self) -> Vec<Effect> {
        if let Mode::Search { .. } = self.mode {
            // Search as one types, but not on every key of a fast typist: wait for a pause.
            self.queue.filter.search = self.input.clone();
            self.search_seq += 1;
            return vec![Effect::Wait {
                delay: SEARCH_SETTLE,
                then: Box::new(Action::SearchSettled(self.search_seq)),
            }];
        }
        vec![]
    }

    fn submit(&mut self) -> Vec<Effect> {
        let text = std::mem::take(&mut self.input);
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Search { .. } => {
                // Enter runs the search now if it has not run yet.
                if self.searched != self.queue.filter.search {
                    self.search_seq += 1;
                    return self.reload_queue(None);
                }
                vec![]
            }
            Mode::CommandLine => match parse_command_line(&text) {
                Ok(actions) => {
                    let mut effects = vec![];
                    for a in actions {
                        effects.extend(self.update(a));
                    }
                    effects
                }
                Err(e) => {
                    self.info(StatusKind::Refused, e);
                    vec![]
                }
            },
            Mode::Prompt(p) => self.prompt_answered(p, text.trim().to_string()),
            other => {
                self.mode = other;
                vec![]
            }
        }
    }

    fn prompt(&mut self, purpose: PromptPurpose, title: String, lines: Vec<String>, d: &RequestDetail) {
        self.input.clear();
        self.mode = Mode::Prompt(Prompt {
            title,
            lines,
            purpose,
            reference: d.request.reference.clone(),
            version: d.request.version,
        });
    }

    fn prompt_answered(&mut self, p: Prompt, text: String) -> Vec<Effect> {
        let Prompt { reference, version, purpose, .. } = p;
        let may_be_empty = matches!(
            purpose,
            PromptPurpose::VerifyReturnedNumber(..)
                | PromptPurpose::ObjectionReason(ObjectionDecision::Upheld)
        );
        if let PromptPurpose::ReplyDetail(purpose) = purpose {
            if text.is_empty() {
                self.info(StatusKind::Refused, "the letter needs these words: nothing was written");
                return vec![];
            }
            return self.reply_detail_given(purpose, text);
        }
        if text.is_empty() && !may_be_empty {
            let what = match purpose {
                PromptPurpose::AssignTo => "an assignee",
                PromptPurpose::VerifyTransaction(_) => "the transaction reference",
                PromptPurpose::VerifyEvidence { .. } => "the evidence",
                PromptPurpose::RectifyValue(_) => "a new value",
                PromptPurpose::ObjectionReason(_) => "the grounds (Art. 21(1))",
                _ => "a reason",
            };
            self.info(StatusKind::Refused, format!("{what} is needed: nothing was changed"));
            return vec![];
        }
        match purpose {
            PromptPurpose::ReplyDetail(_) => vec![],
            PromptPurpose::ExportDirectory(format, encrypt) => {
                self.info(StatusKind::Info, "writing …");
                vec![Effect::Change(Mutation::Export { reference, format, encrypt, directory: text })]
            }
            PromptPurpose::AssignTo => {
                if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    self.info(
                        StatusKind::Refused,
                        format!(
                            "“{}” is not a user name (no spaces): nothing was changed",
                            escape_line(&text)
                        ),
                    );
                    return vec![];
                }
                let from = self.detail.data.as_ref().and_then(|d| d.request.assignee.clone());
                let mut lines = vec![match &from {
                    Some(holder) => format!("It is claimed by {} now.", escape_line(holder)),
                    None => "Nobody has claimed it yet.".into(),
                }];
                lines.push(format!("{} will find it under “mine”.", escape_line(&text)));
                self.mode = Mode::Confirm(Confirm {
                    title: format!("Assign {reference} to {}?", escape_line(&text)),
                    lines,
                    verb: "assign",
                    mutation: Mutation::AssignTo { reference, version, to: text },
                });
                vec![]
            }
            PromptPurpose::Pause => {
                vec![Effect::Change(Mutation::Pause { reference, version, reason: text })]
            }
            PromptPurpose::Extend => {
                // What the deadline engine will say (the service computes it again, and stores it).
                let due = self
                    .detail
                    .data
                    .as_ref()
                    .map(|d| {
                        let facts = crate::domain::deadline::DeadlineFacts {
                            received_on: d.deadline.received_on,
                            extended: true,
                            paused_days: d.deadline.paused_days,
                        };
                        let calendar = self.settings.config.calendar(d.request.jurisdiction);
                        crate::domain::deadline::legal_due_on(&calendar, facts)
                            .map_or_else(|e| e.to_string(), |d| d.to_string())
                    })
                    .unwrap_or_else(|| "three months after receipt".into());
                self.mode = Mode::Confirm(Confirm {
                    title: format!("Extend {reference}?"),
                    lines: vec![
                        format!("Art. 12(3): two further months. The legal due date becomes {due}."),
                        "This cannot be undone, and the requester must be told, with the reason:".into(),
                        format!("“{}”", escape_line(&text)),
                    ],
                    verb: "extend",
                    mutation: Mutation::Extend { reference, version, reason: text },
                });
                vec![]
            }
            PromptPurpose::StatusReason(status) => {
                self.confirm_status(reference, version, status, Some(text));
                vec![]
            }
            PromptPurpose::VerifyTransaction(method) => {
                self.ask(
                    PromptPurpose::VerifyReturnedNumber(method, text),
                    format!("Verify {reference}: the number the e-ID returned"),
                    vec![
                        "The personal number the e-ID returned, if it was shown (enter skips).".into(),
                        "A number other than the requester's is refused: it may be someone else.".into(),
                    ],
                    reference,
                    version,
                );
                vec![]
            }
            PromptPurpose::VerifyReturnedNumber(method, transaction) => {
                let returned = Some(text).filter(|t| !t.is_empty());
                self.ask_evidence(method, Some(transaction), returned, reference, version);
                vec![]
            }
            PromptPurpose::VerifyEvidence { method, transaction, returned } => {
                let mut lines = vec![format!("method        {}", method_label(method))];
                if let Some(t) = &transaction {
                    lines.push(format!("transaction   {}", escape_line(t)));
                }
                if let Some(n) = &returned {
                    lines.push(format!(
                        "returned no.  {} (compared with the requester's)",
                        escape_line(&mask_personal_number(n))
                    ));
                }
                lines.push(format!("evidence      “{}”", escape_line(&text)));
                lines.push("Recorded once, with your name, and never changed (Art. 12(6)).".into());
                self.mode = Mode::Confirm(Confirm {
                    title: format!("Record the identity of {reference} as verified?"),
                    lines,
                    verb: "verify",
                    mutation: Mutation::Verify {
                        reference,
                        method,
                        transaction,
                        returned_number: returned,
                        evidence: text,
                    },
                });
                vec![]
            }
            PromptPurpose::RectifyValue(field) => {
                if field.current.as_str() == Some(text.as_str()) {
                    self.info(StatusKind::Info, "that is the value now: nothing to change");
                    return vec![];
                }
                let recipients = self
                    .settings
                    .config
                    .data_map
                    .source(&field.source)
                    .map(|s| s.recipients.iter().map(|r| r.name.clone()).collect::<Vec<_>>())
                    .unwrap_or_default();
                let tell = if recipients.is_empty() {
                    "Art. 19: this source has no recipients to tell.".to_string()
                } else {
                    format!("Art. 19: then tell {}.", escape_line(&recipients.join(", ")))
                };
                self.mode = Mode::Confirm(Confirm {
                    title: format!("Rectify {} of {reference}?", escape_line(&field.column)),
                    lines: vec![
                        format!(
                            "{} · row {} · {}",
                            escape_line(&field.source_title),
                            escape_line(&field.row_id),
                            escape_line(&field.column)
                        ),
                        format!("now        {}", value_text(&field.current)),
                        format!("requested  “{}”", escape_line(&text)),
                        tell,
                        "The old value is kept in the history.".into(),
                    ],
                    verb: "rectify",
                    mutation: Mutation::Rectify {
                        reference,
                        correction: Correction {
                            source: field.source.clone(),
                            row_id: field.row_id.clone(),
                            column: field.column.clone(),
                            new_value: Some(text),
                        },
                    },
                });
                vec![]
            }
            PromptPurpose::RestrictReason { lift } => {
                let (title, verb, what) = if lift {
                    (
                        format!("Lift the restriction of {reference}?"),
                        "lift",
                        "The linked persons' rows may be used again (not those kept after an erasure).",
                    )
                } else {
                    (
                        format!("Restrict the processing of {reference}'s data?"),
                        "restrict",
                        "Every row of the linked persons is marked restricted: kept, not used.",
                    )
                };
                self.mode = Mode::Confirm(Confirm {
                    title,
                    lines: vec![
                        what.into(),
                        format!("Reason: “{}”", escape_line(&text)),
                        "Recipients of the changed sources get an Art. 19 task.".into(),
                    ],
                    verb,
                    mutation: Mutation::Restrict { reference, lift, reason: text },
                });
                vec![]
            }
            PromptPurpose::ObjectionReason(decision) => {
                let effect = match decision {
                    ObjectionDecision::Upheld => "The processing objected to stops.",
                    ObjectionDecision::CompellingGrounds => {
                        "The processing goes on: the grounds must override the subject's interests."
                    }
                    ObjectionDecision::LegalClaims => {
                        "The processing goes on for the establishment, exercise or defence of legal claims."
                    }
                };
                let mut lines = vec![effect.to_string()];
                if !text.is_empty() {
                    lines.push(format!("Reason: “{}”", escape_line(&text)));
                }
                lines.push("Recorded in the history; the requester is told the decision.".into());
                self.mode = Mode::Confirm(Confirm {
                    title: format!("Decide the objection of {reference}: {}?", objection_label(decision)),
                    lines,
                    verb: "decide",
                    mutation: Mutation::DecideObjection { reference, decision, reason: text },
                });
                vec![]
            }
        }
    }

    fn ask(
        &mut self,
        purpose: PromptPurpose,
        title: String,
        lines: Vec<String>,
        reference: String,
        version: i32,
    ) {
        self.input.clear();
        self.mode = Mode::Prompt(Prompt { title, lines, purpose, reference, version });
    }

    fn ask_evidence(
        &mut self,
        method: VerificationMethod,
        transaction: Option<String>,
        returned: Option<String>,
        reference: String,
        version: i32,
    ) {
        self.ask(
            PromptPurpose::VerifyEvidence { method, transaction, returned },
            format!("Verify {reference}: {}", method_label(method)),
            vec![
                "What was seen? e.g. “BankID signature in the portal”.".into(),
                "Recorded as the evidence, with your name.".into(),
            ],
            reference,
            version,
        );
    }

    fn menu_chosen(&mut self, menu: Menu) -> Vec<Effect> {
        let Some(&choice) = menu.choices.get(menu.selected) else { return vec![] };
        match choice {
            MenuChoice::Status(status) => self.status_chosen(menu.reference, menu.version, status),
            MenuChoice::Method(method) if method.is_eid() => {
                self.ask(
                    PromptPurpose::VerifyTransaction(method),
                    format!("Verify {}: {}", menu.reference, method_label(method)),
                    vec![
                        "The portal's transaction reference (BankID order reference, FTN transaction id)."
                            .into(),
                    ],
                    menu.reference,
                    menu.version,
                );
                vec![]
            }
            MenuChoice::Method(method) => {
                self.ask_evidence(method, None, None, menu.reference, menu.version);
                vec![]
            }
            MenuChoice::Export(format, encrypt) => {
                self.input = default_export_directory();
                self.mode = Mode::Prompt(Prompt {
                    title: format!(
                        "Write the {} of {} to the directory:",
                        export_label(format),
                        menu.reference
                    ),
                    lines: vec!["Created when missing; the file is named after the request.".into()],
                    purpose: PromptPurpose::ExportDirectory(format, encrypt),
                    reference: menu.reference,
                    version: menu.version,
                });
                vec![]
            }
            MenuChoice::Decision(decision) => {
                let needed = if decision == ObjectionDecision::Upheld {
                    "A note for the history (enter skips)."
                } else {
                    "The grounds, in words: the controller must be able to show them (Art. 21(1))."
                };
                self.ask(
                    PromptPurpose::ObjectionReason(decision),
                    format!("Objection of {}: {}", menu.reference, objection_label(decision)),
                    vec![needed.into()],
                    menu.reference,
                    menu.version,
                );
                vec![]
            }
        }
    }

    fn status_chosen(&mut self, reference: String, version: i32, status: RequestStatus) -> Vec<Effect> {
        if status_needs_reason(status) {
            self.input.clear();
            self.mode = Mode::Prompt(Prompt {
                title: format!("Close {} as {}", reference, status_label(status)),
                lines: vec![format!("Why is it {}? (recorded in the history)", status_label(status))],
                purpose: PromptPurpose::StatusReason(status),
                reference,
                version,
            });
            return vec![];
        }
        if status.is_open() {
            return vec![Effect::Change(Mutation::SetStatus { reference, version, status, reason: None })];
        }
        self.confirm_status(reference, version, status, None);
        vec![]
    }

    fn confirm_status(
        &mut self,
        reference: String,
        version: i32,
        status: RequestStatus,
        reason: Option<String>,
    ) {
        let mut lines =
            vec![format!("The request is closed as {}. This cannot be undone.", status_label(status))];
        if let Some(r) = &reason {
            lines.push(format!("Reason: “{}”", escape_line(r)));
        }
        self.mode = Mode::Confirm(Confirm {
            title: format!("Close {reference} as {}?", status_label(status)),
            lines,
            verb: "close",
            mutation: Mutation::SetStatus { reference, version, status, reason },
        });
    }

    // ---- actions on a request ----

    /// Run `f` with the request shown on the detail screen, or say there is none.
    fn with_shown(&mut self, f: impl FnOnce(&mut App, &RequestDetail) -> Vec<Effect>) -> Vec<Effect> {
        let shown = match (&self.screen, &self.detail.data) {
            (Screen::Detail(r), Some(d)) if &d.request.reference == r => Some(d.clone()),
            _ => None,
        };
        match shown {
            Some(d) => f(self, &d),
            None => {
                self.info(StatusKind::Info, "open a request first");
                vec![]
            }
        }
    }

    fn claim(&mut self) -> Vec<Effect> {
        if self.screen == Screen::Queue {
            let Some(item) = self.queue.selected_item() else { return vec![] };
            let reference = item.record.reference.clone();
            if let Some(holder) = item.record.assignee.as_deref().filter(|h| *h != self.operator().user) {
                let text = format!(
                    "{reference} is claimed by {}: open it ({}) to take it over",
                    escape_line(holder),
                    self.keymap().hint(Context::Navigation, &Action::Open)
                );
                self.info(StatusKind::Refused, text);
                return vec![];
            }
            self.info(StatusKind::Info, format!("claiming {reference} …"));
            return vec![Effect::Change(Mutation::Claim { reference, version: None })];
        }
        let me = self.operator().user.clone();
        self.with_shown(|app, d| {
            let r = &d.request;
            match r.assignee.as_deref() {
                Some(holder) if holder == me => {
                    app.info(StatusKind::Info, format!("{} is already yours", r.reference));
                    vec![]
                }
                Some(holder) => {
                    app.mode = Mode::Confirm(Confirm {
                        title: format!("Take over {}?", r.reference),
                        lines: vec![
                            format!("It is claimed by {}.", escape_line(holder)),
                            "Taking it over assigns it to you; they will see it in their changes.".into(),
                        ],
                        verb: "take over",
                        mutation: Mutation::TakeOver { reference: r.reference.clone(), version: r.version },
                    });
                    vec![]
                }
                None => vec![Effect::Change(Mutation::Claim {
                    reference: r.reference.clone(),
                    version: Some(r.version),
                })],
            }
        })
    }

    fn release(&mut self) -> Vec<Effect> {
        let me = self.operator().user.clone();
        self.with_shown(|app, d| {
            let r = &d.request;
            match r.assignee.as_deref() {
                None => {
                    app.info(StatusKind::Info, format!("{} is not claimed by anyone", r.reference));
                    vec![]
                }
                Some(holder) if holder != me => {
                    app.mode = Mode::Confirm(Confirm {
                        title: format!("Release {}?", r.reference),
                        lines: vec![format!(
                            "It is claimed by {}, not by you. Releasing puts it back in the queue.",
                            escape_line(holder)
                        )],
                        verb: "release",
                        mutation: Mutation::Release { reference: r.reference.clone(), version: r.version },
                    });
                    vec![]
                }
                Some(_) => vec![Effect::Change(Mutation::Release {
                    reference: r.reference.clone(),
                    version: r.version,
                })],
            }
        })
    }

    fn extend(&mut self) -> Vec<Effect> {
        let today = self.today();
        self.with_shown(|app, d| {
            let b = &d.deadline;
            // The service decides; these only spare a prompt whose answer would be refused.
            if b.extended {
                app.info(StatusKind::Refused, DeadlineRuleError::AlreadyExtended.to_string());
                return vec![];
            }
            if today > b.first_month_ends_on {
                let e = DeadlineRuleError::FirstMonthOver { first_month_end: b.first_month_ends_on };
                app.info(StatusKind::Refused, e.to_string());
                return vec![];
            }
            app.prompt(
                PromptPurpose::Extend,
                format!("Extend {}", d.request.reference),
                vec![
                    "Art. 12(3): by two further months where necessary (complexity, number of".into(),
                    "requests). The reason is told to the requester. Why is it necessary?".into(),
                ],
                d,
            );
            vec![]
        })
    }

    fn resume(&mut self) -> Vec<Effect> {
        let today = self.today();
        self.with_shown(|app, d| {
            let r = &d.request;
            let Some(since) = r.paused_since else {
                app.info(StatusKind::Refused, format!("{}: {}", r.reference, DeadlineRuleError::NotPaused));
                return vec![];
            };
            let days = (today - since).num_days().max(0);
            app.mode = Mode::Confirm(Confirm {
                title: format!("Resume the clock of {}?", r.reference),
                lines: vec![
                    format!("The information asked for on {since} arrived today ({today})."),
                    format!("{days} paused day(s) move the legal due date later; this cannot be undone."),
                ],
                verb: "resume",
                mutation: Mutation::Resume { reference: r.reference.clone(), version: r.version },
            });
            vec![]
        })
    }

    // ---- the request's subject: identity, erasure, rectification, Art. 19 ----

    fn go_subject(&mut self, screen: SubjectScreen) -> Vec<Effect> {
        let Some(reference) = self.screen.reference().map(str::to_string) else {
            self.info(StatusKind::Info, "open a request first");
            return vec![];
        };
        if let (Some(wanted), Some(kind)) = (screen.kind(), self.known_kind(&reference))
            && wanted != kind
        {
            let what = match screen {
                SubjectScreen::Erasure => "an erasure plan is made for erasure requests",
                _ => "fields are rectified on rectification requests",
            };
            self.info(StatusKind::Refused, format!("{reference} is {}: {what}", a_kind(kind)));
            return vec![];
        }
        self.navigate(Screen::Subject(reference, screen))
    }

    /// The kind of a request already loaded (the detail or a subject screen), if any.
    pub(super) fn known_kind(&self, reference: &str) -> Option<RequestKind> {
        let from_detail =
            self.detail.data.as_ref().filter(|d| d.request.reference == reference).map(|d| d.request.kind);
        from_detail.or_else(|| {
            self.subject
                .data
                .as_ref()
                .filter(|d| d.detail.request.reference == reference)
                .map(|d| d.detail.request.kind)
        })
    }

    /// Run `f` with what the subject screen shows, or say it is not there yet.
    fn with_subject(&mut self, f: impl FnOnce(&mut App, &SubjectData) -> Vec<Effect>) -> Vec<Effect> {
        let shown = match (&self.screen, &self.subject.data) {
            (Screen::Subject(r, _), Some(d)) if &d.detail.request.reference == r => Some(d.clone()),
            _ => None,
        };
        match shown {
            Some(d) => f(self, &d),
            None => {
                self.info(StatusKind::Info, "nothing is shown yet: wait for the screen to load");
                vec![]
            }
        }
    }

    fn identity_key(&self) -> String {
        self.keymap().hint(Context::Subject, &Action::GoIdentity)
    }

    fn link(&mut self) -> Vec<Effect> {
        let selected = self.subject.selected;
        self.with_subject(|app, d| {
            let r = &d.detail.request;
            let Some(Ok(view)) = &d.view else {
                app.info(StatusKind::Refused, "the ledger candidates could not be read: nothing to link");
                return vec![];
            };
            let Some(c) = view.candidates.get(selected) else {
                app.info(StatusKind::Info, "no ledger person matches the requester: nothing to link");
                return vec![];
            };
            if c.linked {
                app.info(
                    StatusKind::Info,
                    format!(
                        "{} is already linked to ledger person {}",
                        r.reference,
                        escape_line(&c.person_id)
                    ),
                );
                return vec![];
            }
            let mut lines = vec![candidate_summary(c)];
            lines.push(if c.reasons.is_empty() {
                "Nothing the requester gave is the same as in the ledger.".to_string()
            } else {
                format!(
                    "Matched on: {}.",
                    c.reasons.iter().map(|r| reason_label(r)).collect::<Vec<_>>().join(", ")
                )
            });
            use crate::domain::matching::FieldMatch;
            if c.comparison.personal_number != FieldMatch::Same {
                lines.push("⚠ Not a certain match: the personal identity numbers are not the same".into());
                lines.push("  (or one is missing). Only this choice of yours links it.".into());
            } else if c.comparison.name == FieldMatch::Different {
                lines.push("⚠ The numbers are the same but the names differ: check before linking.".into());
            }
            lines.push("Linking says whose ledger data this is; it does not verify identity.".into());
            app.mode = Mode::Confirm(Confirm {
                title: format!("Link {} to ledger person {}?", r.reference, escape_line(&c.person_id)),
                lines,
                verb: "link",
                mutation: Mutation::Link { reference: r.reference.clone(), person_id: c.person_id.clone() },
            });
            vec![]
        })
    }

    fn unlink(&mut self) -> Vec<Effect> {
        let selected = self.subject.selected;
        self.with_subject(|app, d| {
            let r = &d.detail.request;
            let Some(c) =
                d.view.as_ref().and_then(|v| v.as_ref().ok()).and_then(|v| v.candidates.get(selected))
            else {
                app.info(StatusKind::Info, "no ledger person selected");
                return vec![];
            };
            if !c.linked {
                app.info(
                    StatusKind::Info,
                    format!("ledger person {} is not linked", escape_line(&c.person_id)),
                );
                return vec![];
            }
            app.mode = Mode::Confirm(Confirm {
                title: format!("Unlink ledger person {} from {}?", escape_line(&c.person_id), r.reference),
                lines: vec![
                    candidate_summary(c),
                    "Only while nothing was done to their data for this request;".into(),
                    "the link and its removal stay in the history.".into(),
                ],
                verb: "unlink",
                mutation: Mutation::Unlink { reference: r.reference.clone(), person_id: c.person_id.clone() },
            });
            vec![]
        })
    }

    fn verify(&mut self) -> Vec<Effect> {
        self.with_subject(|app, d| {
            let r = &d.detail.request;
            if let Some(v) = &d.detail.verification {
                app.info(
                    StatusKind::Info,
                    format!(
                        "identity was already verified on {} by {} ({})",
                        local_date(r.jurisdiction, v.verified_at),
                        escape_line(&v.verified_by),
                        escape_line(&v.method)
                    ),
                );
                return vec![];
            }
            if !r.status.is_open() {
                app.info(
                    StatusKind::Refused,
                    format!("{} is {}: nothing to verify", r.reference, status_label(r.status)),
                );
                return vec![];
            }
            use VerificationMethod as M;
            app.mode = Mode::Menu(Menu {
                title: format!("How was the identity of {} verified?", r.reference),
                heading: " Verify identity (Art. 12(6)) ",
                choices: [M::BankId, M::Ftn, M::RegisteredEmail, M::RegisteredAddress, M::IdDocument]
                    .into_iter()
                    .map(MenuChoice::Method)
                    .collect(),
                selected: 0,
                reference: r.reference.clone(),
                version: r.version,
            });
            vec![]
        })
    }

    fn execute_erasure(&mut self) -> Vec<Effect> {
        let i = self.identity_key();
        self.with_subject(|app, d| {
            let r = &d.detail.request;
            if r.kind != RequestKind::Erasure {
                app.info(StatusKind::Refused, format!("{} is {}: only an erasure request erases", r.reference, a_kind(r.kind)));
                return vec![];
            }
            let plan = match &d.plan {
                Some(Ok(plan)) => plan,
                Some(Err(_)) if d.linked_count() == 0 => {
                    app.info(StatusKind::Refused, format!("no ledger person is linked: link the subject first ({i})"));
                    return vec![];
                }
                Some(Err(e)) => {
                    app.info(StatusKind::Refused, format!("no plan to carry out: {}", e.message));
                    return vec![];
                }
                None => {
                    app.info(StatusKind::Info, "the plan is not loaded yet");
                    return vec![];
                }
            };
            if r.identity_verified_at.is_none() {
                app.info(
                    StatusKind::Refused,
                    format!("identity is not verified (Art. 12(6)): nothing is erased before it — verify it on the identity panel ({i})"),
                );
                return vec![];
            }
            if !r.status.is_open() {
                app.info(StatusKind::Refused, format!("{} is {}: nothing is erased", r.reference, status_label(r.status)));
                return vec![];
            }
            if d.last_erasure().is_some() && plan.erase_count() == 0 {
                app.info(
                    StatusKind::Info,
                    "nothing more to erase now: what is kept is restricted and the follow-up is scheduled",
                );
                return vec![];
            }
            let count = |m: EraseMethod| {
                plan.rows().filter(|(_, row)| row.action == RowAction::Erase { method: m }).count()
            };
            let mut erase = format!(
                "erase now   {} row(s): {} deleted, {} anonymised",
                plan.erase_count(),
                count(EraseMethod::Delete),
                count(EraseMethod::Anonymise)
            );
            let restrict_only = count(EraseMethod::Restrict);
            if restrict_only > 0 {
                erase.push_str(&format!(", {restrict_only} restricted (cannot be erased here)"));
            }
            let mut lines = vec![
                format!("The plan as of {}:", plan.today),
                erase,
                format!("keep        {} row(s), restricted (Art. 18) until their holds lapse", plan.keep_count()),
            ];
            let clients = plan.forward_to();
            if !clients.is_empty() {
                lines.push(format!("forward     to {} (processor-role data)", escape_line(&clients.join(", "))));
            }
            lines.push(format!("follow-up   {}", follow_up_text(plan.follow_up())));
            lines.push("This cannot be undone. If the ledger changed since this plan was read,".into());
            lines.push("nothing is erased and the plan is shown again.".into());
            app.mode = Mode::Confirm(Confirm {
                title: format!("Carry out the erasure plan of {}?", r.reference),
                lines,
                verb: "erase",
                mutation: Mutation::ExecuteErasure { reference: r.reference.clone(), plan: Box::new(plan.clone()) },
            });
            vec![]
        })
    }

    fn forward_to_client(&mut self) -> Vec<Effect> {
        self.with_subject(|app, d| {
            let r = &d.detail.request;
            let Some(Ok(plan)) = &d.plan else {
                app.info(StatusKind::Info, "no plan: nothing is known to be held for a client");
                return vec![];
            };
            let clients = plan.forward_to();
            let client = match clients.as_slice() {
                [] => {
                    app.info(StatusKind::Info, "nothing here is held as a client's processor: nothing to forward");
                    return vec![];
                }
                [one] => one.clone(),
                many => {
                    let s = app.keymap().hint(Context::Detail, &Action::ChangeStatus);
                    app.info(
                        StatusKind::Refused,
                        format!(
                            "held for several clients ({}): close it as forwarded with the status menu ({s}), naming them",
                            escape_line(&many.join(", "))
                        ),
                    );
                    return vec![];
                }
            };
            app.mode = Mode::Confirm(Confirm {
                title: format!("Forward {} to {}?", r.reference, escape_line(&client)),
                lines: vec![
                    format!("The agency holds this data as {}'s processor (Art. 28):", escape_line(&client)),
                    "the client, as controller, answers the request.".into(),
                    format!("{} is closed as forwarded; this cannot be undone.", r.reference),
                ],
                verb: "forward",
                mutation: Mutation::Forward { reference: r.reference.clone(), version: r.version, client },
            });
            vec![]
        })
    }

    fn correct(&mut self) -> Vec<Effect> {
        let selected = self.subject.selected;
        let i = self.identity_key();
        self.with_subject(|app, d| {
            let r = &d.detail.request;
            if r.kind != RequestKind::Rectification {
                app.info(
                    StatusKind::Refused,
                    format!("{} is {}: fields are rectified on rectification requests", r.reference, a_kind(r.kind)),
                );
                return vec![];
            }
            if r.identity_verified_at.is_none() {
                app.info(
                    StatusKind::Refused,
                    format!("identity is not verified (Art. 12(6)): nothing is rectified before it — verify it on the identity panel ({i})"),
                );
                return vec![];
            }
            let Some(Ok(fields)) = &d.fields else {
                app.info(StatusKind::Refused, format!("no fields: link the subject first ({i})"));
                return vec![];
            };
            let Some(field) = fields.get(selected) else {
                app.info(StatusKind::Info, "no field to correct");
                return vec![];
            };
            app.ask(
                PromptPurpose::RectifyValue(Box::new(field.clone())),
                format!("Correct {} · {}", escape_line(&field.source_title), escape_line(&field.column)),
                vec![
                    format!("now: {}", value_text(&field.current)),
                    "Type the value asked for; you see both before anything changes.".into(),
                ],
                r.reference.clone(),
                r.version,
            );
            vec![]
        })
    }

    fn tick_task(&mut self) -> Vec<Effect> {
        let selected = self.subject.selected;
        self.with_subject(|app, d| {
            let r = &d.detail.request;
            let Some(t) = d.tasks.get(selected) else {
                app.info(StatusKind::Info, "no Art. 19 task to tick off");
                return vec![];
            };
            if let Some(done) = t.done_at {
                app.info(
                    StatusKind::Info,
                    format!(
                        "{} was already told: ticked off on {} by {}",
                        escape_line(&t.recipient),
                        local_date(r.jurisdiction, done),
                        escape_line(t.done_by.as_deref().unwrap_or("?"))
                    ),
                );
                return vec![];
            }
            app.mode = Mode::Confirm(Confirm {
                title: format!("Record that {} was told?", escape_line(&t.recipient)),
                lines: vec![
                    format!(
                        "Art. 19: the {} of {}.",
                        escape_line(&t.reason.replace('_', " ")),
                        escape_line(&t.sources.join(", "))
                    ),
                    "Recorded in the history with your name; it cannot be undone.".into(),
                ],
                verb: "tick off",
                mutation: Mutation::CompleteTask {
                    reference: r.reference.clone(),
                    task_id: t.id,
                    recipient: t.recipient.clone(),
                },
            });
            vec![]
        })
    }

    fn restrict(&mut self, lift: bool) -> Vec<Effect> {
        self.with_shown(|app, d| {
            let r = &d.request;
            let (title, lines) = if lift {
                (
                    format!("Lift the restriction of {}", r.reference),
                    vec![
                        "Art. 18(3): the requester must be told before the restriction is lifted."
                            .to_string(),
                        "Why is it lifted?".to_string(),
                    ],
                )
            } else {
                (
                    format!("Restrict processing for {}", r.reference),
                    vec![
                        "Art. 18: every row of the linked persons is kept but not used.".to_string(),
                        "Why? (e.g. the debtor contests the claim, Art. 18(1)(a))".to_string(),
                    ],
                )
            };
            app.ask(PromptPurpose::RestrictReason { lift }, title, lines, r.reference.clone(), r.version);
            vec![]
        })
    }

    fn opt_out(&mut self) -> Vec<Effect> {
        self.with_shown(|app, d| {
            let r = &d.request;
            app.mode = Mode::Confirm(Confirm {
                title: format!("Stop direct marketing to {}'s subject?", r.reference),
                lines: vec![
                    "Art. 21(3): an objection to direct marketing takes effect at once, for every".into(),
                    "linked person; no verification is needed to stop it.".into(),
                ],
                verb: "stop marketing",
                mutation: Mutation::OptOut { reference: r.reference.clone() },
            });
            vec![]
        })
    }

    fn decide_objection(&mut self) -> Vec<Effect> {
        self.with_shown(|app, d| {
            let r = &d.request;
            if r.kind != RequestKind::Objection {
                app.info(
                    StatusKind::Refused,
                    format!(
                        "{} is {}: an objection is decided on objection requests",
                        r.reference,
                        a_kind(r.kind)
                    ),
                );
                return vec![];
            }
            use ObjectionDecision as D;
            app.mode = Mode::Menu(Menu {
                title: format!("The objection of {} (Art. 21(1))", r.reference),
                heading: " Decide the objection ",
                choices: [D::Upheld, D::CompellingGrounds, D::LegalClaims]
                    .into_iter()
                    .map(MenuChoice::Decision)
                    .collect(),
                selected: 0,
                reference: r.reference.clone(),
                version: r.version,
            });
            vec![]
        })
    }

    /// `X`: write the access copy or the portability bundle to a directory (Art. 15, 20).
    fn export_menu(&mut self) -> Vec<Effect> {
        let Some(reference) = self.screen.reference().map(str::to_string) else {
            self.info(StatusKind::Info, "open a request first");
            return vec![];
        };
        let version = self
            .detail
            .data
            .as_ref()
            .filter(|d| d.request.reference == reference)
            .map_or(0, |d| d.request.version);
        use crate::export::ExportFormat as F;
        self.mode = Mode::Menu(Menu {
            title: format!("Export the data of {reference} (identity must be verified)"),
            heading: " Export ",
            choices: vec![
                MenuChoice::Export(F::Access, false),
                MenuChoice::Export(F::Portability, false),
                MenuChoice::Export(F::Portability, true),
            ],
            selected: 0,
            reference,
            version,
        });
        vec![]
    }

    fn worker_reported(
        &mut self,
        result: Result<crate::service::erasure::WorkerReport, Failure>,
    ) -> Vec<Effect> {
        match result {
            Ok(report) if report.erased_rows > 0 || report.completed > 0 || report.rescheduled > 0 => {
                self.info(
                    StatusKind::Info,
                    format!(
                        "erasure worker: {} follow-up(s) examined, {} row(s) erased, {} complete, {} rescheduled",
                        report.examined, report.erased_rows, report.completed, report.rescheduled
                    ),
                );
                self.detail.stale = true;
                self.subject.stale = true;
                self.overview.stale = true;
                self.load_screen()
            }
            // A look at a follow-up still waiting for an event is not news.
            Ok(_) => vec![],
            Err(e) => {
                self.info(
                    StatusKind::Trouble,
                    format!("erasure worker: {} (it tries again in five minutes)", e.message),
                );
                vec![]
            }
        }
    }

    // ---- the world reports ----

    fn changed(&mut self, change: Change) -> Vec<Effect> {
        let mut effects = vec![];
        self.overview.stale = true;
        if self.screen == Screen::Overview {
            effects.extend(self.load_screen());
        }
        if self.queue.loaded {
            self.queue.stale = true;
            if self.screen == Screen::Queue && !self.queue.loading {
                effects.extend(self.load_screen());
            }
        }
        if let Some(r) = self.detail.reference.clone()
            && change.touches(&r)
        {
            self.detail.stale = true;
            if self.screen == Screen::Detail(r) {
                effects.extend(self.load_screen());
            }
        }
        if let Some((r, _)) = self.subject.shown.clone()
            && change.touches(&r)
        {
            self.subject.stale = true;
            if matches!(&self.screen, Screen::Subject(shown, _) if *shown == r) {
                effects.extend(self.load_screen());
            }
        }
        effects
    }

    fn loaded(&mut self, loaded: Loaded) -> Vec<Effect> {
        match loaded {
            Loaded::Overview(result) => {
                self.overview.loading = false;
                let again = self.overview.stale && self.screen == Screen::Overview;
                match result {
                    Ok(data) => {
                        self.last_seen = Some(data.last_seen);
                        let lens = [data.urgent.len(), data.mine.len(), data.changes.items.len()];
                        for (sel, len) in self.overview.selected.iter_mut().zip(lens) {
                            *sel = (*sel).min(len.saturating_sub(1));
                        }
                        self.overview.data = Some(data);
                        self.overview.error = None;
                    }
                    Err(e) => self.overview.error = Some(e.message),
                }
                if again { self.load_screen() } else { vec![] }
            }
            Loaded::Page(page) => self.page_loaded(page),
            Loaded::Count { generation, result } => {
                if generation == self.queue.filter_generation
                    && let Ok(total) = result
                {
                    self.queue.total = Some(total);
                    let q = &mut self.queue;
                    if q.at_end && q.first_index.is_none() {
                        q.first_index = Some((total as u64).saturating_sub(q.rows.len() as u64));
                    }
                }
                vec![]
            }
            Loaded::Detail { reference, result } => {
                if self.detail.reference.as_deref() != Some(reference.as_str()) {
                    return vec![];
                }
                self.detail.loading = false;
                match result {
                    Ok(d) => {
                        self.detail.data = Some(d);
                        self.detail.error = None;
                    }
                    Err(e) => {
                        self.detail.data = None;
                        self.detail.error = Some(e);
                    }
                }
                if self.detail.stale && self.screen == Screen::Detail(reference) {
                    return self.load_screen();
                }
                vec![]
            }
            Loaded::Subject { reference, screen, result } => {
                if self.subject.shown.as_ref() != Some(&(reference.clone(), screen)) {
                    return vec![];
                }
                self.subject.loading = false;
                match result {
                    Ok(d) => {
                        self.subject.data = Some(d);
                        self.subject.error = None;
                        let len = self.subject.list_len();
                        self.subject.selected = self.subject.selected.min(len.saturating_sub(1));
                    }
                    Err(e) => {
                        self.subject.data = None;
                        self.subject.error = Some(e);
                    }
                }
                if self.subject.stale && self.screen == Screen::Subject(reference, screen) {
                    return self.load_screen();
                }
                vec![]
            }
            Loaded::Done { reference, what, result } => {
                let finished = match (&reference, &result) {
                    (Some(r), Ok(o @ (Outcome::ReplyQueued(_) | Outcome::DraftDiscarded))) => {
                        Some((r.clone(), o.clone()))
                    }
                    _ => None,
                };
                let mut effects = self.done(reference, what, result);
                if let Some((r, outcome)) = finished {
                    effects.extend(self.reply_finished(&r, &outcome));
                }
                effects
            }
            Loaded::Composed { reference, keep_text, result } => {
                self.reply_composed(reference, keep_text, result.map_err(|f| f.message));
                vec![]
            }
            Loaded::Draft { reference, result } => {
                self.reply_draft_loaded(reference, result.map_err(|f| f.message))
            }
            Loaded::DraftSaved { reference, result } => {
                self.reply_draft_saved(reference, result.map_err(|f| f.message));
                vec![]
            }
            Loaded::Seen(result) => {
                match result {
                    Ok(at) => {
                        self.last_seen = Some(Some(at));
                        self.overview.stale = true;
                        self.info(StatusKind::Done, "changes marked seen");
                        if self.screen == Screen::Overview {
                            return self.load_screen();
                        }
                    }
                    Err(e) => self.info(StatusKind::Trouble, e.message),
                }
                vec![]
            }
        }
    }

    fn done(
        &mut self,
        reference: Option<String>,
        what: String,
        result: Result<Outcome, Failure>,
    ) -> Vec<Effect> {
        self.overview.stale = true;
        if self.queue.loaded {
            self.queue.stale = true;
        }
        if let Some(r) = &reference
            && self.subject.shown.as_ref().is_some_and(|(shown, _)| shown == r)
        {
            self.subject.stale = true;
        }
        match result {
            Ok(Outcome::Record(Some(record))) => {
                let changed = record.reference.clone();
                self.info(StatusKind::Done, format!("{changed}: {what}"));
                if self.detail.reference.as_deref() == Some(changed.as_str()) {
                    self.detail.stale = true;
                }
                if reference.is_none() {
                    // Claiming the next request opens it.
                    return self.navigate(Screen::Detail(changed));
                }
                self.load_screen()
            }
            Ok(Outcome::Record(None)) => {
                self.info(StatusKind::Info, "nothing to claim: no new, unassigned requests");
                self.load_screen()
            }
            Ok(outcome) => {
                let text = outcome_text(&what, &outcome);
                match &reference {
                    Some(r) => {
                        self.info(StatusKind::Done, format!("{r}: {text}"));
                        if self.detail.reference.as_deref() == Some(r.as_str()) {
                            self.detail.stale = true;
                        }
                    }
                    None => self.info(StatusKind::Done, text),
                }
                self.load_screen()
            }
            Err(e) => {
                let kind = match e.kind {
                    FailureKind::Conflict => StatusKind::Conflict,
                    FailureKind::Trouble => StatusKind::Trouble,
                    FailureKind::NotFound | FailureKind::Refused => StatusKind::Refused,
                };
                let mut text = e.message.clone();
                if e.kind == FailureKind::Conflict {
                    text = format!("CONFLICT, not saved — {text}. The request is shown again as it is now.");
                } else if e.kind == FailureKind::Trouble {
                    // The operator must not take it for done (the database was down, say).
                    text = format!("NOT SAVED ({what}) — {text}");
                }
                self.info(kind, text);
                if let Some(r) = reference
                    && self.detail.reference.as_deref() == Some(r.as_str())
                {
                    self.detail.stale = true;
                }
                self.load_screen()
            }
        }
    }
}

/// What a change did, in words for the status line.
fn outcome_text(what: &str, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Linked(c) => {
            let on = if c.reasons.is_empty() {
                "chosen by you".to_string()
            } else {
                format!(
                    "matched on {}",
                    c.reasons.iter().map(|r| reason_label(r)).collect::<Vec<_>>().join(", ")
                )
            };
            format!("{what} ({on})")
        }
        Outcome::Erased(o) => {
            let mut text = format!(
                "erased: {} deleted, {} anonymised; {} kept and restricted",
                o.deleted, o.anonymised, o.kept
            );
            if !o.forwarded_to.is_empty() {
                text.push_str(&format!("; forward to {}", escape_line(&o.forwarded_to.join(", "))));
            }
            // The follow-up is on the screen, under "Scheduled".
            if !o.recipient_tasks.is_empty() {
                text.push_str(&format!("; Art. 19: {} recipient(s) to tell", o.recipient_tasks.len()));
            }
            text
        }
        Outcome::Rights(o) => {
            let mut parts: Vec<String> = o
                .changed
                .iter()
                .map(|c| {
                    format!(
                        "{}.{} “{}” → “{}”",
                        escape_line(&c.source),
                        escape_line(&c.column),
                        escape_line(c.old_value.as_deref().unwrap_or("")),
                        escape_line(c.new_value.as_deref().unwrap_or(""))
                    )
                })
                .collect();
            if parts.is_empty() {
                parts.push(format!("{what}: {} row(s)", o.rows));
            }
            if !o.recipient_tasks.is_empty() {
                parts.push(format!("Art. 19: {} recipient(s) to tell", o.recipient_tasks.len()));
            }
            parts.join("; ")
        }
        Outcome::OptedOut(rows) => format!("{what}: {rows} preference row(s) changed"),
        Outcome::ReplyQueued(q) => {
            let mut text = format!(
                "{} to {} queued ({}); the request is {}",
                q.purpose,
                escape_line(&q.to_address),
                escape_line(&q.message_id),
                status_label(q.status)
            );
            if let Some(passphrase) = &q.passphrase {
                text.push_str(&format!(
                    " — bundle passphrase {passphrase}: give it by phone or SMS, never by e-mail"
                ));
            }
            text
        }
        Outcome::DraftDiscarded => what.to_string(),
        Outcome::Exported(o) => {
            let mut text = format!(
                "{what}: {} ({} bytes, {} rows, SHA-256 {}…)",
                escape_line(&o.file.path.display().to_string()),
                o.file.size,
                o.rows,
                &o.file.sha256[..16.min(o.file.sha256.len())]
            );
            if let Some(passphrase) = &o.passphrase {
                text.push_str(&format!(
                    " — passphrase {passphrase}: give it by phone or SMS, never with the file; it is not shown again"
                ));
            }
            text
        }
        Outcome::Record(_) | Outcome::Unlinked | Outcome::TaskDone(_) | Outcome::Decided => what.to_string(),
    }
}

pub fn export_label(format: crate::export::ExportFormat) -> &'static str {
    match format {
        crate::export::ExportFormat::Access => "access copy",
        crate::export::ExportFormat::Portability => "portability bundle",
    }
}

/// Where exports go unless the DPO types another directory: `~/dsrdesk-exports`.
fn default_export_directory() -> String {
    dirs::home_dir()
        .map(|h| h.join("dsrdesk-exports").display().to_string())
        .unwrap_or_else(|| "dsrdesk-exports".into())
}

/// The refusal of every change in read-only mode.
pub const READ_ONLY: &str = "read-only mode: nothing can be changed here";

/// "an erasure request", "a rectification request".
pub fn a_kind(kind: RequestKind) -> String {
    let article = if matches!(kind, RequestKind::Access | RequestKind::Erasure | RequestKind::Objection) {
        "an"
    } else {
        "a"
    };
    format!("{article} {kind} request")
}

/// A match reason as the panel says it.
pub fn reason_label(reason: &str) -> &str {
    match reason {
        "personal_number" => "personal number",
        "email" => "e-mail",
        other => other,
    }
}

/// A ledger person in one line: name · role · masked personal number.
pub fn candidate_summary(c: &crate::service::subject::Candidate) -> String {
    let mut parts =
        vec![c.name.as_deref().map(escape_line).unwrap_or_else(|| "(no name)".into()).into_owned()];
    if let Some(role) = &c.role {
        parts.push(escape_line(role).into_owned());
    }
    if let Some(pn) = &c.personal_number {
        parts.push(escape_line(&mask_personal_number(pn)).into_owned());
    }
    format!("ledger person {}: {}", escape_line(&c.person_id), parts.join(" · "))
}

/// A ledger value as shown: text quoted, empty as "(empty)".
pub fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "(empty)".into(),
        serde_json::Value::String(s) => format!("“{}”", escape_line(s)),
        other => escape_line(&other.to_string()).into_owned(),
    }
}

/// The controller's date of an instant.
pub fn local_date(j: Jurisdiction, t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&j.time_zone()).date_naive()
}

/// Keys while typing (search, command line, prompts); any other printable key types itself.
/// The input handler and the help screen both read this table.
pub fn input_bindings() -> Vec<(Key, Action, &'static str)> {
    let key = |k: &str| Key::parse(k).expect("input keys parse");
    vec![
        (key("enter"), Action::InputSubmit, "accept (search: keep it)"),
        (key("esc"), Action::InputCancel, "cancel (search: back to what it was)"),
        (key("ctrl-c"), Action::InputCancel, "cancel"),
        (key("backspace"), Action::InputBackspace, "delete the last character"),
        (key("ctrl-u"), Action::InputClear, "clear the line"),
        (key("ctrl-z"), Action::Suspend, "suspend"),
    ]
}

/// Whether an action would change a request (refused in read-only mode).
pub fn changes_requests(action: &Action) -> bool {
    matches!(
        action,
        Action::Claim
            | Action::ClaimNext
            | Action::Assign
            | Action::Release
            | Action::Extend
            | Action::Pause
            | Action::Resume
            | Action::ChangeStatus
            | Action::MarkSeen
            | Action::Link
            | Action::Unlink
            | Action::Verify
            | Action::ExecuteErasure
            | Action::ForwardToClient
            | Action::Correct
            | Action::TickTask
            | Action::Restrict
            | Action::LiftRestriction
            | Action::OptOut
            | Action::DecideObjection
            | Action::GoReply
            | Action::Export
            | Action::SendReply
            | Action::DiscardDraft
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn app() -> App {
        let settings = Settings {
            operator: Operator::new("anna.dpo"),
            config: Config::default(),
            read_only: false,
            keymap: Keymap::default(),
            theme: Theme::mono(),
        };
        App::new(settings, Utc::now(), (80, 24))
    }

    #[test]
    fn a_burst_of_search_keys_runs_one_search() {
        let mut a = app();
        a.update(Action::GoQueue);
        a.update(Action::Search);
        for c in "anna".chars() {
            let effects = a.update(Action::Input(c));
            assert!(matches!(effects.as_slice(), [Effect::Wait { .. }]), "{effects:?}");
        }
        assert!(a.update(Action::SearchSettled(1)).is_empty(), "an older pause is ignored");
        let effects = a.update(Action::SearchSettled(4));
        assert!(
            matches!(effects.as_slice(), [Effect::LoadPage { query, .. }, Effect::Count { .. }] if query.search.as_deref() == Some("anna")),
            "{effects:?}"
        );
        assert!(a.update(Action::InputSubmit).is_empty(), "already searched");
        assert_eq!(a.mode, Mode::Normal);
    }

    #[test]
    fn esc_in_the_search_restores_the_previous_search() {
        let mut a = app();
        a.update(Action::Search);
        a.update(Action::Input('x'));
        let effects = a.update(Action::InputCancel);
        assert_eq!(a.queue.filter.search, "");
        assert!(matches!(effects.as_slice(), [Effect::LoadPage { query, .. }, _] if query.search.is_none()));
    }

    #[test]
    fn the_selection_scrolls_the_window_by_half_a_page() {
        let mut q = QueueState { rows: vec![], ..QueueState::default() };
        let item = |id: i64| QueueItem {
            record: crate::store::requests::QueueRecord {
                id,
                reference: format!("DSR-2026-{id:06}"),
                external_id: None,
                kind: RequestKind::Access,
                status: RequestStatus::New,
                jurisdiction: Jurisdiction::Sweden,
                received_at: Utc::now(),
                received_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
                due_on: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
                internal_due_on: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
                extended_on: None,
                paused_days: 0,
                paused_since: None,
                assignee: None,
                requester_name: None,
                requester_email: None,
                requester_personal_number: None,
            },
            effective_due_on: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            days_left: 20,
            deadline_error: None,
        };
        q.rows = (1..=100).map(item).collect();
        q.select(19, 20);
        assert_eq!(q.top, 0, "still on screen");
        q.select(20, 20);
        assert_eq!((q.top, q.selected), (11, 20), "moved half a page");
        q.select(10, 20);
        assert_eq!(q.top, 0);
        q.select(99, 20);
        assert_eq!(q.top, 80, "never past the last row");
    }

    #[test]
    fn read_only_refuses_every_change_before_any_effect() {
        let mut a = app();
        a.settings.read_only = true;
        for action in
            [Action::Claim, Action::ClaimNext, Action::Extend, Action::MarkSeen, Action::ChangeStatus]
        {
            assert!(a.update(action).is_empty());
            assert_eq!(a.status.as_ref().unwrap().kind, StatusKind::Refused);
        }
    }

    #[test]
    fn read_only_refuses_the_subject_actions_before_any_effect() {
        let mut a = app();
        a.settings.read_only = true;
        a.screen = Screen::Subject("DSR-2026-000001".into(), SubjectScreen::Rectify);
        for action in [
            Action::Link,
            Action::Unlink,
            Action::Verify,
            Action::ExecuteErasure,
            Action::ForwardToClient,
            Action::Correct,
            Action::Open,
            Action::TickTask,
            Action::Restrict,
            Action::LiftRestriction,
            Action::OptOut,
            Action::DecideObjection,
        ] {
            a.status = None;
            assert!(a.update(action.clone()).is_empty(), "{action:?}");
            let status = a.status.as_ref().expect("a refusal");
            assert_eq!((status.kind, status.text.as_str()), (StatusKind::Refused, READ_ONLY), "{action:?}");
            assert_eq!(a.mode, Mode::Normal);
        }
    }

    #[test]
    fn a_change_refused_because_the_database_is_down_says_not_saved_and_the_reload_does_not_hide_it() {
        let mut a = app();
        a.update(Action::GoQueue);
        let down = Failure::from(crate::Error::Database(sqlx::Error::PoolTimedOut));
        assert!(down.message.starts_with("the database cannot be reached"), "{down:?}");
        let effects = a.update(Action::Loaded(Loaded::Done {
            reference: None,
            what: "claimed".into(),
            result: Err(down.clone()),
        }));
        let status = a.status.clone().unwrap();
        assert_eq!(status.kind, StatusKind::Trouble);
        assert!(
            status.text.starts_with("NOT SAVED (claimed) — the database cannot be reached"),
            "{status:?}"
        );
        // The reload that follows fails for the same reason: the status line keeps the change's.
        let mut reloads = 0;
        for effect in effects {
            if let Effect::LoadPage { generation, anchor, query, keep, .. } = effect {
                let page = Page { generation, anchor, limit: query.limit, keep, result: Err(down.clone()) };
                a.update(Action::Loaded(Loaded::Page(page)));
                reloads += 1;
            }
        }
        assert_eq!(reloads, 1, "the queue is reloaded after the change");
        assert_eq!(a.status, Some(status));
    }

    #[test]
    fn the_erasure_workers_trouble_goes_to_the_status_line_and_a_quiet_pass_says_nothing() {
        let mut a = app();
        let failure = Failure { kind: FailureKind::Trouble, message: "database: connection refused".into() };
        assert!(a.update(Action::Worker(Err(failure))).is_empty());
        let status = a.status.clone().unwrap();
        assert_eq!(status.kind, StatusKind::Trouble);
        assert!(status.text.starts_with("erasure worker: database: connection refused"), "{status:?}");
        a.status = None;
        let looked = crate::service::erasure::WorkerReport { examined: 1, ..Default::default() };
        assert!(a.update(Action::Worker(Ok(looked))).is_empty());
        assert_eq!(a.status, None, "a look at a follow-up still waiting is not news");
    }

    #[test]
    fn the_erasure_plan_is_offered_for_erasure_requests_only() {
        let mut a = app();
        a.screen = Screen::Detail("DSR-2026-000001".into());
        assert_eq!(a.go_subject(SubjectScreen::Identity).len(), 1, "loads the panel");
        assert_eq!(a.screen, Screen::Subject("DSR-2026-000001".into(), SubjectScreen::Identity));
        assert!(matches!(a.go_subject(SubjectScreen::Erasure).as_slice(), [Effect::LoadSubject { .. }]));
        assert_eq!(a_kind(RequestKind::Access), "an access request");
        assert_eq!(a_kind(RequestKind::Rectification), "a rectification request");
    }
}
