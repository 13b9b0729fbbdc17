//! The world reports: notifications, loads and the outcomes of changes folded back into state.

use super::*;

/// What a change did, in words for the status line.
pub(super) fn outcome_text(what: &str, outcome: &Outcome) -> String {
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
            if q.passphrase.is_some() {
                // Never on the status line, which the next message overwrites: in its dialog.
                text.push_str(" — the bundle's passphrase is in the dialog");
            }
            text
        }
        Outcome::DraftDiscarded => what.to_string(),
        Outcome::Inbox(text) => text.clone(),
        Outcome::Exported(o) => {
            let mut text = format!(
                "{what}: {} ({} bytes, {} rows, SHA-256 {}…)",
                escape_line(&o.file.path.display().to_string()),
                o.file.size,
                o.rows,
                &o.file.sha256[..16.min(o.file.sha256.len())]
            );
            if o.passphrase.is_some() {
                text.push_str(" — the passphrase is in the dialog");
            }
            text
        }
        Outcome::CasefileWritten(path) => {
            format!(
                "{what}: {} (0600; manifest.json holds each file's SHA-256)",
                escape_line(&path.display().to_string())
            )
        }
        Outcome::Resolved(r) => match r.state {
            crate::store::outbox::OutboxState::Sent => format!("message #{} recorded as sent", r.id),
            _ => format!("message #{} queued again with the same Message-ID", r.id),
        },
        Outcome::Record(_) | Outcome::Unlinked | Outcome::TaskDone(_) | Outcome::Decided => what.to_string(),
    }
}

impl App {
    pub(super) fn worker_reported(
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
                self.detail.load.stale = true;
                self.subject.load.stale = true;
                self.overview.load.stale = true;
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

    pub(super) fn changed(&mut self, change: Change) -> Vec<Effect> {
        let mut effects = vec![];
        self.overview.load.stale = true;
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
            self.detail.load.stale = true;
            if self.screen == Screen::Detail(r) {
                effects.extend(self.load_screen());
            }
        }
        // The outbox notifies with the references of the requests whose replies changed
        // (migration 0029): the outbox screen and an open message follow.
        let outbox_touched = match &self.outbox.shown.reference {
            Some(r) => change.touches(r),
            None => true,
        };
        if outbox_touched {
            self.outbox.load.stale = true;
            if matches!(self.screen, Screen::Outbox(_)) {
                effects.extend(self.load_screen());
            }
        }
        if let Some(r) = self.message.load.data.as_ref().map(|m| m.reference.clone())
            && change.touches(&r)
        {
            self.message.load.stale = true;
            if matches!(self.screen, Screen::Message(_)) {
                effects.extend(self.load_screen());
            }
        }
        if let Some((r, _)) = self.subject.shown.clone()
            && change.touches(&r)
        {
            self.subject.load.stale = true;
            if matches!(&self.screen, Screen::Subject(shown, _) if *shown == r) {
                effects.extend(self.load_screen());
            }
        }
        // Issue 16: mail that arrives has its clock running; say so wherever the DPO is.
        if change.inbox {
            self.inbox.load.stale = true;
            if self.screen == Screen::Inbox {
                effects.extend(self.load_screen());
            }
        }
        if change.new_mail > 0 && matches!(self.mode, Mode::Normal) {
            let key = self.keymap().hint(Context::Global, &Action::GoInbox);
            self.info(StatusKind::Info, format!("new mail arrived in the inbox ({key})"));
        }
        effects
    }

    pub(super) fn loaded(&mut self, loaded: Loaded) -> Vec<Effect> {
        match loaded {
            Loaded::Stats(result) => self.stats_loaded(result),
            Loaded::Overview(result) => {
                let again = self.overview.load.stale && self.screen == Screen::Overview;
                if let Ok(data) = &result {
                    self.last_seen = Some(data.last_seen);
                    let lens = [data.urgent.len(), data.mine.len(), data.changes.items.len()];
                    for (sel, len) in self.overview.selected.iter_mut().zip(lens) {
                        *sel = (*sel).min(len.saturating_sub(1));
                    }
                }
                // The overview keeps what it showed beside the error.
                self.overview.load.finish(result.map_err(|e| e.message), true);
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
                // Someone took over a request this desk's operator held: say so, rather than
                // leave "claimed" on the status line as if it were still theirs.
                let me = self.operator().user.clone();
                let held_before = self.detail.load.data.as_ref().and_then(|d| d.request.assignee.clone());
                let taken_by = result
                    .as_ref()
                    .ok()
                    .and_then(|d| d.request.assignee.clone())
                    .filter(|now| held_before.as_deref() == Some(me.as_str()) && *now != me);
                self.detail.load.finish(result, false);
                if let Some(by) = taken_by {
                    self.info(
                        StatusKind::Conflict,
                        format!("{reference} was taken over by {}: it is no longer yours", escape_line(&by)),
                    );
                }
                if self.detail.load.stale && self.screen == Screen::Detail(reference) {
                    return self.load_screen();
                }
                vec![]
            }
            Loaded::Subject { reference, screen, result } => {
                if self.subject.shown.as_ref() != Some(&(reference.clone(), screen)) {
                    return vec![];
                }
                let ok = result.is_ok();
                self.subject.load.finish(result, false);
                if ok {
                    let len = self.subject.list_len();
                    self.subject.selected = self.subject.selected.min(len.saturating_sub(1));
                }
                if self.subject.load.stale && self.screen == Screen::Subject(reference, screen) {
                    return self.load_screen();
                }
                vec![]
            }
            Loaded::Outbox { filter, result } => {
                if self.outbox.shown != filter {
                    return vec![];
                }
                let ok = result.is_ok();
                self.outbox.load.finish(result, true);
                if ok {
                    let len = self.outbox.load.data.as_ref().map_or(0, |d| d.messages.len());
                    self.outbox.selected = self.outbox.selected.min(len.saturating_sub(1));
                }
                if self.outbox.load.stale && matches!(self.screen, Screen::Outbox(_)) {
                    return self.load_screen();
                }
                vec![]
            }
            Loaded::Message { id, result } => {
                if self.message.id != Some(id) {
                    return vec![];
                }
                self.message.load.finish(result, false);
                if self.message.load.stale && self.screen == Screen::Message(id) {
                    return self.load_screen();
                }
                vec![]
            }
            Loaded::Done { reference, what, result } => {
                let passphrase = match &result {
                    Ok(Outcome::ReplyQueued(q)) => q.passphrase.clone().map(|p| (p, true, reference.clone())),
                    Ok(Outcome::Exported(o)) => o.passphrase.clone().map(|p| (p, false, reference.clone())),
                    _ => None,
                };
                // The kept corrections were made with this one (a failure keeps them to retry).
                if matches!(result, Ok(Outcome::Rights(_))) {
                    self.subject.staged = None;
                }
                if matches!(result, Ok(Outcome::Resolved(_))) {
                    self.outbox.load.stale = true;
                    self.message.load.stale = true;
                }
                let finished = match (&reference, &result) {
                    (Some(r), Ok(o @ (Outcome::ReplyQueued(_) | Outcome::DraftDiscarded))) => {
                        Some((r.clone(), o.clone()))
                    }
                    _ => None,
                };
                if self.screen == Screen::NewRequest && matches!(result, Ok(Outcome::Record(Some(_)))) {
                    // Stored: the form is done; its request opens.
                    self.new_request = None;
                }
                let mut effects = self.done(reference, what, result);
                if let Some((r, outcome)) = finished {
                    effects.extend(self.reply_finished(&r, &outcome));
                }
                if let Some((passphrase, by_mail, reference)) = passphrase {
                    self.show_passphrase(reference.as_deref(), &passphrase, by_mail);
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
            Loaded::Inbox(result) => self.inbox_loaded(result),
            Loaded::Operators { reference, version, result } => {
                self.operators_loaded(reference, version, result)
            }
            Loaded::Conversation { reference, result } => self.conversation_loaded(reference, result),
            Loaded::NewRequestDuplicates { request, result } => {
                self.new_request_duplicates_loaded(request, result)
            }
            Loaded::InboxDuplicates { message, kinds, result } => {
                self.inbox_duplicates_loaded(message, kinds, result)
            }
            Loaded::Seen(result) => {
                match result {
                    Ok(at) => {
                        self.last_seen = Some(Some(at));
                        self.overview.load.stale = true;
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

    pub(super) fn done(
        &mut self,
        reference: Option<String>,
        what: String,
        result: Result<Outcome, Failure>,
    ) -> Vec<Effect> {
        self.overview.load.stale = true;
        self.inbox.load.stale = true;
        if self.queue.loaded {
            self.queue.stale = true;
        }
        if let Some(r) = &reference
            && self.subject.shown.as_ref().is_some_and(|(shown, _)| shown == r)
        {
            self.subject.load.stale = true;
        }
        match result {
            Ok(Outcome::Record(Some(record))) => {
                let changed = record.reference.clone();
                self.info(StatusKind::Done, format!("{changed}: {what}"));
                if self.detail.reference.as_deref() == Some(changed.as_str()) {
                    self.detail.load.stale = true;
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
                            self.detail.load.stale = true;
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
                    self.detail.load.stale = true;
                }
                self.load_screen()
            }
        }
    }
}
