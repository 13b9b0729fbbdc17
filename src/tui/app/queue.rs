//! The queue: its filters and order, and the keyset paging window around the selection.

use super::*;

/// Rows fetched per page of the queue.
pub const PAGE: i64 = 100;

/// Rows kept in memory around the selection; the rest is fetched again when scrolled back to.
pub const MAX_ROWS: usize = 600;

/// Fetch the next page when the selection is this close to the end of what is loaded.
pub const PREFETCH: usize = 60;

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

    /// Clear one filter, the narrowest first (the search, then overdue, the kind, the status, and
    /// whose requests last), and say which; None when nothing is set. One `x` undoes one step, so
    /// clearing a search never drops "mine" with it.
    pub fn clear_one(&mut self) -> Option<&'static str> {
        let defaults = Filter::default();
        if !self.search.trim().is_empty() {
            self.search.clear();
            Some("the search")
        } else if self.overdue {
            self.overdue = false;
            Some("overdue")
        } else if self.kind.is_some() {
            self.kind = None;
            Some("the kind")
        } else if self.status != defaults.status {
            self.status = defaults.status;
            Some("the status")
        } else if self.who != defaults.who {
            self.who = defaults.who;
            Some("whose requests")
        } else {
            None
        }
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
            SortField::Due => (item.shown_due_on(), item.record.id),
            SortField::Received => (item.record.received_on, item.record.id),
        }
    }

    pub fn selected_item(&self) -> Option<&QueueItem> {
        self.rows.get(self.selected)
    }

    /// Put the selection at `index` and scroll so it is on screen: when it leaves the window, the
    /// window moves by half its height (most moves then redraw two rows, not all of them).
    pub(super) fn select(&mut self, index: usize, view: usize) {
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

    pub(super) fn clamp_top(&mut self, view: usize) {
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

impl App {
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

    pub(super) fn filter_from_command(&mut self) -> Vec<Effect> {
        if self.screen != Screen::Queue {
            self.queue.stale = true;
            self.queue.loaded = false;
            return self.navigate(Screen::Queue);
        }
        self.reload_queue(None)
    }

    pub(super) fn page_effect(&mut self, anchor: Anchor, keep: Option<String>) -> Effect {
        let mut query = self.queue_query();
        query.after = match anchor {
            Anchor::Start | Anchor::End => None,
            Anchor::From(k) | Anchor::After(k) | Anchor::Before(k) => Some(k),
        };
        Effect::LoadPage { generation: self.queue.generation, query, order: self.queue.order, anchor, keep }
    }

    /// Load the queue from its start (or end) under a new generation: filters or order changed.
    pub(super) fn reload_queue(&mut self, anchor: Option<Anchor>) -> Vec<Effect> {
        self.searched = self.queue.filter.search.clone();
        self.queue.filter_generation += 1;
        self.queue.total = None;
        let mut effects = self.fetch_fresh(anchor.unwrap_or(Anchor::Start));
        effects.push(self.count_effect());
        effects
    }

    /// The same rows from another place (the first, the last): no need to count them again.
    pub(super) fn jump_queue(&mut self, anchor: Anchor) -> Vec<Effect> {
        self.fetch_fresh(anchor)
    }

    pub(super) fn fetch_fresh(&mut self, anchor: Anchor) -> Vec<Effect> {
        let q = &mut self.queue;
        q.generation += 1;
        q.loading = true;
        q.loading_next = false;
        q.loading_prev = false;
        q.stale = false;
        vec![self.page_effect(anchor, None)]
    }

    pub(super) fn count_effect(&self) -> Effect {
        Effect::Count { generation: self.queue.filter_generation, query: self.queue_query() }
    }

    /// Fetch again what is on screen (someone changed something), keeping the selection.
    pub(super) fn refresh_queue(&mut self) -> Vec<Effect> {
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
    pub(super) fn prefetch(&mut self) -> Vec<Effect> {
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

    pub(super) fn page_loaded(&mut self, page: Page) -> Vec<Effect> {
        let mut effects = self.place_page(page);
        if self.queue.stale && !self.queue.loading && self.screen == Screen::Queue {
            // Something changed while this page was on its way: fetch what is on screen again.
            effects.extend(self.load_screen());
        }
        effects
    }

    pub(super) fn place_page(&mut self, page: Page) -> Vec<Effect> {
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

    pub(super) fn move_by(&mut self, delta: i64) -> Vec<Effect> {
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
            Screen::Inbox => self.inbox_move(delta),
            // The form moves between fields with tab while typing.
            Screen::NewRequest => vec![],
            Screen::Detail(_) => {
                let max = self.detail_lines() as i64;
                self.detail.scroll = (self.detail.scroll as i64 + delta).clamp(0, max) as u16;
                vec![]
            }
            Screen::Help => {
                let max =
                    help_scroll_max(self.keymap(), &self.settings.theme, self.settings.read_only, self.size)
                        as i64;
                self.help_scroll = (self.help_scroll as i64 + delta).clamp(0, max) as u16;
                vec![]
            }
            Screen::Subject(_, SubjectScreen::Erasure) => {
                let max =
                    erasure_scroll_max(&self.settings.theme, self.size, self.subject.load.data.as_deref())
                        as i64;
                self.subject.scroll = (self.subject.scroll as i64 + delta).clamp(0, max) as u16;
                vec![]
            }
            Screen::Subject(..) => {
                let len = self.subject.list_len() as i64;
                self.subject.selected =
                    (self.subject.selected as i64 + delta).clamp(0, (len - 1).max(0)) as usize;
                vec![]
            }
            Screen::Reply(_) | Screen::Stats => vec![],
            Screen::Outbox(_) => {
                let len = self.outbox.load.data.as_ref().map_or(0, |d| d.messages.len()) as i64;
                self.outbox.selected =
                    (self.outbox.selected as i64 + delta).clamp(0, (len - 1).max(0)) as usize;
                vec![]
            }
            Screen::Message(_) => {
                let max = self.message_lines() as i64;
                self.message.scroll = (self.message.scroll as i64 + delta).clamp(0, max) as u16;
                vec![]
            }
        }
    }

    pub(super) fn move_to_end(&mut self, bottom: bool) -> Vec<Effect> {
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
}

impl App {
    /// The queue's filters and order, from a key or the `:` line.
    pub(super) fn filter(&mut self, action: Action) -> Vec<Effect> {
        match action {
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
            Action::ClearFilters => match self.queue.filter.clear_one() {
                Some(what) => {
                    let left = if self.queue.filter.is_default() { "; nothing filtered now" } else { "" };
                    self.info(StatusKind::Info, format!("cleared {what}{left}"));
                    self.reload_queue(None)
                }
                None => {
                    self.info(StatusKind::Info, "nothing to clear: every open request is shown");
                    vec![]
                }
            },
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
            _ => vec![],
        }
    }
}
