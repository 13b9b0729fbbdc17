//! Typing and choosing: the search, the `:` line, prompts, menus and their wizard steps.

use super::*;

/// The same field of the same row (a second value for it replaces the first).
fn same_field(a: &RectifiableField, b: &RectifiableField) -> bool {
    a.source == b.source && a.row_id == b.row_id && a.column == b.column && a.person_id == b.person_id
}

/// In the assign menu: type a user name the list does not have.
pub const ASSIGN_TYPED_KEY: char = 't';

/// How long the search text must rest before the queue is searched.
pub const SEARCH_SETTLE: std::time::Duration = std::time::Duration::from_millis(120);

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
    /// The day the information asked for arrived (resuming the clock).
    ResumeArrived,
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
    /// The directory the case file is written to.
    CasefileDirectory,
    /// Inbox: the kinds of the requests to make of a message ...
    InboxKinds(i64),
    /// ... the request to attach it to ...
    InboxAttach(i64),
    /// ... why it is not a request.
    InboxDismiss(i64),
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
    /// The names `MenuChoice::Assignee` points into (the assign menu's operators).
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuChoice {
    /// Hand the request to the operator at this place in `Menu::names`.
    Assignee(usize),
    /// Type a user name the list does not have.
    AssignTyped,
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

impl App {
    // ---- input: search, command line, prompts ----

    pub(super) fn after_input(&mut self) -> Vec<Effect> {
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

    pub(super) fn submit(&mut self) -> Vec<Effect> {
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

    pub(super) fn prompt(
        &mut self,
        purpose: PromptPurpose,
        title: String,
        lines: Vec<String>,
        d: &RequestDetail,
    ) {
        self.input.clear();
        self.mode = Mode::Prompt(Prompt {
            title,
            lines,
            purpose,
            reference: d.request.reference.clone(),
            version: d.request.version,
        });
    }

    /// One confirmation for every correction of this step: each field now and as asked, and the
    /// recipients to tell under Art. 19 — each once, and only those that received the rows.
    fn confirm_corrections(&mut self, reference: String, all: Vec<(RectifiableField, String)>) {
        let mut lines = vec![];
        let mut recipients: Vec<String> = vec![];
        for (field, value) in &all {
            lines.push(format!(
                "{} · row {} · {}",
                escape_line(&field.source_title),
                escape_line(&field.row_id),
                escape_line(&field.column)
            ));
            lines.push(format!("  now        {}", value_text(&field.current)));
            lines.push(format!("  requested  “{}”", escape_line(value)));
            for r in &field.disclosed_to {
                if !recipients.contains(r) {
                    recipients.push(r.clone());
                }
            }
        }
        lines.push(if recipients.is_empty() {
            "Art. 19: these rows were not disclosed to anyone: no one to tell.".to_string()
        } else {
            format!("Art. 19: then tell {} (one task each).", escape_line(&recipients.join(", ")))
        });
        lines.push("The old values are kept in the history.".into());
        let title = match all.as_slice() {
            [(field, _)] => format!("Rectify {} of {reference}?", escape_line(&field.column)),
            _ => format!("Rectify {} fields of {reference} together?", all.len()),
        };
        let corrections = all
            .iter()
            .map(|(field, value)| Correction {
                source: field.source.clone(),
                row_id: field.row_id.clone(),
                column: field.column.clone(),
                new_value: Some(value.clone()),
            })
            .collect();
        self.subject.staged = Some((reference.clone(), all));
        self.mode = Mode::Confirm(Confirm {
            title,
            lines,
            verb: "rectify",
            mutation: Mutation::Rectify { reference, corrections },
        });
    }

    /// `a` in a rectification's confirmation: keep what was typed and go back to the fields.
    pub(super) fn another_field(&mut self) -> Vec<Effect> {
        let Mode::Confirm(Confirm { mutation: Mutation::Rectify { reference, .. }, .. }) = &self.mode else {
            return vec![];
        };
        let n = self.subject.staged_for(reference).len();
        let c = self.keymap().hint(Context::Rectify, &Action::Correct);
        self.mode = Mode::Normal;
        self.info(
            StatusKind::Info,
            format!(
                "{n} correction(s) kept, not yet made: choose the next field ({c}); all are made together"
            ),
        );
        vec![]
    }

    /// Ask for one confirmation before handing `reference` to `to`, saying who holds it now.
    fn confirm_assign(&mut self, reference: String, version: i32, to: String) -> Vec<Effect> {
        let from = self.detail.load.data.as_ref().and_then(|d| d.request.assignee.clone());
        if from.as_deref() == Some(to.as_str()) {
            self.info(StatusKind::Info, format!("{} holds {reference} already", escape_line(&to)));
            return vec![];
        }
        let mut lines = vec![match &from {
            Some(holder) => format!("It is claimed by {} now.", escape_line(holder)),
            None => "Nobody has claimed it yet.".into(),
        }];
        lines.push(format!("{} will find it under “mine”.", escape_line(&to)));
        self.mode = Mode::Confirm(Confirm {
            title: format!("Assign {reference} to {}?", escape_line(&to)),
            lines,
            verb: "assign",
            mutation: Mutation::AssignTo { reference, version, to },
        });
        vec![]
    }

    /// The operators are known: offer them (the one holding it marked), then "someone else".
    pub(super) fn operators_loaded(
        &mut self,
        reference: String,
        version: i32,
        result: Result<Vec<String>, Failure>,
    ) -> Vec<Effect> {
        // Only while the request asked about is still the one shown and nothing else was opened.
        let shown = self.detail.load.data.as_ref().map(|d| d.request.reference.as_str());
        if shown != Some(reference.as_str()) || !matches!(self.mode, Mode::Normal) {
            return vec![];
        }
        let names = match result {
            Ok(names) => names,
            Err(failure) => {
                self.info(
                    StatusKind::Trouble,
                    format!("the operators could not be read: {}", failure.message),
                );
                self.ask_assignee_name(reference, version);
                return vec![];
            }
        };
        let mut choices: Vec<MenuChoice> = (0..names.len()).map(MenuChoice::Assignee).collect();
        choices.push(MenuChoice::AssignTyped);
        let holder = self.detail.load.data.as_ref().and_then(|d| d.request.assignee.clone());
        // Start on the first one who does not hold it already.
        let selected = names.iter().position(|n| Some(n) != holder.as_ref()).unwrap_or(0);
        self.mode = Mode::Menu(Menu {
            title: format!(
                "Assign {reference} (now: {})",
                holder.as_deref().map(escape_line).unwrap_or_else(|| "nobody".into())
            ),
            heading: " Assign ",
            choices,
            selected,
            reference,
            version,
            names,
        });
        vec![]
    }

    /// The free-text way: a user name the list does not have (`t` in the assign menu).
    pub(super) fn ask_assignee_name(&mut self, reference: String, version: i32) {
        self.ask(
            PromptPurpose::AssignTo,
            format!("Assign {reference}"),
            vec!["Hand the request to (an operator's user name, no spaces):".into()],
            reference,
            version,
        );
    }

    pub(super) fn prompt_answered(&mut self, p: Prompt, text: String) -> Vec<Effect> {
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
        if matches!(purpose, PromptPurpose::InboxKinds(_) | PromptPurpose::InboxAttach(_))
            || (matches!(purpose, PromptPurpose::InboxDismiss(_)) && !text.is_empty())
        {
            return self.inbox_prompt_answered(purpose, text);
        }
        if text.is_empty() && !may_be_empty {
            let what = match purpose {
                PromptPurpose::AssignTo => "an assignee",
                PromptPurpose::VerifyTransaction(_) => "the transaction reference",
                PromptPurpose::VerifyEvidence { .. } => "the evidence",
                PromptPurpose::RectifyValue(_) => "a new value",
                PromptPurpose::ObjectionReason(_) => "the grounds (Art. 21(1))",
                PromptPurpose::ResumeArrived => "the day it arrived",
                _ => "a reason",
            };
            self.info(StatusKind::Refused, format!("{what} is needed: nothing was changed"));
            return vec![];
        }
        match purpose {
            PromptPurpose::ReplyDetail(_)
            | PromptPurpose::InboxKinds(_)
            | PromptPurpose::InboxAttach(_)
            | PromptPurpose::InboxDismiss(_) => vec![],
            PromptPurpose::CasefileDirectory => {
                self.info(StatusKind::Info, "writing the case file …");
                vec![Effect::Change(Mutation::Casefile { reference, directory: text })]
            }
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
                self.confirm_assign(reference, version, text)
            }
            PromptPurpose::Pause => {
                vec![Effect::Change(self.claiming(Mutation::Pause { reference, version, reason: text }))]
            }
            PromptPurpose::ResumeArrived => self.resume_arrived(reference, version, &text),
            PromptPurpose::Extend => {
                // What the deadline engine will say (the service computes it again, and stores it).
                let due = self
                    .detail
                    .load
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
                let mut lines = vec![
                    format!("Art. 12(3): two further months. The legal due date becomes {due}."),
                    "This cannot be undone, and the requester must be told, with the reason:".into(),
                    format!("“{}”", escape_line(&text)),
                ];
                lines.extend(self.claim_line(&reference));
                let mutation =
                    self.claiming(Mutation::Extend { reference: reference.clone(), version, reason: text });
                self.mode = Mode::Confirm(Confirm {
                    title: format!("Extend {reference}?"),
                    lines,
                    verb: "extend",
                    mutation,
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
                        "The personal number the e-ID returned: it shows the requester is the linked".into(),
                        "person. Another number is refused at once: it may be someone else.".into(),
                    ],
                    reference,
                    version,
                );
                vec![]
            }
            PromptPurpose::VerifyReturnedNumber(method, transaction) => {
                // Checked now, by the rule the service records with (domain::verification), so a
                // number that is not the linked person's is refused before anything else is typed.
                if let Err(why) = self.returned_number_problem(&text) {
                    self.info(StatusKind::Refused, why);
                    self.ask(
                        PromptPurpose::VerifyReturnedNumber(method, transaction),
                        format!("Verify {reference}: the number the e-ID returned"),
                        vec![
                            "That number was refused (see below); type the number the e-ID returned.".into(),
                        ],
                        reference,
                        version,
                    );
                    return vec![];
                }
                let returned = Some(text).filter(|t| !t.is_empty());
                self.ask_evidence(method, Some(transaction), returned, reference, version);
                vec![]
            }
            PromptPurpose::VerifyEvidence { method, transaction, returned } => {
                let mut lines = vec![format!("method        {}", method.typed_name())];
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
                // This field with those kept before it (`a` in the confirmation): one step, one
                // transaction, one Art. 19 task per recipient however many fields changed.
                let mut all: Vec<(RectifiableField, String)> = self.subject.staged_for(&reference).to_vec();
                all.retain(|(f, _)| !same_field(f, &field));
                all.push((*field, text));
                self.confirm_corrections(reference, all);
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

    pub(super) fn ask(
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

    /// Why the e-ID's returned number would be refused, judged on the identity panel as loaded
    /// (the requester's number and the linked persons'); the service checks again when recording.
    fn returned_number_problem(&self, typed: &str) -> Result<(), String> {
        if typed.trim().is_empty() {
            return Err("an e-ID verification needs the number it returned: it is what shows the requester is the linked person".into());
        }
        let Some(d) = self.subject.load.data.as_ref() else { return Ok(()) };
        let Some(Ok(view)) = &d.view else { return Ok(()) };
        let r = &d.detail.request;
        let today = r.jurisdiction.local_date(self.now);
        let linked: Vec<(String, Option<String>)> = view
            .linked()
            .map(|c| {
                let number = c.personal_number.as_deref().map(|n| {
                    crate::domain::verification::normalize_number(n, r.jurisdiction, today)
                        .unwrap_or_else(|| n.trim().to_string())
                });
                (c.person_id.clone(), number)
            })
            .collect();
        crate::domain::verification::check_returned_number(
            typed,
            r.jurisdiction,
            today,
            r.requester_personal_number.as_deref(),
            &linked,
        )
        .map(|_| ())
    }

    pub(super) fn ask_evidence(
        &mut self,
        method: VerificationMethod,
        transaction: Option<String>,
        returned: Option<String>,
        reference: String,
        version: i32,
    ) {
        self.ask(
            PromptPurpose::VerifyEvidence { method, transaction, returned },
            format!("Verify {reference}: {}", method.typed_name()),
            vec![
                "What was seen? e.g. “BankID signature in the portal”.".into(),
                "Recorded as the evidence, with your name.".into(),
            ],
            reference,
            version,
        );
    }

    pub(super) fn menu_chosen(&mut self, menu: Menu) -> Vec<Effect> {
        let Some(&choice) = menu.choices.get(menu.selected) else { return vec![] };
        match choice {
            MenuChoice::Assignee(i) => match menu.names.get(i) {
                Some(name) => self.confirm_assign(menu.reference, menu.version, name.clone()),
                None => vec![],
            },
            MenuChoice::AssignTyped => {
                self.ask_assignee_name(menu.reference, menu.version);
                vec![]
            }
            MenuChoice::Status(status) => self.status_chosen(menu.reference, menu.version, status),
            MenuChoice::Method(method) if method.is_eid() => {
                self.ask(
                    PromptPurpose::VerifyTransaction(method),
                    format!("Verify {}: {}", menu.reference, method.typed_name()),
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
}

impl App {
    /// Typing and answering: the search, the `:` line, prompts, menus and confirmations.
    pub(super) fn typing(&mut self, action: Action) -> Vec<Effect> {
        match action {
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
                    // Corrections kept for a later step go with the cancelled one.
                    if matches!(&self.mode, Mode::Confirm(c) if matches!(c.mutation, Mutation::Rectify { .. }))
                    {
                        self.subject.staged = None;
                    }
                    self.mode = Mode::Normal;
                    self.input.clear();
                    self.info(StatusKind::Info, "cancelled: nothing was changed");
                }
                vec![]
            }
            Action::Input(ASSIGN_TYPED_KEY) if matches!(&self.mode, Mode::Menu(m) if m.choices.contains(&MenuChoice::AssignTyped)) =>
            {
                if let Mode::Menu(menu) = std::mem::replace(&mut self.mode, Mode::Normal) {
                    self.ask_assignee_name(menu.reference, menu.version);
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
            _ => vec![],
        }
    }
}
