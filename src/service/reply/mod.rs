//! Replies to the data subject: composing one from its template with the facts of the request
//! (what was erased and what is kept, what was corrected, the decision on an objection), drafts
//! that survive a dropped session, and queueing the reply in the outbox together with the
//! request's status change — one transaction.

use super::{Desk, Operator, normalize_reference};
use crate::domain::RequestKind;
use crate::domain::intake::Language;
use crate::domain::text::{escape_line, escape_multiline};
use crate::error::{Error, Result};
use crate::mail::templates::{Purpose, Rendered, Values};
use crate::store::requests::{self as store, EventRecord, RequestRecord};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

mod drafts;
mod words;
pub use drafts::Draft;
pub use words::*;

/// What the DPO asks for when composing: the template, the language, and the words only they
/// can give (what information is needed, the reasons for an extension or a refusal, the client).
#[derive(Debug, Clone, Default)]
pub struct ComposeInput {
    pub language: Option<Language>,
    /// `information_needed`, `extension_reason` or `refusal_reason`; the client's name for a
    /// forwarded reply when the request does not name one.
    pub detail: Option<String>,
    /// How the attachments are described (`{{attachments}}`), one line each.
    pub attachment_lines: Vec<String>,
}

/// A reply filled in from its template, ready for the editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Composed {
    pub purpose: Purpose,
    pub language: Language,
    pub from_name: String,
    pub from_address: String,
    pub to_name: Option<String>,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    /// The template file it came from.
    pub template: String,
}

/// A reply to queue: the template and what the DPO wrote (the edited subject and body replace
/// the template's when given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyOrder {
    pub purpose: Purpose,
    pub language: Option<Language>,
    pub detail: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
    /// `access` or `portability`: the export to attach.
    pub attach: Option<String>,
    pub encrypt: bool,
}

/// A file attached to a queued reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachedFile {
    pub file_name: String,
    pub size: u64,
    pub sha256: String,
}

/// What queueing a reply did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueuedReply {
    pub reference: String,
    pub purpose: Purpose,
    pub outbox_id: i64,
    pub message_id: String,
    pub to_address: String,
    /// The request's status after it.
    pub status: crate::domain::RequestStatus,
    pub attachments: Vec<AttachedFile>,
    /// The bundle's passphrase, shown once to the DPO for a second channel; never stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passphrase: Option<String>,
}

/// The rows the linked persons still have in the ledger, through the data map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowsHeld {
    pub persons: Vec<String>,
    /// Rows the agency holds as controller, per source.
    pub ours: BTreeMap<String, usize>,
    /// Rows held only as a client's processor (Art. 28), per client.
    pub processor: BTreeMap<String, usize>,
}

impl RowsHeld {
    pub fn total(&self) -> usize {
        self.ours.values().sum::<usize>() + self.processor.values().sum::<usize>()
    }
}

impl Desk {
    /// Every row of the request's linked persons left in any source of the data map.
    pub async fn rows_held(&self, r: &RequestRecord) -> Result<RowsHeld> {
        let checked = self.checked_map().await?;
        let mut conn = self.pool().acquire().await?;
        let persons = super::subject::linked_person_ids(&mut conn, r.id).await?;
        let mut held = RowsHeld { persons: persons.clone(), ..RowsHeld::default() };
        for person in &persons {
            for source in &self.config().data_map.sources {
                let rows = crate::store::ledger::rows_of(
                    &mut conn,
                    source,
                    &checked.data_columns[&source.name],
                    person,
                )
                .await?;
                for row in rows {
                    // An anonymised row (every `anonymise` column empty) no longer relates to the
                    // person (Recital 26): it is erased, not kept.
                    let anonymised = source.erase == crate::datamap::EraseMethod::Anonymise
                        && source.anonymise.iter().all(|c| {
                            row.data.iter().find(|(name, _)| name == c).is_none_or(|(_, v)| v.is_null())
                        });
                    if anonymised {
                        continue;
                    }
                    match row.facts.processor_client {
                        Some(client) => *held.processor.entry(client).or_default() += 1,
                        None => *held.ours.entry(source.name.clone()).or_default() += 1,
                    }
                }
            }
        }
        Ok(held)
    }

    /// `{{processor_part}}` (Art. 28; seed 004 §6.2): for each client whose data the request
    /// touches, that the client answers for it, how to reach it, and whether we have told it
    /// ("we have forwarded" only when the task is ticked). Empty when nothing is held for a client.
    pub async fn processor_part(
        &self,
        r: &RequestRecord,
        held: &RowsHeld,
        language: Language,
    ) -> Result<String> {
        if held.processor.is_empty() {
            return Ok(String::new());
        }
        let mut conn = self.pool().acquire().await?;
        let tasks = crate::store::tasks::processor_tasks_of(&mut conn, r.id).await?;
        let mut paragraphs = Vec::new();
        for (client, n) in &held.processor {
            let task = tasks.iter().find(|t| &t.client == client);
            let contact = match task.and_then(|t| t.contact.clone()) {
                Some(c) => c,
                None => crate::store::ledger::client_contact(&mut conn, &self.config().data_map, client)
                    .await?
                    .unwrap_or_else(|| client.clone()),
            };
            let told = task.is_some_and(|t| t.done_at.is_some());
            paragraphs.push(match language {
                Language::Sv => format!(
                    "En del av uppgifterna om dig ({}) behandlar vi för {client} som personuppgiftsbiträde (artikel 28 i dataskyddsförordningen). {client} är personuppgiftsansvarig för dem och besvarar din begäran för den delen; kontakt: {contact}. {}",
                    rows_words(*n, language),
                    if told {
                        format!("Vi har vidarebefordrat din begäran till {client}.")
                    } else {
                        format!("Vi vidarebefordrar din begäran till {client}.")
                    }
                ),
                Language::Fi => format!(
                    "Osaa sinua koskevista tiedoista ({}) käsittelemme toimeksiantajamme {client} lukuun henkilötietojen käsittelijänä (tietosuoja-asetuksen 28 artikla). {client} on niiden rekisterinpitäjä ja vastaa pyyntöösi niiden osalta; yhteystieto: {contact}. {}",
                    rows_words(*n, language),
                    if told {
                        format!("Olemme välittäneet pyyntösi: {client}.")
                    } else {
                        format!("Välitämme pyyntösi: {client}.")
                    }
                ),
                Language::En => format!(
                    "Part of the data about you ({}) we process on behalf of {client} as its processor (Article 28 GDPR). {client} is the controller of that data and answers your request for it; contact: {contact}. {}",
                    rows_words(*n, language),
                    if told {
                        format!("We have forwarded your request to {client}.")
                    } else {
                        format!("We will forward your request to {client}.")
                    }
                ),
            });
        }
        Ok(paragraphs.join("\n\n"))
    }

    /// `{{recipient_notices}}` (Art. 19): "we have told" only the recipients whose task is ticked;
    /// the rest "we will tell", by name; and the subject's right to be told who they are.
    pub fn recipient_notices(&self, tasks: &[super::rights::RecipientTask], language: Language) -> String {
        let map = &self.config().data_map;
        let mut told: Vec<String> = Vec::new();
        let mut to_tell: Vec<String> = Vec::new();
        for t in tasks {
            let name = map.recipient_name(&t.recipient, language);
            let list = if t.done_at.is_some() { &mut told } else { &mut to_tell };
            if !list.contains(&name) {
                list.push(name);
            }
        }
        to_tell.retain(|n| !told.contains(n));
        let words = recipient_notice_words(language);
        let mut out = Vec::new();
        if told.is_empty() && to_tell.is_empty() {
            out.push(words.nobody.to_string());
        }
        if !told.is_empty() {
            out.push(format!("{}: {}.", words.told, told.join("; ")));
        }
        if !to_tell.is_empty() {
            out.push(format!("{}: {}.", words.will_tell, to_tell.join("; ")));
        }
        if !(told.is_empty() && to_tell.is_empty()) {
            out.push(words.right_to_know.to_string());
        }
        out.join(" ")
    }

    /// Fill in a reply's template with what the request's history says. Refuses a template that
    /// does not fit the request (an erasure reply before the erasure, "erased in full" when
    /// something is kept) — the wrong letter is worse than none.
    pub async fn compose_reply(
        &self,
        reference: &str,
        purpose: Purpose,
        input: &ComposeInput,
        now: DateTime<Utc>,
    ) -> Result<Composed> {
        let reference = normalize_reference(reference)?;
        let mut conn = self.pool().acquire().await?;
        let request = store::fetch_by_reference(&mut conn, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        drop(conn);
        let events = store::events_of(self.pool(), request.id).await?;
        let controller = self.config().controller(request.jurisdiction);
        let language = input
            .language
            .unwrap_or_else(|| controller.reply_language(request.jurisdiction, language_of(&request)));
        let to_address = request.requester_email.clone().ok_or_else(|| {
            Error::rule(
                &reference,
                "the request has no e-mail address to reply to: answer by post, and record the answer with `dsrdesk status`",
            )
        })?;
        check_fits(&request, purpose)?;
        let mut values = self.common_values(&request, language, input, now);
        let held = self.rows_held(&request).await?;
        values.insert("processor_part", self.processor_part(&request, &held, language).await?);
        self.purpose_values(&request, &events, purpose, language, input, now, &mut values).await?;
        let template = self.config().templates.get(purpose, language);
        let Rendered { subject, body } =
            template.render(&values).map_err(|e| Error::Invalid(e.to_string()))?;
        // An empty paragraph (no processor part) leaves no gap.
        let mut body = body;
        while body.contains("\n\n\n") {
            body = body.replace("\n\n\n", "\n\n");
        }
        Ok(Composed {
            purpose,
            language,
            from_name: controller.name.clone(),
            from_address: controller.contact.email.clone(),
            to_name: request.requester_name.clone(),
            to_address,
            subject,
            body,
            template: template.origin.clone(),
        })
    }

    fn common_values(
        &self,
        r: &RequestRecord,
        language: Language,
        input: &ComposeInput,
        now: DateTime<Utc>,
    ) -> Values {
        let controller = self.config().controller(r.jurisdiction);
        let authority = r.jurisdiction.authority(language);
        let today = r.jurisdiction.local_date(now);
        let mut v = Values::new();
        v.insert("reference", r.reference.clone());
        v.insert(
            "requester_name",
            r.requester_name.clone().or_else(|| r.requester_email.clone()).unwrap_or_default(),
        );
        v.insert("request_kind", kind_words(r.kind, language).to_string());
        v.insert("received_on", date_words(r.received_on, language));
        v.insert("due_on", date_words(r.due_on, language));
        v.insert("today", date_words(today, language));
        v.insert("controller_name", controller.name.clone());
        v.insert("controller_email", controller.contact.email.clone());
        v.insert("controller_postal_address", controller.contact.postal_address.clone());
        v.insert("controller_phone", controller.contact.phone.clone().unwrap_or_default());
        v.insert("authority_name", authority.name.to_string());
        v.insert("authority_postal_address", authority.postal_address.to_string());
        v.insert("authority_website", authority.website.to_string());
        v.insert(
            "complaint_rights",
            complaint_rights(r.jurisdiction, r.requester_address.as_deref(), language),
        );
        v.insert(
            "attachments",
            if input.attachment_lines.is_empty() {
                none_words(language).to_string()
            } else {
                input.attachment_lines.iter().map(|l| format!("• {l}")).collect::<Vec<_>>().join("\n")
            },
        );
        v
    }

    #[allow(clippy::too_many_arguments)]
    async fn purpose_values(
        &self,
        r: &RequestRecord,
        events: &[EventRecord],
        purpose: Purpose,
        language: Language,
        input: &ComposeInput,
        now: DateTime<Utc>,
        v: &mut Values,
    ) -> Result<()> {
        let detail = input.detail.as_deref().map(str::trim).filter(|d| !d.is_empty());
        let need_detail = |what: &str| {
            detail.map(str::to_string).ok_or_else(|| {
                Error::rule(&r.reference, format!("a {purpose} reply needs {what} (--reason)"))
            })
        };
        let titles: BTreeMap<&str, &str> =
            self.config().data_map.sources.iter().map(|s| (s.name.as_str(), s.title_in(language))).collect();
        let title = |name: &str| titles.get(name).copied().unwrap_or(name).to_string();
        match purpose {
            Purpose::Acknowledgement => {
                let promise = answer_promise(r, language, detail, r.jurisdiction.local_date(now))?;
                v.insert("answer_promise", promise);
            }
            Purpose::AccessReply | Purpose::PortabilityReply => {}
            Purpose::NoData => {
                // Art. 15(1): the confirmation must be true — no linked person has a row left,
                // and the ledger has no one matching the requester.
                let held = self.rows_held(r).await?;
                if held.total() > 0 {
                    return Err(Error::rule(
                        &r.reference,
                        format!(
                            "the linked persons have {} rows in the ledger: send the access copy, not \"we hold no data\"",
                            held.total()
                        ),
                    ));
                }
                if held.persons.is_empty() {
                    let mut conn = self.pool().acquire().await?;
                    let found = crate::store::ledger::candidates(
                        &mut conn,
                        &self.config().data_map,
                        r.requester_personal_number.as_deref(),
                        r.requester_email.as_deref(),
                        r.requester_name.as_deref(),
                    )
                    .await?;
                    if !found.is_empty() {
                        return Err(Error::rule(
                            &r.reference,
                            format!(
                                "{} ledger persons match the requester: link or rule them out (`dsrdesk link`) before answering \"we hold no data\"",
                                found.len()
                            ),
                        ));
                    }
                }
            }
            Purpose::IdentityRequest => {
                v.insert("information_needed", need_detail("what information is needed")?);
            }
            Purpose::Extension => {
                // Art. 12(3): one extension, one set of reasons. Once recorded, the letter states
                // the recorded reasons and no others; before, the letter's reasons are recorded
                // with it when it is queued.
                let reason = match (&r.extension_reason, detail) {
                    (Some(recorded), Some(d)) if d != recorded.trim() => {
                        return Err(Error::rule(
                            &r.reference,
                            format!(
                                "the extension was recorded with the reasons {recorded:?}; the letter states those (leave out --reason)"
                            ),
                        ));
                    }
                    (Some(recorded), _) => recorded.clone(),
                    (None, Some(d)) => d.to_string(),
                    (None, None) => {
                        return Err(Error::rule(
                            &r.reference,
                            "an extension notice needs the reasons (--reason)",
                        ));
                    }
                };
                v.insert("extension_reason", reason);
                // The notice states the extended date: what the deadline becomes with the extension.
                let mut extended = r.clone();
                extended.extended_on.get_or_insert(r.jurisdiction.local_date(now));
                self.apply_deadline(&mut extended)?;
                v.insert("due_on", date_words(extended.due_on, language));
            }
            Purpose::Refusal => {
                v.insert("refusal_reason", need_detail("the reasons for the refusal")?);
            }
            Purpose::Forwarded => {
                // "Forwarded" alone only when every row is held for a client (Art. 28).
                let held = self.rows_held(r).await?;
                if !held.ours.is_empty() {
                    return Err(Error::rule(
                        &r.reference,
                        format!(
                            "the agency is controller of {} rows of the linked persons: answer that part with the reply that fits the request; the processor part is a task (`dsrdesk forward`) and is named in that reply",
                            held.ours.values().sum::<usize>()
                        ),
                    ));
                }
                let client = match detail {
                    Some(d) => d.to_string(),
                    None => forwarded_client(events).ok_or_else(|| {
                        Error::rule(&r.reference, "name the client the request was forwarded to (--reason)")
                    })?,
                };
                v.insert("client_name", client);
            }
            Purpose::RectificationDone => {
                let lines: Vec<String> = events
                    .iter()
                    .filter(|e| e.action == "rectified")
                    .map(|e| {
                        let d = &e.details;
                        format!(
                            "• {}, {}: «{}» → «{}»",
                            title(d["source"].as_str().unwrap_or("")),
                            d["column"].as_str().unwrap_or(""),
                            d["old_value"].as_str().unwrap_or(""),
                            d["new_value"].as_str().unwrap_or("")
                        )
                    })
                    .collect();
                if lines.is_empty() {
                    return Err(Error::rule(&r.reference, "nothing was rectified yet (`dsrdesk rectify`)"));
                }
                v.insert("rectified_fields", lines.join("\n"));
            }
            Purpose::ErasureDone | Purpose::ErasurePartlyRefused => {
                if last_event(events, "erasure_executed").is_none() {
                    return Err(Error::rule(
                        &r.reference,
                        "the erasure has not been carried out yet (`dsrdesk execute`): the reply reports what was done",
                    ));
                }
                let mut erased: BTreeMap<String, u64> = BTreeMap::new();
                for e in events.iter().filter(|e| e.action == "erasure_source") {
                    let n = e.details["deleted"].as_u64().unwrap_or(0)
                        + e.details["anonymised"].as_u64().unwrap_or(0);
                    if n > 0 {
                        *erased.entry(title(e.details["source"].as_str().unwrap_or(""))).or_default() += n;
                    }
                }
                let erased_lines: Vec<String> = erased
                    .iter()
                    .map(|(t, n)| format!("• {t} ({})", rows_words(*n as usize, language)))
                    .collect();
                v.insert(
                    "erased_data",
                    if erased_lines.is_empty() {
                        none_words(language).to_string()
                    } else {
                        erased_lines.join("\n")
                    },
                );
                let plan = self.erasure_plan(&r.reference, now).await?;
                let kept = kept_lines(&plan, language, title);
                // "Erased in full" only when no row of the linked persons remains in any source
                // (Art. 17): a row kept for a client, or not reached, is not erased.
                let held = self.rows_held(r).await?;
                if purpose == Purpose::ErasureDone && held.total() > 0 {
                    return Err(Error::rule(
                        &r.reference,
                        format!(
                            "{} rows of the linked persons remain in the ledger: send erasure_partly_refused, which says what is kept, why and until when",
                            held.total()
                        ),
                    ));
                }
                if purpose == Purpose::ErasurePartlyRefused && held.total() == 0 {
                    return Err(Error::rule(&r.reference, "nothing is kept any more: send erasure_done"));
                }
                if purpose == Purpose::ErasureDone && !kept.is_empty() {
                    return Err(Error::rule(
                        &r.reference,
                        format!(
                            "{} rows are kept under a hold: send erasure_partly_refused, which says what is kept, why and until when",
                            plan.keep_count()
                        ),
                    ));
                }
                if purpose == Purpose::ErasurePartlyRefused {
                    let kept = if kept.is_empty() { vec![none_words(language).to_string()] } else { kept };
                    v.insert("kept_data", kept.join("\n"));
                    v.insert("follow_up", follow_up_words_for(&plan, language));
                }
            }
            Purpose::RestrictionConfirmed => {
                let restricted = last_event(events, "restriction").ok_or_else(|| {
                    Error::rule(&r.reference, "nothing is restricted yet (`dsrdesk restrict`)")
                })?;
                v.insert(
                    "restriction_reason",
                    restricted.details["reason"].as_str().unwrap_or("").to_string(),
                );
            }
            Purpose::ObjectionOutcome => {
                let (decision, grounds) = objection_words(events, language).ok_or_else(|| {
                    Error::rule(
                        &r.reference,
                        "no decision on the objection is recorded (`dsrdesk object --marketing` or `--decision`)",
                    )
                })?;
                v.insert("objection_decision", decision);
                v.insert("objection_grounds", grounds);
            }
        }
        if purpose.own_placeholders().contains(&"recipient_notices") {
            let tasks = self.recipient_tasks(&r.reference).await?;
            v.insert("recipient_notices", self.recipient_notices(&tasks, language));
        }
        Ok(())
    }

    /// Queue a reply: the export it carries is written first (its own event), then one
    /// transaction holds the request's status change and its event, the outbox row with its
    /// event, and the draft's removal. Data leaves only for a verified requester (Art. 12(6)),
    /// checked here and by the database.
    pub async fn queue_reply(
        &self,
        operator: &Operator,
        reference: &str,
        order: &ReplyOrder,
        now: DateTime<Utc>,
    ) -> Result<QueuedReply> {
        let reference = normalize_reference(reference)?;
        let mut conn = self.pool().acquire().await?;
        let request = store::fetch_by_reference(&mut conn, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        drop(conn);
        let purpose = order.purpose;
        let attach = order.attach.as_deref().map(parse_attach).transpose()?;
        // An access reply carries the access copy (Art. 15(3)); a portability reply the bundle
        // (Art. 20(1)); "we hold no data" carries nothing.
        let wanted = match purpose {
            Purpose::AccessReply => Some(Some(crate::export::ExportFormat::Access)),
            Purpose::PortabilityReply => Some(Some(crate::export::ExportFormat::Portability)),
            Purpose::NoData => Some(None),
            _ => None,
        };
        if let Some(wanted) = wanted
            && wanted != attach
        {
            return Err(Error::rule(
                &reference,
                match wanted {
                    Some(crate::export::ExportFormat::Access) => {
                        "an access reply carries the access copy (attach access), or is the \"we hold no data\" answer (no_data)".to_string()
                    }
                    Some(crate::export::ExportFormat::Portability) => {
                        "a portability reply carries the bundle (attach portability)".to_string()
                    }
                    None => "a \"we hold no data\" answer carries no attachment".to_string(),
                },
            ));
        }
        if purpose.carries_data() || attach.is_some() {
            super::erasure::require_verified(
                &request,
                &format!("{purpose} reply carrying the subject's data"),
            )?;
        }
        if !request.status.is_open() && purpose.closes_as() != Some(request.status) {
            return Err(Error::rule(&reference, format!("the request is closed ({})", request.status)));
        }
        // The attachment, made from the data as it is now.
        let scratch = tempfile::Builder::new().prefix("dsrdesk-reply-").tempdir().map_err(|e| {
            Error::Invalid(format!("cannot make a private scratch directory for the attachment: {e}"))
        })?;
        let mut attachments = Vec::new();
        let mut attached = Vec::new();
        let mut passphrase = None;
        let mut attachment_lines = Vec::new();
        if let Some(format) = attach {
            let options =
                crate::export::ExportOptions { format, language: order.language, encrypt: order.encrypt };
            let outcome = self.export(&reference, &options, scratch.path(), operator, now).await?;
            let content = std::fs::read(&outcome.file.path).map_err(|e| {
                Error::Invalid(format!("cannot read the export {}: {e}", outcome.file.path.display()))
            })?;
            attachment_lines.push(outcome.file.file_name.clone());
            attached.push(AttachedFile {
                file_name: outcome.file.file_name.clone(),
                size: outcome.file.size,
                sha256: outcome.file.sha256.clone(),
            });
            attachments.push(crate::store::outbox::NewAttachment {
                file_name: outcome.file.file_name.clone(),
                content_type: outcome.file.content_type.to_string(),
                content,
            });
            passphrase = outcome.passphrase;
        }
        drop(scratch);
        let input = ComposeInput { language: order.language, detail: order.detail.clone(), attachment_lines };
        let composed = self.compose_reply(&reference, purpose, &input, now).await?;
        let subject = order.subject.clone().unwrap_or_else(|| composed.subject.clone());
        let body = order.body.clone().unwrap_or_else(|| composed.body.clone());
        if subject.trim().is_empty() || body.trim().is_empty() {
            return Err(Error::Invalid(format!("{reference}: a reply needs a subject and a text")));
        }
        // Art. 12(4): an edit may change the words, not drop the right to complain.
        let authority = request.jurisdiction.authority(composed.language);
        if purpose.required_placeholders().contains(&"complaint_rights") && !body.contains(authority.name) {
            return Err(Error::rule(
                &reference,
                format!(
                    "a {purpose} reply must tell the subject of the right to complain to {} and to go to court (Art. 12(4)); the paragraph was removed from the text",
                    authority.name
                ),
            ));
        }

        let mut tx = self.pool().begin().await?;
        let detail = order.detail.as_deref().map(str::trim).filter(|d| !d.is_empty());
        let after = match purpose {
            Purpose::Extension if request.extended_on.is_none() => {
                let reason =
                    detail.ok_or_else(|| Error::rule(&reference, "an extension needs its reasons"))?;
                self.change_in(&mut tx, operator, &reference, None, now, self.extend_rule(reason, now))
                    .await?
            }
            Purpose::IdentityRequest if request.paused_since.is_none() => {
                let reason =
                    detail.ok_or_else(|| Error::rule(&reference, "say what information is needed"))?;
                self.change_in(&mut tx, operator, &reference, None, now, super::pause_rule(reason, now))
                    .await?
            }
            _ => match purpose.closes_as() {
                Some(status) if status != request.status => {
                    let reason = match purpose {
                        Purpose::Forwarded => Some(format!(
                            "forwarded to the controller, {}: the agency holds this data as its processor (GDPR Art. 28)",
                            // Composing refused a forwarded reply without the client's name.
                            detail.unwrap_or_default()
                        )),
                        _ => detail.map(str::to_string),
                    };
                    self.change_in(
                        &mut tx,
                        operator,
                        &reference,
                        None,
                        now,
                        super::status_rule(status, reason.as_deref(), now),
                    )
                    .await?
                }
                _ => store::lock_by_reference(&mut tx, &reference)
                    .await?
                    .ok_or_else(|| Error::NotFound(reference.clone()))?,
            },
        };
        // The processor part is a task on the request (seed 004 §6.2); a forwarded reply is the
        // forward itself, so its task is ticked with it.
        let held = self.rows_held(&request).await?;
        let clients: Vec<String> = held.processor.keys().cloned().collect();
        self.ensure_processor_tasks(&mut tx, request.id, &clients, now).await?;
        if purpose == Purpose::Forwarded {
            let client = match detail {
                Some(d) => Some(d.to_string()),
                None => forwarded_client(&store::events_of(self.pool(), request.id).await?),
            };
            if let Some(client) = client {
                self.processor_part_forwarded(&mut tx, operator, request.id, &client, now).await?;
            }
        }
        let queued = crate::store::outbox::enqueue(
            &mut tx,
            &crate::store::outbox::NewOutgoing {
                request_id: request.id,
                purpose: purpose.name().to_string(),
                language: composed.language.as_str().to_string(),
                from_name: composed.from_name.clone(),
                from_address: composed.from_address.clone(),
                to_name: composed.to_name.clone(),
                to_address: composed.to_address.clone(),
                subject: escape_line(&subject).into_owned(),
                body: escape_multiline(&body).into_owned(),
                carries_data: purpose.carries_data() || !attachments.is_empty(),
                attachments,
                queued_by: operator.user.clone(),
            },
            now,
        )
        .await?;
        crate::store::drafts::delete_draft_of(&mut tx, request.id, &operator.user).await?;
        tx.commit().await?;
        tracing::info!(
            reference = %reference,
            outbox_id = queued.id,
            purpose = purpose.name(),
            attachments = attached.len(),
            "reply queued"
        );
        Ok(QueuedReply {
            reference,
            purpose,
            outbox_id: queued.id,
            message_id: queued.message_id,
            to_address: composed.to_address,
            status: after.status,
            attachments: attached,
            passphrase,
        })
    }
}

/// Which replies fit which requests. The general ones (acknowledgement, asking for identity
/// information, extension, refusal, forwarding) fit every kind.
fn purpose_fits(purpose: Purpose, kind: RequestKind) -> bool {
    match purpose {
        Purpose::AccessReply => kind == RequestKind::Access,
        // Art. 15(1): "we hold no data" confirms, for access or portability alike.
        Purpose::NoData => matches!(kind, RequestKind::Access | RequestKind::Portability),
        Purpose::PortabilityReply => kind == RequestKind::Portability,
        Purpose::RectificationDone => kind == RequestKind::Rectification,
        Purpose::ErasureDone | Purpose::ErasurePartlyRefused => kind == RequestKind::Erasure,
        Purpose::RestrictionConfirmed => kind == RequestKind::Restriction,
        Purpose::ObjectionOutcome => kind == RequestKind::Objection,
        _ => true,
    }
}

fn check_fits(r: &RequestRecord, purpose: Purpose) -> Result<()> {
    if !purpose_fits(purpose, r.kind) {
        return Err(Error::rule(
            &r.reference,
            format!("a {purpose} reply does not fit a {} request", r.kind),
        ));
    }
    Ok(())
}

fn parse_attach(s: &str) -> Result<crate::export::ExportFormat> {
    match s {
        "access" => Ok(crate::export::ExportFormat::Access),
        "portability" => Ok(crate::export::ExportFormat::Portability),
        other => Err(Error::Invalid(format!("attach {other:?}: expected access or portability"))),
    }
}
