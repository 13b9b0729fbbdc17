//! The screens about the request's subject: identity, erasure, rectification, Art. 19 tasks.

use super::*;
use crate::store::requests::RequestRecord;

#[derive(Debug, Clone, Default)]
pub struct SubjectState {
    /// The request and screen the data is for.
    pub shown: Option<(String, SubjectScreen)>,
    pub load: Loadable<SubjectData, Failure>,
    /// The selected candidate, field or task.
    pub selected: usize,
    /// The erasure plan's first line on screen.
    pub scroll: u16,
    /// Corrections typed and kept (`a` in the confirmation) to be made together with the next:
    /// the request they are for, and each field with its requested value.
    pub staged: Option<(String, Vec<(RectifiableField, String)>)>,
}

impl SubjectState {
    /// The corrections kept for `reference` (none for another request).
    pub fn staged_for(&self, reference: &str) -> &[(RectifiableField, String)] {
        match &self.staged {
            Some((r, staged)) if r == reference => staged,
            _ => &[],
        }
    }
}

impl SubjectState {
    /// How many rows the screen's list has (candidates, fields, tasks).
    pub(super) fn list_len(&self) -> usize {
        let Some((_, screen)) = &self.shown else { return 0 };
        let Some(d) = &self.load.data else { return 0 };
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

impl App {
    // ---- the request's subject: identity, erasure, rectification, Art. 19 ----

    pub(super) fn go_subject(&mut self, screen: SubjectScreen) -> Vec<Effect> {
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
    /// The request as last loaded by the detail or a subject screen, if it is this one: the
    /// newer of the two (the higher version), since a change made on a subject screen (a
    /// verification, an erasure) leaves the detail screen's copy behind until it is shown again.
    pub(in crate::tui) fn known_request(&self, reference: &str) -> Option<&RequestRecord> {
        let from_detail =
            self.detail.load.data.as_ref().map(|d| &d.request).filter(|r| r.reference == reference);
        let from_subject =
            self.subject.load.data.as_ref().map(|d| &d.detail.request).filter(|r| r.reference == reference);
        [from_detail, from_subject].into_iter().flatten().max_by_key(|r| r.version)
    }

    pub(in crate::tui) fn known_kind(&self, reference: &str) -> Option<RequestKind> {
        let from_detail = self
            .detail
            .load
            .data
            .as_ref()
            .filter(|d| d.request.reference == reference)
            .map(|d| d.request.kind);
        from_detail.or_else(|| {
            self.subject
                .load
                .data
                .as_ref()
                .filter(|d| d.detail.request.reference == reference)
                .map(|d| d.detail.request.kind)
        })
    }

    /// Run `f` with what the subject screen shows, or say it is not there yet.
    pub(super) fn with_subject(
        &mut self,
        f: impl FnOnce(&mut App, &SubjectData) -> Vec<Effect>,
    ) -> Vec<Effect> {
        let shown = match (&self.screen, &self.subject.load.data) {
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

    pub(super) fn identity_key(&self) -> String {
        self.keymap().hint(Context::Subject, &Action::GoIdentity)
    }

    pub(super) fn link(&mut self) -> Vec<Effect> {
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

    pub(super) fn unlink(&mut self) -> Vec<Effect> {
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

    pub(super) fn verify(&mut self) -> Vec<Effect> {
        self.with_subject(|app, d| {
            let r = &d.detail.request;
            if let Some(v) = &d.detail.verification {
                app.info(
                    StatusKind::Info,
                    format!(
                        "identity was already verified on {} by {} ({})",
                        r.jurisdiction.local_date(v.verified_at),
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
                names: vec![],
            });
            vec![]
        })
    }

    pub(super) fn execute_erasure(&mut self) -> Vec<Effect> {
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
            lines.push(format!("follow-up   {}", plan_follow_up_text(plan)));
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

    pub(super) fn forward_to_client(&mut self) -> Vec<Effect> {
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

    pub(super) fn correct(&mut self) -> Vec<Effect> {
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

    pub(super) fn tick_task(&mut self) -> Vec<Effect> {
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
                        r.jurisdiction.local_date(done),
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

    pub(super) fn restrict(&mut self, lift: bool) -> Vec<Effect> {
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

    pub(super) fn opt_out(&mut self) -> Vec<Effect> {
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

    pub(super) fn decide_objection(&mut self) -> Vec<Effect> {
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
                names: vec![],
            });
            vec![]
        })
    }
}
