//! The request screen: claiming, releasing, extending, pausing, status changes, exports.

use super::*;

#[derive(Debug, Clone, Default)]
pub struct DetailState {
    pub reference: Option<String>,
    pub load: Loadable<RequestDetail, Failure>,
    pub scroll: u16,
    /// The history's events with their raw details rather than in sentences.
    pub raw_history: bool,
    /// The request's messages in (issue 16), shown as its conversation.
    pub messages: Vec<crate::service::inbox::ConversationMessage>,
}

/// Lines of each message's text the conversation shows (the rest: `dsrdesk inbox show`).
pub const CONVERSATION_TEXT_LINES: usize = 6;

/// Where exports go unless the DPO types another directory: `~/dsrdesk-exports`.
pub(super) fn default_export_directory() -> String {
    dirs::home_dir()
        .map(|h| h.join("dsrdesk-exports").display().to_string())
        .unwrap_or_else(|| "dsrdesk-exports".into())
}

impl App {
    pub(super) fn detail_lines(&self) -> usize {
        self.detail.load.data.as_ref().map_or(0, |d| {
            let replies = if d.outbox.is_empty() { 0 } else { d.outbox.len() + 2 };
            let messages: usize = self
                .detail
                .messages
                .iter()
                .map(|m| {
                    2 + m.attachments.len() + m.message.body_text.lines().count().min(CONVERSATION_TEXT_LINES)
                })
                .sum();
            d.request.body.lines().count() + d.events.len() + replies + messages + 4
        })
    }

    pub(super) fn status_chosen(
        &mut self,
        reference: String,
        version: i32,
        status: RequestStatus,
    ) -> Vec<Effect> {
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
            return vec![Effect::Change(self.claiming(Mutation::SetStatus {
                reference,
                version,
                status,
                reason: None,
            }))];
        }
        self.confirm_status(reference, version, status, None);
        vec![]
    }

    pub(super) fn confirm_status(
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
        lines.extend(self.claim_line(&reference));
        let mutation =
            self.claiming(Mutation::SetStatus { reference: reference.clone(), version, status, reason });
        self.mode = Mode::Confirm(Confirm {
            title: format!("Close {reference} as {}?", status_label(status)),
            lines,
            verb: "close",
            mutation,
        });
    }

    // ---- actions on a request ----

    /// Whether the request on the detail screen is held by nobody: acting on it claims it.
    pub(super) fn shown_unclaimed(&self, reference: &str) -> bool {
        self.detail
            .load
            .data
            .as_ref()
            .is_some_and(|d| d.request.reference == reference && d.request.assignee.is_none())
    }

    /// A change to the shown request, made by whoever works on it: when nobody holds it, it is
    /// claimed with the change (extend, pause, resume, status), so it does not sit unclaimed
    /// while someone is working on it.
    pub(super) fn claiming(&self, m: Mutation) -> Mutation {
        match m.reference() {
            Some(r) if self.shown_unclaimed(r) => Mutation::ClaimThen(Box::new(m)),
            _ => m,
        }
    }

    /// The confirmation's line for a change that also claims.
    pub(super) fn claim_line(&self, reference: &str) -> Option<String> {
        self.shown_unclaimed(reference).then(|| "Nobody holds it: you claim it with this.".to_string())
    }

    /// Run `f` with the request shown on the detail screen, or say there is none.
    pub(super) fn with_shown(
        &mut self,
        f: impl FnOnce(&mut App, &RequestDetail) -> Vec<Effect>,
    ) -> Vec<Effect> {
        let shown = match (&self.screen, &self.detail.load.data) {
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

    pub(super) fn claim(&mut self) -> Vec<Effect> {
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

    pub(super) fn release(&mut self) -> Vec<Effect> {
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

    pub(super) fn extend(&mut self) -> Vec<Effect> {
        self.with_shown(|app, d| {
            // The service decides; this only spares a prompt whose answer would be refused, by the
            // same rule (Art. 12(3): once, within the first month). The reason is what the prompt
            // asks for next, so a placeholder stands in for it here. Decided on the controller's
            // date, as the service decides it.
            let j = d.request.jurisdiction;
            let calendar = app.settings.config.calendar(j);
            let facts = crate::service::facts_of(&d.request);
            let today = j.local_date(app.now);
            if let Err(e) = crate::domain::deadline::check_extension(&calendar, facts, today, "asked next") {
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

    /// `r`: the information asked for arrived. First the day it arrived (default today: a letter
    /// opened today may have come days ago, and the clock runs from its arrival, Art. 12(6)),
    /// then the confirmation with the paused days that follow.
    pub(super) fn resume(&mut self) -> Vec<Effect> {
        let today = self.today();
        self.with_shown(|app, d| {
            let r = &d.request;
            let Some(since) = r.paused_since else {
                app.info(StatusKind::Refused, format!("{}: {}", r.reference, DeadlineRuleError::NotPaused));
                return vec![];
            };
            // Art. 12(6): when the information came by e-mail, the clock runs again from the
            // message's arrival, not from when it was read (issue 16).
            if let Some(m) = app.detail.messages.iter().map(|c| &c.message).find(|m| m.received_on >= since) {
                let days = (m.received_on - since).num_days().max(0);
                app.mode = Mode::Confirm(Confirm {
                    title: format!("Resume the clock of {}?", r.reference),
                    lines: vec![
                        format!(
                            "The information asked for on {since} arrived with message {} on {}.",
                            m.id, m.received_on
                        ),
                        format!("{days} paused day(s) move the legal due date later; this cannot be undone."),
                    ],
                    verb: "resume",
                    mutation: Mutation::ResumeFromMessage { reference: r.reference.clone(), message: m.id },
                });
                return vec![];
            }
            app.prompt(
                PromptPurpose::ResumeArrived,
                format!("Resume the clock of {}: when did the information arrive?", r.reference),
                vec![
                    format!("Asked for on {since}. The day it arrived, in the controller's calendar"),
                    format!("(YYYY-MM-DD, from {since} to today, {today}); enter keeps today."),
                ],
                d,
            );
            app.input = today.to_string();
            vec![]
        })
    }

    /// The arrival day was typed: check it as the service will, then confirm.
    pub(super) fn resume_arrived(&mut self, reference: String, version: i32, text: &str) -> Vec<Effect> {
        let today = self.today();
        let since = self.detail.load.data.as_ref().and_then(|d| d.request.paused_since);
        let Some(since) = since else { return vec![] };
        let arrived = match text.trim().parse::<NaiveDate>() {
            Ok(d) if d > today => Err(format!("{d} is after today ({today})")),
            Ok(d) if d < since => Err(format!("{d} is before the information was asked for ({since})")),
            Ok(d) => Ok(d),
            Err(_) => Err(format!("“{}” is not a date (YYYY-MM-DD)", escape_line(text))),
        };
        let arrived = match arrived {
            Ok(d) => d,
            Err(why) => {
                self.info(StatusKind::Refused, format!("{why}: the clock was not resumed"));
                return vec![];
            }
        };
        let days = (arrived - since).num_days().max(0);
        let when = if arrived == today { format!("today ({today})") } else { format!("on {arrived}") };
        let mut lines = vec![
            format!("The information asked for on {since} arrived {when}."),
            format!("{days} paused day(s) move the legal due date later; this cannot be undone."),
        ];
        lines.extend(self.claim_line(&reference));
        let mutation =
            self.claiming(Mutation::Resume { reference: reference.clone(), version, arrived_on: arrived });
        self.mode = Mode::Confirm(Confirm {
            title: format!("Resume the clock of {reference}?"),
            lines,
            verb: "resume",
            mutation,
        });
        vec![]
    }

    /// `X`: write the access copy or the portability bundle to a directory (Art. 15, 20).
    /// `F`: the case file for an authority or a court (issue 17 §2), written where the DPO says.
    pub(super) fn casefile_prompt(&mut self) -> Vec<Effect> {
        let Some(reference) = self.screen.reference().map(str::to_string) else {
            self.info(StatusKind::Info, "open a request first");
            return vec![];
        };
        self.input = default_export_directory();
        self.mode = Mode::Prompt(Prompt {
            title: format!("Write the case file of {reference} to the directory:"),
            lines: vec![
                "casefile-REF.zip: the timeline (HTML, JSON), the deadline explained, every mail as sent"
                    .into(),
                "and as received, the chain's links and head, and manifest.json with each file's SHA-256."
                    .into(),
            ],
            purpose: PromptPurpose::CasefileDirectory,
            reference,
            version: 0,
        });
        vec![]
    }

    pub(super) fn export_menu(&mut self) -> Vec<Effect> {
        let Some(reference) = self.screen.reference().map(str::to_string) else {
            self.info(StatusKind::Info, "open a request first");
            return vec![];
        };
        let version = self
            .detail
            .load
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
            names: vec![],
        });
        vec![]
    }
}

impl App {
    /// The request's actions that ask something first: whom to assign, why the clock pauses, which status.
    pub(super) fn ask_about_request(&mut self, action: Action) -> Vec<Effect> {
        match action {
            // Choose from the operators the database knows; typing a name is one key further.
            Action::Assign => self.with_shown(|_, d| {
                vec![Effect::LoadOperators {
                    reference: d.request.reference.clone(),
                    version: d.request.version,
                }]
            }),
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
                    names: vec![],
                });
                vec![]
            }),
            _ => vec![],
        }
    }
}
