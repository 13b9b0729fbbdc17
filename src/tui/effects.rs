//! Carry out the app's effects against the desk (the same service calls the CLI makes) and turn
//! each answer into an action for `App::update`. Runs off the render path: the event loop spawns
//! each effect as a task, the headless harness awaits them in order.

use super::action::{Action, Anchor, Failure, FailureKind, Loaded, Outcome, Page};
use super::action::{OverviewData, SubjectData, SubjectScreen};
use crate::error::Result;
use crate::service::verify::Verification;
use crate::service::{Desk, Operator};
use crate::store::requests::{AssigneeFilter, QueueQuery};
use crate::store::shift::Direction;
use crate::store::shift::QueueOrder;
use chrono::{DateTime, Utc};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

pub use super::mutation::Mutation;

/// Items listed per overview list.
pub const OVERVIEW_ITEMS: i64 = 30;

/// Messages the inbox screen loads at once (the oldest: they have the least time left).
pub const INBOX_ITEMS: i64 = 500;

/// A service call for the executor to make; its answer comes back as `Action::Loaded`.
#[derive(Debug, Clone)]
pub enum Effect {
    /// The statistics screen: this year's report and the 90 days up to `today`.
    LoadStats {
        today: chrono::NaiveDate,
    },
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
    /// Whom the request can be assigned to (then the choice is offered).
    LoadOperators {
        reference: String,
        version: i32,
    },
    /// The outbox screen's messages and the counts by state.
    LoadOutbox {
        filter: super::action::OutboxFilter,
    },
    /// One message to read.
    LoadMessage {
        id: i64,
    },
    SaveDraft {
        reference: String,
        draft: Box<crate::service::reply::Draft>,
    },
    /// The inbox screen's page (the oldest waiting messages).
    LoadInbox,
    /// A request's messages in.
    LoadConversation {
        reference: String,
    },
    /// Likely duplicates before a request from the form is stored.
    CheckNewRequestDuplicates {
        request: Box<crate::domain::intake::NewRequest>,
    },
    /// Likely duplicates before requests are made from a message.
    CheckInboxDuplicates {
        message: i64,
        kinds: Vec<crate::domain::RequestKind>,
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

/// How often the erasure worker inside the desk looks for follow-ups that are due.
pub const WORKER_PERIOD: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Where "now" comes from: the system clock, or a fixed instant (tests, pictures, benchmarks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }
}

/// Runs effects for one operator.
#[derive(Clone)]
pub struct Executor {
    pub desk: Desk,
    pub operator: Operator,
    pub read_only: bool,
    pub clock: Clock,
}

impl Executor {
    pub fn new(desk: Desk, operator: Operator, read_only: bool, clock: Clock) -> Executor {
        Executor { desk, operator, read_only, clock }
    }

    pub async fn run(&self, effect: Effect) -> Action {
        let now = self.clock.now();
        let desk = &self.desk;
        if let Effect::Wait { delay, then } = effect {
            if self.clock == Clock::System {
                tokio::time::sleep(delay).await;
            }
            return *then;
        }
        Action::Loaded(match effect {
            Effect::LoadStats { today } => {
                Loaded::Stats(stats(desk, today).await.map(Box::new).map_err(Failure::from))
            }
            Effect::LoadOverview { last_seen } => {
                Loaded::Overview(self.overview(last_seen, now).await.map(Box::new).map_err(Failure::from))
            }
            Effect::LoadPage { generation, query, order, anchor, keep } => {
                let direction = match anchor {
                    Anchor::Start | Anchor::After(_) => Direction::Forward { inclusive: false },
                    Anchor::From(_) => Direction::Forward { inclusive: true },
                    Anchor::End | Anchor::Before(_) => Direction::Backward,
                };
                let result = desk.queue_slice(&query, order, direction, now).await.map_err(Failure::from);
                Loaded::Page(Page { generation, anchor, limit: query.limit, keep, result })
            }
            Effect::Count { generation, query } => Loaded::Count {
                generation,
                result: desk.queue_count_at(&query, now).await.map_err(Failure::from),
            },
            Effect::ComposeReply { reference, purpose, input, keep_text } => {
                let result = desk
                    .compose_reply(&reference, purpose, &input, now)
                    .await
                    .map(Box::new)
                    .map_err(Failure::from);
                Loaded::Composed { reference, keep_text, result }
            }
            Effect::LoadOperators { reference, version } => {
                let result = desk.known_operators(&self.operator).await.map_err(Failure::from);
                Loaded::Operators { reference, version, result }
            }
            Effect::LoadDraft { reference } => {
                let result = desk
                    .draft(&self.operator, &reference)
                    .await
                    .map(|d| d.map(Box::new))
                    .map_err(Failure::from);
                Loaded::Draft { reference, result }
            }
            Effect::SaveDraft { reference, draft } => {
                let result = desk
                    .save_draft(&self.operator, &reference, &draft)
                    .await
                    .map(|()| now)
                    .map_err(Failure::from);
                Loaded::DraftSaved { reference, result }
            }
            Effect::LoadInbox => {
                Loaded::Inbox(desk.inbox_page(INBOX_ITEMS, now).await.map(Box::new).map_err(Failure::from))
            }
            Effect::LoadConversation { reference } => {
                let result = desk.conversation(&reference).await.map_err(Failure::from);
                Loaded::Conversation { reference, result }
            }
            Effect::CheckNewRequestDuplicates { request } => {
                let result = desk.new_request_duplicates(&request).await.map_err(Failure::from);
                Loaded::NewRequestDuplicates { request, result }
            }
            Effect::CheckInboxDuplicates { message, kinds } => {
                let result = desk.inbox_duplicates(message, &kinds).await.map_err(Failure::from);
                Loaded::InboxDuplicates { message, kinds, result }
            }
            Effect::LoadOutbox { filter } => {
                let states: Vec<_> = filter.state.into_iter().collect();
                let result = async {
                    let messages = desk
                        .outbox_messages(&states, filter.reference.as_deref(), crate::tui::app::OUTBOX_LIMIT)
                        .await?;
                    let counts = desk.outbox_counts().await?;
                    Ok::<_, crate::Error>(Box::new(super::action::OutboxData { messages, counts }))
                }
                .await
                .map_err(Failure::from);
                Loaded::Outbox { filter, result }
            }
            Effect::LoadMessage { id } => {
                let result = desk.outbox_message(id).await.map(Box::new).map_err(Failure::from);
                Loaded::Message { id, result }
            }
            Effect::LoadDetail { reference } => {
                let result = desk.detail(&reference, now).await.map(Box::new).map_err(Failure::from);
                Loaded::Detail { reference, result }
            }
            Effect::LoadSubject { reference, screen } => {
                let result = self.subject(&reference, screen, now).await.map(Box::new).map_err(Failure::from);
                Loaded::Subject { reference, screen, result }
            }
            Effect::Change(mutation) => {
                let reference = mutation.reference().map(str::to_string);
                let what = mutation.done_text();
                // The case file only reads the evidence: an auditor's desk may write it.
                let result = if self.read_only && !matches!(mutation, Mutation::Casefile { .. }) {
                    Err(Failure {
                        kind: FailureKind::Refused,
                        message: "read-only mode: nothing can be changed".into(),
                    })
                } else {
                    self.change(mutation, now).await.map_err(Failure::from)
                };
                Loaded::Done { reference, what, result }
            }
            Effect::Wait { .. } => unreachable!("answered above"),
            Effect::MarkSeen { up_to } => {
                let result = if self.read_only {
                    Err(Failure { kind: FailureKind::Refused, message: "read-only mode".into() })
                } else {
                    desk.mark_seen(&self.operator, up_to).await.map_err(Failure::from)
                };
                Loaded::Seen(result)
            }
        })
    }

    async fn overview(
        &self,
        last_seen: Option<Option<DateTime<Utc>>>,
        now: DateTime<Utc>,
    ) -> Result<OverviewData> {
        let desk = &self.desk;
        let urgent = QueueQuery { limit: OVERVIEW_ITEMS, ..QueueQuery::default() };
        let mine = QueueQuery {
            assignee: AssigneeFilter::Is(self.operator.user.clone()),
            limit: OVERVIEW_ITEMS,
            ..QueueQuery::default()
        };
        let changes = async {
            let last_seen = match last_seen {
                Some(known) => known,
                None => desk.last_seen(&self.operator).await?,
            };
            let feed = desk.changes_since(&self.operator, last_seen, now, OVERVIEW_ITEMS).await?;
            Ok::<_, crate::Error>((last_seen, feed))
        };
        let (overview, urgent, mine, (last_seen, changes), inbox, outbox, holds) = tokio::try_join!(
            desk.overview(now),
            desk.queue(&urgent, now),
            desk.queue(&mine, now),
            changes,
            desk.inbox_summary(),
            desk.outbox_counts(),
            desk.legal_holds()
        )?;
        Ok(OverviewData { overview, urgent, mine, changes, last_seen, inbox, outbox, holds })
    }

    /// What a subject screen shows. A part that cannot be had (no linked person yet, say) is
    /// shown as its error; only the request itself is needed for the screen to be drawn.
    async fn subject(
        &self,
        reference: &str,
        screen: SubjectScreen,
        now: DateTime<Utc>,
    ) -> Result<SubjectData> {
        let desk = &self.desk;
        let detail = desk.detail(reference, now).await?;
        let kind = detail.request.kind;
        let mut data =
            SubjectData { detail, view: None, plan: None, scheduled: None, fields: None, tasks: Vec::new() };
        let failure = |e: crate::Error| Failure::from(e);
        // Every screen but the tasks names the linked persons (or says none is linked yet).
        if screen != SubjectScreen::Tasks {
            data.view = Some(desk.subject_view(reference).await.map_err(failure));
        }
        if screen == SubjectScreen::Erasure && SubjectScreen::for_kind(kind) == Some(screen) {
            data.plan = Some(desk.erasure_plan(reference, now).await.map_err(failure));
            data.scheduled = desk.scheduled_erasure(reference).await?;
        }
        if screen == SubjectScreen::Rectify && SubjectScreen::for_kind(kind) == Some(screen) {
            data.fields = Some(desk.rectifiable_fields(reference).await.map_err(failure));
        }
        if screen != SubjectScreen::Identity {
            data.tasks = desk.recipient_tasks(reference).await?;
        }
        Ok(data)
    }

    /// Each change is the service call the CLI makes, with the version the screen showed.
    async fn change(&self, mutation: Mutation, now: DateTime<Utc>) -> Result<Outcome> {
        let (desk, op) = (&self.desk, &self.operator);
        let mutation = match mutation {
            // Two steps: if the change is then refused, the request is still claimed — by the
            // one who tried to work on it, which is where it belongs anyway.
            Mutation::ClaimThen(inner) => {
                let reference = inner.reference().unwrap_or_default().to_string();
                let claimed = desk.assign(op, &reference, None, inner.version(), now).await?;
                inner.with_version(claimed.version)
            }
            other => other,
        };
        let record = match mutation {
            Mutation::Claim { reference, version } => desk.assign(op, &reference, None, version, now).await?,
            Mutation::TakeOver { reference, version } => {
                desk.assign(op, &reference, Some(&op.user), Some(version), now).await?
            }
            Mutation::AssignTo { reference, version, to } => {
                desk.assign(op, &reference, Some(&to), Some(version), now).await?
            }
            Mutation::Release { reference, version } => {
                desk.release(op, &reference, Some(version), now).await?
            }
            Mutation::Extend { reference, version, reason } => {
                desk.extend(op, &reference, &reason, Some(version), now).await?
            }
            Mutation::Pause { reference, version, reason } => {
                desk.pause(op, &reference, &reason, Some(version), now).await?
            }
            Mutation::Resume { reference, version, arrived_on } => {
                desk.resume_on(op, &reference, Some(arrived_on), Some(version), now).await?
            }
            Mutation::SetStatus { reference, version, status, reason } => {
                desk.set_status(op, &reference, status, reason.as_deref(), Some(version), now).await?
            }
            Mutation::ClaimNext => match desk.claim_next(op, now).await? {
                Some(r) => r,
                None => return Ok(Outcome::Record(None)),
            },
            Mutation::Forward { reference, version, client } => {
                desk.forward_to_controller(op, &reference, &client, Some(version), now).await?
            }
            Mutation::Verify { reference, method, transaction, returned_number, evidence } => {
                let v =
                    Verification { method, transaction_reference: transaction, evidence, returned_number };
                desk.verify(op, &reference, &v, now).await?
            }
            Mutation::Link { reference, person_id } => {
                let linked = desk.link(op, &reference, Some(&person_id), now).await?;
                return Ok(Outcome::Linked(Box::new(linked)));
            }
            Mutation::Unlink { reference, person_id } => {
                desk.unlink(op, &reference, &person_id, now).await?;
                return Ok(Outcome::Unlinked);
            }
            Mutation::ExecuteErasure { reference, plan } => {
                let outcome = desk.execute_erasure(op, &reference, &plan, now).await?;
                return Ok(Outcome::Erased(Box::new(outcome)));
            }
            Mutation::Rectify { reference, corrections } => {
                let outcome = desk.rectify(op, &reference, &corrections, now).await?;
                return Ok(Outcome::Rights(Box::new(outcome)));
            }
            Mutation::Restrict { reference, lift, reason } => {
                let outcome = desk.restrict(op, &reference, lift, &reason, now).await?;
                return Ok(Outcome::Rights(Box::new(outcome)));
            }
            Mutation::CompleteTask { reference, task_id, .. } => {
                let task = desk.complete_recipient_task(op, &reference, task_id, now).await?;
                return Ok(Outcome::TaskDone(Box::new(task)));
            }
            Mutation::OptOut { reference } => {
                return Ok(Outcome::OptedOut(desk.opt_out_of_marketing(op, &reference, now).await?));
            }
            Mutation::DecideObjection { reference, decision, reason } => {
                desk.decide_objection(op, &reference, decision, &reason, now).await?;
                return Ok(Outcome::Decided);
            }
            Mutation::SendReply { reference, order } => {
                return Ok(Outcome::ReplyQueued(Box::new(
                    desk.queue_reply(op, &reference, &order, now).await?,
                )));
            }
            Mutation::Export { reference, format, encrypt, directory } => {
                let options = crate::export::ExportOptions { format, language: None, encrypt };
                let dir = std::path::PathBuf::from(directory.trim());
                let outcome = desk.export(&reference, &options, &dir, op, now).await?;
                return Ok(Outcome::Exported(Box::new(outcome)));
            }
            Mutation::Casefile { reference, directory } => {
                let dir = std::path::PathBuf::from(directory.trim());
                let path = desk.casefile(op, &reference, &dir, now).await?;
                return Ok(Outcome::CasefileWritten(path));
            }
            Mutation::DiscardDraft { reference } => {
                desk.discard_draft(op, &reference).await?;
                return Ok(Outcome::DraftDiscarded);
            }
            Mutation::ClaimThen(_) => {
                return Err(crate::Error::Invalid("a claim is made once before a change, not twice".into()));
            }
            Mutation::ResumeFromMessage { reference, message } => {
                desk.resume_from_message(op, &reference, message).await?
            }
            Mutation::NewRequest { request } => {
                let outcome = desk.store_new_requests(op, &[*request], now).await?;
                let reference = outcome.created.first().ok_or_else(|| {
                    crate::Error::Invalid("the request was not stored (another desk stored it first)".into())
                })?;
                desk.detail(reference, now).await?.request
            }
            Mutation::MakeRequests { message, kinds } => {
                let made = desk.make_requests(op, message, &kinds, None, now).await?;
                return Ok(Outcome::Inbox(format!("made {} from message {message}", made.join(", "))));
            }
            Mutation::AttachMessage { message, reference } => {
                desk.attach_message(op, message, &reference).await?;
                return Ok(Outcome::Inbox(format!("message {message} attached")));
            }
            Mutation::DismissMessage { message, reason } => {
                desk.set_aside(op, message, &reason).await?;
                return Ok(Outcome::Inbox(format!("message {message} set aside: not a request")));
            }
            Mutation::ResolveOutbox { id, resend, .. } => {
                use crate::store::outbox::Resolution;
                let resolution = if resend { Resolution::Resend } else { Resolution::Sent };
                let row = desk.resolve_outbox(op, id, resolution, now).await?;
                return Ok(Outcome::Resolved(Box::new(row)));
            }
        };
        Ok(Outcome::Record(Some(Box::new(record))))
    }
}

/// The erasure worker, inside the desk: a pass at once, then one every `period`, each reported as
/// `Action::Worker` (an error goes to the status line; the next pass tries again). Follow-up
/// erasures are due on the day a hold lapses, so a desk left open carries them out without a
/// separate `dsrdesk worker` process; several desks may run it at once (the service takes each
/// follow-up with `SKIP LOCKED`). Not started in read-only mode.
pub fn spawn_erasure_worker(
    desk: Desk,
    operator: Operator,
    clock: Clock,
    period: std::time::Duration,
    tx: UnboundedSender<Action>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let report = desk.run_due_erasures(&operator, clock.now()).await.map_err(Failure::from);
            if tx.send(Action::Worker(report)).is_err() {
                // The desk is gone.
                break;
            }
        }
    })
}

/// How often the outbox sender inside the desk delivers what is due.
pub const OUTBOX_PERIOD: std::time::Duration = std::time::Duration::from_secs(30);

/// The outbox sender, inside the desk: a delivery pass at once, then one every `period`, so a
/// reply queued at the desk leaves without a separate `dsrdesk outbox send`. Several desks and
/// workers may run it at once (each message is taken with `SKIP LOCKED`). None when no SMTP relay
/// is configured or its settings are wrong (`dsrdesk outbox send` says why). Failed and uncertain
/// messages show in the request's detail and on the outbox screen; each pass that did something
/// (or failed) is reported as `Action::OutboxPass`, so a relay that is down shows on the status
/// line; a pass that fails is tried again next period. Not started in read-only mode.
pub fn spawn_outbox_sender(
    desk: Desk,
    operator: &Operator,
    clock: Clock,
    period: std::time::Duration,
    tx: UnboundedSender<Action>,
) -> Option<JoinHandle<()>> {
    let smtp = crate::mail::smtp::from_settings(&desk.config().smtp).ok().flatten()?;
    let mailer = crate::service::outbox::Mailer::new(&smtp, format!("{} (outbox)", operator.user)).ok()?;
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let report = desk.deliver_due(&mailer, clock.now()).await.map_err(Failure::from);
            let quiet = matches!(&report, Ok(r) if r.attempted() == 0 && r.reconciled_uncertain.is_empty());
            if !quiet && tx.send(Action::OutboxPass(report)).is_err() {
                // The desk is gone.
                break;
            }
        }
    }))
}

/// This year's report and the daily intake of the 90 days up to `today`.
async fn stats(
    desk: &crate::service::Desk,
    today: chrono::NaiveDate,
) -> crate::error::Result<super::action::StatsData> {
    use chrono::Datelike;
    let period = crate::domain::report::Period::year(today.year()).map_err(crate::error::Error::Invalid)?;
    let report = desk.report(period, None, today).await?;
    let daily = desk.daily_intake(today - chrono::Days::new(89), today).await?;
    Ok(super::action::StatsData { report, daily })
}
