//! The desk's state and the one place it changes: [`App::update`] takes an [`Action`] and returns
//! the [`Effect`]s (service calls) to run. No I/O here: the clock arrives as `Action::Tick`, the
//! terminal size as `Action::Resize`, service answers as `Action::Loaded`.

pub mod compose;
mod detail;
mod dialogs;
mod inbox;
mod loadable;
mod nav;
mod new_request;
mod outbox;
mod overview;
mod queue;
mod reconcile;
mod stats;
mod subject;

pub use super::action::{OverviewData, StatusFilter, SubjectData, SubjectScreen, Who};
pub use super::commands::changes_requests;
pub use super::effects::{Effect, Mutation, OVERVIEW_ITEMS};
pub use super::keymap::input_bindings;
pub use super::layout::{MIN_HEIGHT, MIN_WIDTH, queue_table_rows};
use super::layout::{erasure_scroll_max, help_scroll_max};
pub use super::words::*;
pub use detail::*;
pub use dialogs::*;
pub use inbox::*;
pub use loadable::Loadable;
pub use new_request::*;
pub use outbox::*;
pub use overview::*;
pub use queue::*;
pub use stats::*;
pub use subject::*;

use super::action::{Action, Anchor, Change, Failure, FailureKind, Loaded, Outcome, Page};
use super::commands::{Context, parse_command_line};
use super::keymap::{Key, Keymap};
use super::theme::Theme;
use crate::domain::deadline::DeadlineRuleError;
use crate::domain::identity::mask_personal_number;
use crate::domain::plan::{EraseMethod, RowAction};
use crate::domain::text::escape_line;
use crate::domain::{Jurisdiction, RequestKind, RequestStatus};
use crate::service::rights::{Correction, ObjectionDecision, RectifiableField};
use crate::service::shift::{status_choices, status_needs_reason};
use crate::service::verify::VerificationMethod;
use crate::service::{Operator, QueueItem, RequestDetail};
use crate::store::requests::{AssigneeFilter, QueueQuery};
use crate::store::shift::{QueueOrder, SortField};
use chrono::{DateTime, NaiveDate, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Overview,
    Queue,
    Detail(String),
    /// A screen about the request's data subject.
    Subject(String, SubjectScreen),
    /// Writing the reply to the requester.
    Reply(String),
    /// Arrived e-mail not yet handled.
    Inbox,
    /// A letter or a call entered by hand.
    NewRequest,
    /// The year's figures (issue 17 §1).
    Stats,
    /// The outbox: every request's replies on their way, or one request's (`m` on it).
    Outbox(Option<String>),
    /// One message of the outbox, as it was sent.
    Message(i64),
    Help,
}

impl Screen {
    pub fn title(&self) -> String {
        match self {
            Screen::Overview => "Overview".into(),
            Screen::Queue => "Queue".into(),
            Screen::Detail(r) => r.clone(),
            Screen::Subject(_, s) => s.title().into(),
            Screen::Reply(_) => "Reply".into(),
            Screen::Inbox => "Inbox".into(),
            Screen::NewRequest => "New request".into(),
            Screen::Stats => "Statistics".into(),
            Screen::Outbox(None) => "Outbox".into(),
            Screen::Outbox(Some(r)) => format!("Replies of {r}"),
            Screen::Message(id) => format!("Message #{id}"),
            Screen::Help => "Help".into(),
        }
    }

    /// The keymap contexts in force, most specific first.
    pub fn contexts(&self) -> &'static [Context] {
        use Context as C;
        let own = match self {
            Screen::Overview => C::Overview,
            Screen::Queue => C::Queue,
            Screen::Detail(_) => C::Detail,
            Screen::Subject(_, SubjectScreen::Identity) => C::Identity,
            Screen::Subject(_, SubjectScreen::Erasure) => C::Erasure,
            Screen::Subject(_, SubjectScreen::Rectify) => C::Rectify,
            Screen::Subject(_, SubjectScreen::Tasks) => C::Tasks,
            Screen::Reply(_) => C::Reply,
            Screen::Inbox => C::Inbox,
            // The form is typed in; outside typing, moving around only.
            Screen::NewRequest => C::Navigation,
            // Help and the statistics have no keys of their own.
            Screen::Help | Screen::Stats => C::Navigation,
            Screen::Outbox(_) => C::Outbox,
            Screen::Message(_) => C::Message,
        };
        own.with_parents()
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
    /// A message that stays until dismissed (the bundle's passphrase).
    Notice(Notice),
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
    /// On a replica (hot standby): its lag, for the title bar; None on the primary.
    pub replica: Option<crate::store::replica::ReplicaLag>,
    pub overview: OverviewState,
    pub queue: QueueState,
    pub detail: DetailState,
    pub subject: SubjectState,
    pub inbox: InboxState,
    /// The new-request form, while it is being filled in.
    pub new_request: Option<Box<NewRequestForm>>,
    pub stats: StatsState,
    pub outbox: OutboxScreenState,
    pub message: MessageState,
    /// An OSC 52 sequence for the terminal loop to write (the copy asked for in the passphrase
    /// dialog); never drawn into a cell.
    pub clipboard: Option<String>,
    /// The reply being written (kept while moving around; a draft is also in the database).
    pub compose: Option<Box<compose::ComposeState>>,
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
            replica: None,
            overview: OverviewState::default(),
            queue: QueueState::default(),
            detail: DetailState::default(),
            subject: SubjectState::default(),
            inbox: InboxState::default(),
            new_request: None,
            stats: StatsState::default(),
            outbox: OutboxScreenState::default(),
            message: MessageState::default(),
            clipboard: None,
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
        let newest = self.overview.load.data.as_ref()?.changes.newest?;
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
            // The dialog is read and dismissed (confirm, cancel or enter); `c` copies.
            Mode::Notice(_) => keymap
                .action(&[Context::Confirm], key)
                .or_else(|| (key.code == KeyCode::Enter).then_some(Action::Confirm)),
            Mode::Edit => Some(compose::editor_action(event)),
            Mode::Menu(menu) => {
                if let Some(a) = keymap.action(&[Context::Confirm], key).filter(|a| a.is(&Action::Cancel)) {
                    return Some(a);
                }
                // The assign menu's explicit way to type a name it does not list.
                if key.code == KeyCode::Char(ASSIGN_TYPED_KEY)
                    && key.modifiers.is_empty()
                    && menu.choices.contains(&MenuChoice::AssignTyped)
                {
                    return Some(Action::Input(ASSIGN_TYPED_KEY));
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
        if !matches!(action, Action::Tick(_) | Action::Live(_) | Action::Replica(_)) {
            self.dirty = true;
        }
        if matches!(self.mode, Mode::Normal)
            && matches!(
                action,
                Action::GoOverview
                    | Action::GoQueue
                    | Action::GoMine
                    | Action::GoInbox
                    | Action::GoStats
                    | Action::Open
                    | Action::Back
                    | Action::Forward
                    | Action::Help
                    | Action::OpenReference(_)
                    | Action::GoIdentity
                    | Action::GoErasure
                    | Action::GoRectify
                    | Action::GoTasks
                    | Action::GoOutbox
                    | Action::GoOutboxIn(_)
                    | Action::ReadReplies
            )
        {
            // The message was about the screen being left.
            self.status = None;
        }
        if let Mode::Notice(_) = self.mode
            && matches!(action, Action::Confirm | Action::Cancel)
        {
            // Dismissed: only now does the passphrase leave the screen.
            self.mode = Mode::Normal;
            return vec![];
        }
        if self.settings.read_only && changes_requests(&action) {
            self.info(StatusKind::Refused, READ_ONLY);
            return vec![];
        }
        match action {
            a @ (Action::FilterKind
            | Action::FilterStatus
            | Action::FilterAssignee
            | Action::FilterOverdue
            | Action::ClearFilters
            | Action::SortField
            | Action::SortReverse
            | Action::SetKind(_)
            | Action::SetStatusFilter(_)
            | Action::SetWho(_)
            | Action::SetOverdue(_)
            | Action::SetSort(_)) => self.filter(a),
            a @ (Action::Assign | Action::Pause | Action::ChangeStatus) => self.ask_about_request(a),
            a @ (Action::Search
            | Action::CommandLine
            | Action::Confirm
            | Action::Cancel
            | Action::Input(_)
            | Action::InputBackspace
            | Action::InputClear
            | Action::InputSubmit
            | Action::InputCancel
            | Action::SearchSettled(_)) => self.typing(a),
            a @ (Action::NextPane | Action::PrevPane | Action::ToggleBreakdown | Action::MarkSeen) => {
                self.overview_action(a)
            }
            a @ (Action::Help
            | Action::Back
            | Action::Forward
            | Action::GoOverview
            | Action::GoQueue
            | Action::GoMine
            | Action::GoInbox
            | Action::GoStats
            | Action::OpenReference(_)) => self.go(a),
            a @ (Action::InboxRequest | Action::InboxAttach | Action::InboxDismiss) => self.inbox_action(a),
            Action::NewRequest => self.new_request_open(),
            a @ (Action::GoOutbox
            | Action::GoOutboxIn(_)
            | Action::ReadReplies
            | Action::FilterOutboxState
            | Action::ResolveSent
            | Action::ResolveResend
            | Action::CopyToClipboard) => self.outbox_action(a),
            Action::AnotherField => self.another_field(),
            Action::OutboxPass(result) => self.outbox_reported(result),
            Action::Quit => {
                self.quit = true;
                vec![]
            }
            Action::Suspend => {
                self.suspend = true;
                vec![]
            }
            Action::Redraw => vec![],
            Action::Refresh => {
                self.status = None;
                self.overview.load.stale = true;
                self.queue.stale = true;
                self.detail.load.stale = true;
                self.subject.load.stale = true;
                self.inbox.load.stale = true;
                self.stats.load.stale = true;
                self.outbox.load.stale = true;
                self.message.load.stale = true;
                self.load_screen()
            }
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(self.page_step() as i64)),
            Action::PageDown => self.move_by(self.page_step() as i64),
            Action::Top => self.move_to_end(false),
            Action::Bottom => self.move_to_end(true),
            Action::Open => self.open(),
            Action::Claim => self.claim(),
            Action::ClaimNext => {
                self.info(StatusKind::Info, "claiming the most urgent unclaimed request …");
                vec![Effect::Change(Mutation::ClaimNext)]
            }
            Action::Release => self.release(),
            Action::Extend => self.extend(),
            Action::Resume => self.resume(),
            Action::GoIdentity => self.go_subject(SubjectScreen::Identity),
            Action::GoErasure => self.go_subject(SubjectScreen::Erasure),
            Action::GoRectify => self.go_subject(SubjectScreen::Rectify),
            Action::GoTasks => self.go_subject(SubjectScreen::Tasks),
            Action::RawHistory => {
                self.detail.raw_history = !self.detail.raw_history;
                vec![]
            }
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
            Action::Casefile => self.casefile_prompt(),
            Action::ReplyLanguage => self.reply_language(),
            Action::ReplyAttach => self.reply_attach(),
            Action::ReplyEncrypt => self.reply_encrypt(),
            Action::ReplyEdit => self.reply_edit(),
            Action::SendReply => self.reply_send(),
            Action::DiscardDraft => self.reply_discard(),
            Action::EditorKey(key) if self.screen == Screen::NewRequest => self.new_request_key(key),
            Action::EditorDone if self.screen == Screen::NewRequest => {
                self.mode = Mode::Normal;
                vec![]
            }
            Action::EditorKey(key) => self.reply_key(key),
            Action::EditorDone => self.reply_editor_done(),
            Action::Worker(result) => self.worker_reported(result),
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
            Action::Replica(lag) => {
                if self.replica != Some(lag) {
                    self.dirty = true;
                }
                self.replica = Some(lag);
                vec![]
            }
            Action::Changed(change) => self.changed(change),
            Action::Loaded(loaded) => self.loaded(loaded),
        }
    }
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
