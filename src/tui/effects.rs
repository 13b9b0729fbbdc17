//! Carry out the app's effects against the desk (the same service calls the CLI makes) and turn
//! each answer into an action for `App::update`. Runs off the render path: the event loop spawns
//! each effect as a task, the headless harness awaits them in order.

use super::action::{Action, Anchor, Failure, FailureKind, Loaded, Page};
use super::app::{Effect, Mutation, OVERVIEW_ITEMS, OverviewData};
use crate::error::Result;
use crate::service::{Desk, Operator};
use crate::store::requests::{AssigneeFilter, QueueQuery};
use crate::store::shift::Direction;
use chrono::{DateTime, Utc};

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
            Effect::Count { generation, query } => {
                Loaded::Count { generation, result: desk.queue_count(&query).await.map_err(Failure::from) }
            }
            Effect::LoadDetail { reference } => {
                let result = desk.detail(&reference, now).await.map(Box::new).map_err(Failure::from);
                Loaded::Detail { reference, result }
            }
            Effect::Change(mutation) => {
                let reference = mutation.reference().map(str::to_string);
                let what = mutation.done_text();
                let result = if self.read_only {
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
        let (overview, urgent, mine, (last_seen, changes)) =
            tokio::try_join!(desk.overview(now), desk.queue(&urgent, now), desk.queue(&mine, now), changes)?;
        Ok(OverviewData { overview, urgent, mine, changes, last_seen })
    }

    /// Each change is the service call the CLI makes, with the version the screen showed.
    async fn change(
        &self,
        mutation: Mutation,
        now: DateTime<Utc>,
    ) -> Result<Option<Box<crate::store::requests::RequestRecord>>> {
        let (desk, op) = (&self.desk, &self.operator);
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
            Mutation::Resume { reference, version } => {
                desk.resume(op, &reference, Some(version), now).await?
            }
            Mutation::SetStatus { reference, version, status, reason } => {
                desk.set_status(op, &reference, status, reason.as_deref(), Some(version), now).await?
            }
            Mutation::ClaimNext => match desk.claim_next(op, now).await? {
                Some(r) => r,
                None => return Ok(None),
            },
        };
        Ok(Some(Box::new(record)))
    }
}
