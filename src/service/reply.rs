//! Replies to the data subject: composing one from its template with the facts of the request
//! (what was erased and what is kept, what was corrected, the decision on an objection), drafts
//! that survive a dropped session, and queueing the reply in the outbox together with the
//! request's status change — one transaction.

use super::{Desk, Operator, normalize_reference};
use crate::domain::RequestKind;
use crate::domain::holds::HoldKind;
use crate::domain::intake::Language;
use crate::domain::plan::{ErasurePlan, FollowUp, RowAction};
use crate::domain::text::{escape_line, escape_multiline};
use crate::error::{Error, Result};
use crate::mail::templates::{Purpose, Rendered, Values};
use crate::store::requests::{self as store, EventRecord, RequestRecord};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

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

/// A draft being written: saved as it is typed, so a dropped SSH session loses nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Draft {
    pub purpose: String,
    pub language: String,
    pub detail: Option<String>,
    pub subject: String,
    pub body: String,
    /// `access` or `portability`: the export to attach.
    pub attach: Option<String>,
    pub encrypt: bool,
    pub updated_at: DateTime<Utc>,
}

/// The request's kind as the subject would name the right.
pub fn kind_words(kind: RequestKind, language: Language) -> &'static str {
    use Language::*;
    use RequestKind::*;
    match (kind, language) {
        (Access, Sv) => "tillgång till dina personuppgifter",
        (Access, Fi) => "pääsy omiin tietoihin",
        (Access, En) => "access to your personal data",
        (Rectification, Sv) => "rättelse",
        (Rectification, Fi) => "tietojen oikaiseminen",
        (Rectification, En) => "rectification",
        (Erasure, Sv) => "radering",
        (Erasure, Fi) => "tietojen poistaminen",
        (Erasure, En) => "erasure",
        (Restriction, Sv) => "begränsning av behandling",
        (Restriction, Fi) => "käsittelyn rajoittaminen",
        (Restriction, En) => "restriction of processing",
        (Portability, Sv) => "dataportabilitet",
        (Portability, Fi) => "tietojen siirtäminen järjestelmästä toiseen",
        (Portability, En) => "data portability",
        (Objection, Sv) => "invändning mot behandling",
        (Objection, Fi) => "käsittelyn vastustaminen",
        (Objection, En) => "objection to processing",
    }
}

/// Dates as each language writes them.
pub fn date_words(date: NaiveDate, language: Language) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    match language {
        Language::Sv => date.format("%Y-%m-%d").to_string(),
        Language::Fi => format!("{}.{}.{}", date.day(), date.month(), date.year()),
        Language::En => format!("{} {} {}", date.day(), MONTHS[date.month0() as usize], date.year()),
    }
}

/// Why a row is kept, in the subject's language, with the article (Art. 17(3)).
pub fn hold_words(kind: HoldKind, language: Language) -> &'static str {
    use HoldKind::*;
    use Language::*;
    match (kind, language) {
        (OpenClaim, Sv) => "fordran är obetald och måste kunna drivas in (artikel 17.3 e)",
        (OpenClaim, Fi) => {
            "saatava on maksamatta, ja sen periminen edellyttää tietoja (17 artiklan 3 kohdan e alakohta)"
        }
        (OpenClaim, En) => {
            "the claim is unpaid and must be established, exercised or defended (Article 17(3)(e))"
        }
        (EnforcementOrLitigation, Sv) => "ärendet är hos Kronofogden eller i domstol (artikel 17.3 e)",
        (EnforcementOrLitigation, Fi) => {
            "asia on ulosotossa tai tuomioistuimessa (17 artiklan 3 kohdan e alakohta)"
        }
        (EnforcementOrLitigation, En) => {
            "the claim is with the enforcement authority or in court (Article 17(3)(e))"
        }
        (BookkeepingSweden, Sv) => {
            "bokföringslagen (1999:1078) 7 kap. 2 § kräver att räkenskapsinformation sparas (artikel 17.3 b)"
        }
        (BookkeepingSweden, Fi) => {
            "Ruotsin kirjanpitolaki (bokföringslagen 7:2) edellyttää kirjanpitoaineiston säilyttämistä (17 artiklan 3 kohdan b alakohta)"
        }
        (BookkeepingSweden, En) => {
            "the Swedish Bookkeeping Act (bokföringslagen 7:2) requires accounting records to be kept (Article 17(3)(b))"
        }
        (BookkeepingFinlandBooks, Sv) => {
            "finska bokföringslagen (kirjanpitolaki 2:10) kräver att bokföringen sparas i tio år (artikel 17.3 b)"
        }
        (BookkeepingFinlandBooks, Fi) => {
            "kirjanpitolain 2 luvun 10 § edellyttää kirjanpidon säilyttämistä kymmenen vuotta (17 artiklan 3 kohdan b alakohta)"
        }
        (BookkeepingFinlandBooks, En) => {
            "the Finnish Accounting Act (kirjanpitolaki 2:10) requires the books to be kept for ten years (Article 17(3)(b))"
        }
        (BookkeepingFinlandVouchers, Sv) => {
            "finska bokföringslagen (kirjanpitolaki 2:10) kräver att verifikationer och korrespondens sparas i sex år (artikel 17.3 b)"
        }
        (BookkeepingFinlandVouchers, Fi) => {
            "kirjanpitolain 2 luvun 10 § edellyttää tositteiden ja kirjeenvaihdon säilyttämistä kuusi vuotta (17 artiklan 3 kohdan b alakohta)"
        }
        (BookkeepingFinlandVouchers, En) => {
            "the Finnish Accounting Act (kirjanpitolaki 2:10) requires vouchers and correspondence to be kept for six years (Article 17(3)(b))"
        }
        (AntiMoneyLaundering, Sv) => {
            "lagstiftningen mot penningtvätt kräver att uppgifterna sparas i minst fem år (artikel 17.3 b)"
        }
        (AntiMoneyLaundering, Fi) => {
            "rahanpesulainsäädäntö edellyttää tietojen säilyttämistä vähintään viisi vuotta (17 artiklan 3 kohdan b alakohta)"
        }
        (AntiMoneyLaundering, En) => {
            "anti-money-laundering law requires the data to be kept for at least five years (Article 17(3)(b))"
        }
        (AgencyPolicy, Sv) => {
            "vår fastställda tid för klagomål och tvister om indrivningen efter att ärendet avslutats (artikel 17.3 e)"
        }
        (AgencyPolicy, Fi) => {
            "vahvistamamme säilytysaika perintää koskevia valituksia ja riitoja varten asian päättymisen jälkeen (17 artiklan 3 kohdan e alakohta)"
        }
        (AgencyPolicy, En) => {
            "our set period for complaints and disputes about the collection after the case closed (Article 17(3)(e))"
        }
        (ProcessorRole, Sv) => "vi behandlar uppgifterna för vår uppdragsgivares räkning (artikel 28)",
        (ProcessorRole, Fi) => "käsittelemme tietoja toimeksiantajamme lukuun (28 artikla)",
        (ProcessorRole, En) => "we process the data on behalf of our client (Article 28)",
    }
}

/// Until when a hold lasts, in words.
fn until_words(kind: HoldKind, until: Option<NaiveDate>, language: Language) -> String {
    match (until, language) {
        (Some(d), Language::Sv) => format!("sparas till och med {}", date_words(d, language)),
        (Some(d), Language::Fi) => format!("säilytetään {} asti", date_words(d, language)),
        (Some(d), Language::En) => format!("kept until {}", date_words(d, language)),
        (None, language) => match (kind, language) {
            (HoldKind::OpenClaim, Language::Sv) => "sparas tills fordran är betald".into(),
            (HoldKind::OpenClaim, Language::Fi) => "säilytetään, kunnes saatava on maksettu".into(),
            (HoldKind::OpenClaim, Language::En) => "kept until the claim is paid".into(),
            (_, Language::Sv) => "sparas tills förfarandet är avslutat".into(),
            (_, Language::Fi) => "säilytetään, kunnes menettely on päättynyt".into(),
            (_, Language::En) => "kept until the proceedings have ended".into(),
        },
    }
}

fn rows_words(n: usize, language: Language) -> String {
    match (language, n) {
        (Language::Sv, 1) => "1 post".into(),
        (Language::Sv, n) => format!("{n} poster"),
        (Language::Fi, 1) => "1 tieto".into(),
        (Language::Fi, n) => format!("{n} tietoa"),
        (Language::En, 1) => "1 record".into(),
        (Language::En, n) => format!("{n} records"),
    }
}

/// `{{kept_data}}`: every kept row of the plan, grouped by source and reason, with the article
/// and the last day (Art. 17(3); DOMAIN.md "What blocks erasure").
pub fn kept_lines(plan: &ErasurePlan, language: Language, title: impl Fn(&str) -> String) -> Vec<String> {
    let mut lines = Vec::new();
    for source in &plan.sources {
        let mut groups: BTreeMap<Vec<(HoldKind, Option<NaiveDate>)>, usize> = BTreeMap::new();
        for row in &source.rows {
            if let RowAction::Keep { holds, .. } = &row.action {
                let key = holds.iter().map(|h| (h.kind, h.held_until)).collect();
                *groups.entry(key).or_default() += 1;
            }
        }
        for (holds, n) in groups {
            let reasons: Vec<String> = holds
                .iter()
                .map(|(kind, until)| {
                    format!("{} — {}", hold_words(*kind, language), until_words(*kind, *until, language))
                })
                .collect();
            lines.push(format!(
                "• {} ({}): {}",
                title(&source.source),
                rows_words(n, language),
                reasons.join("; ")
            ));
        }
    }
    lines
}

/// `{{follow_up}}` for a plan: each day a kept record's own hold ends (each record is erased on
/// its own day), then the daily re-examination while a hold waits for an event.
pub fn follow_up_words_for(plan: &ErasurePlan, language: Language) -> String {
    let dates = plan.follow_up_dates();
    let mut parts = Vec::new();
    if dates.len() > 1 {
        let days: Vec<String> = dates.iter().map(|d| date_words(*d, language)).collect();
        let (last, rest) = days.split_last().expect("more than one day");
        let and = match language {
            Language::Sv => "och",
            Language::Fi => "ja",
            Language::En => "and",
        };
        let list = format!("{} {and} {last}", rest.join(", "));
        parts.push(match language {
            Language::Sv => format!(
                "Varje uppgift raderas den dag då skälet att spara just den upphör: den {list}, utan att du behöver höra av dig igen."
            ),
            Language::Fi => format!(
                "Kukin tieto poistetaan sinä päivänä, jona sen oma säilytysperuste päättyy: {list}, ilman että sinun tarvitsee ottaa uudelleen yhteyttä."
            ),
            Language::En => format!(
                "Each record is erased on the day its own reason to keep it ends: on {list}, without you having to ask again."
            ),
        });
    } else if let Some(d) = dates.first() {
        parts.push(follow_up_words(FollowUp::On(*d), language));
    }
    if plan.waits_for_events() {
        parts.push(follow_up_words(FollowUp::WhenEventsAllow, language));
    }
    parts.join(" ")
}

/// `{{follow_up}}`: when the rest goes.
pub fn follow_up_words(follow_up: FollowUp, language: Language) -> String {
    match (follow_up, language) {
        (FollowUp::None, _) => String::new(),
        (FollowUp::On(d), Language::Sv) => format!(
            "Den {} raderar vi det som då inte längre måste sparas, utan att du behöver höra av dig igen.",
            date_words(d, language)
        ),
        (FollowUp::On(d), Language::Fi) => format!(
            "Poistamme {} ne tiedot, joita ei silloin enää tarvitse säilyttää, ilman että sinun tarvitsee ottaa uudelleen yhteyttä.",
            date_words(d, language)
        ),
        (FollowUp::On(d), Language::En) => format!(
            "On {} we erase what no longer has to be kept, without you having to ask again.",
            date_words(d, language)
        ),
        (FollowUp::WhenEventsAllow, Language::Sv) => {
            "Vi prövar varje dag om skälen kvarstår och raderar uppgifterna så snart de har upphört, utan att du behöver höra av dig igen.".into()
        }
        (FollowUp::WhenEventsAllow, Language::Fi) => {
            "Tarkistamme päivittäin, onko peruste yhä voimassa, ja poistamme tiedot heti sen päätyttyä, ilman että sinun tarvitsee ottaa uudelleen yhteyttä.".into()
        }
        (FollowUp::WhenEventsAllow, Language::En) => {
            "We check every day whether the reasons still apply and erase the data as soon as they end, without you having to ask again.".into()
        }
    }
}

/// `{{complaint_rights}}`: Art. 12(4), Arts. 77 and 79 — the supervisory authority of the
/// controller's country, the right to complain in the member state of habitual residence or
/// work instead (Art. 77(1)), naming that authority when the requester's address is in another
/// Nordic country, and the courts (Art. 79). Art. 78 is about decisions of the authority itself,
/// not the controller's, so it is not cited.
pub fn complaint_rights(
    j: crate::domain::Jurisdiction,
    requester_address: Option<&str>,
    language: Language,
) -> String {
    use crate::domain::residence::Nordic;
    let a = j.authority(language);
    let home = requester_address.and_then(Nordic::of_address).filter(|n| *n != Nordic::of(j));
    let residence = match (home, language) {
        (Some(n), Language::Sv) => {
            let h = n.authority(language);
            format!(
                " Du kan också klaga till tillsynsmyndigheten i det land där du bor eller arbetar; för dig i {} är det {}, {}.",
                n.name(language),
                h.name,
                h.website
            )
        }
        (Some(n), Language::Fi) => {
            let h = n.authority(language);
            format!(
                " Voit myös tehdä valituksen sen maan valvontaviranomaiselle, jossa asut tai työskentelet; {} se on {}, {}.",
                n.name(language),
                h.name,
                h.website
            )
        }
        (Some(n), Language::En) => {
            let h = n.authority(language);
            format!(
                " You may also complain to the supervisory authority of the country where you live or work; in {} that is {}, {}.",
                n.name(language),
                h.name,
                h.website
            )
        }
        (None, Language::Sv) => {
            " Du kan också klaga till tillsynsmyndigheten i det EU- eller EES-land där du bor eller arbetar.".to_string()
        }
        (None, Language::Fi) => {
            " Voit myös tehdä valituksen sen EU- tai ETA-maan valvontaviranomaiselle, jossa asut tai työskentelet.".to_string()
        }
        (None, Language::En) => {
            " You may also complain to the supervisory authority of the EU or EEA country where you live or work.".to_string()
        }
    };
    match language {
        Language::Sv => format!(
            "Om du inte är nöjd med vårt besked har du rätt att lämna klagomål till {}, {}, {} (artikel 77 i dataskyddsförordningen).{residence} Du har också rätt att föra talan i domstol mot oss (artikel 79).",
            a.name, a.postal_address, a.website
        ),
        Language::Fi => format!(
            "Jos et ole tyytyväinen ratkaisuumme, sinulla on oikeus tehdä valitus valvontaviranomaiselle: {}, {}, {} (tietosuoja-asetuksen 77 artikla).{residence} Sinulla on myös oikeus saattaa asia meitä vastaan tuomioistuimen käsiteltäväksi (79 artikla).",
            a.name, a.postal_address, a.website
        ),
        Language::En => format!(
            "If you are not satisfied with our decision, you have the right to lodge a complaint with {}, {}, {} (Article 77 GDPR).{residence} You also have the right to an effective judicial remedy against us before the courts (Article 79).",
            a.name, a.postal_address, a.website
        ),
    }
}

/// The language the request was written in, when intake recorded one.
pub fn language_of(r: &RequestRecord) -> Option<Language> {
    r.language.as_deref().and_then(Language::from_code)
}

/// "Subject: ...\n\nbody" → (Some(subject), body); anything else is all body. The editor and
/// `--body FILE` both carry the subject this way.
pub fn split_subject(text: &str) -> (Option<String>, String) {
    let text = text.replace("\r\n", "\n");
    if let Some(rest) = text.strip_prefix("Subject:") {
        let (subject, body) = rest.split_once('\n').unwrap_or((rest, ""));
        return (Some(subject.trim().to_string()), body.strip_prefix('\n').unwrap_or(body).to_string());
    }
    (None, text)
}

/// The templates that fit a request of this kind, in the order a request's life uses them.
pub fn purposes_for(kind: Option<RequestKind>) -> Vec<Purpose> {
    Purpose::ALL.into_iter().filter(|p| kind.is_none_or(|k| purpose_fits(*p, k))).collect()
}

fn last_event<'a>(events: &'a [EventRecord], action: &str) -> Option<&'a EventRecord> {
    events.iter().rev().find(|e| e.action == action)
}

fn none_words(language: Language) -> &'static str {
    match language {
        Language::Sv => "• (inga)",
        Language::Fi => "• (ei yhtään)",
        Language::En => "• (none)",
    }
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
        let tasks = super::rights::processor_tasks_of(&mut conn, r.id).await?;
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
        let mut out = Vec::new();
        match language {
            Language::Sv => {
                if told.is_empty() && to_tell.is_empty() {
                    out.push("Ingen utanför oss har fått de uppgifter det gäller, så det finns ingen mottagare att underrätta (artikel 19).".to_string());
                }
                if !told.is_empty() {
                    out.push(format!(
                        "Vi har underrättat följande mottagare av uppgifterna (artikel 19): {}.",
                        told.join("; ")
                    ));
                }
                if !to_tell.is_empty() {
                    out.push(format!(
                        "Vi kommer att underrätta följande mottagare av uppgifterna (artikel 19): {}.",
                        to_tell.join("; ")
                    ));
                }
                if !(told.is_empty() && to_tell.is_empty()) {
                    out.push(
                        "Du har rätt att få veta vilka mottagarna är; de är uppräknade här.".to_string(),
                    );
                }
            }
            Language::Fi => {
                if told.is_empty() && to_tell.is_empty() {
                    out.push("Kyseisiä tietoja ei ole luovutettu kenellekään meidän ulkopuolellemme, joten ilmoitettavia vastaanottajia ei ole (19 artikla).".to_string());
                }
                if !told.is_empty() {
                    out.push(format!(
                        "Olemme ilmoittaneet asiasta seuraaville tietojen vastaanottajille (19 artikla): {}.",
                        told.join("; ")
                    ));
                }
                if !to_tell.is_empty() {
                    out.push(format!(
                        "Ilmoitamme asiasta seuraaville tietojen vastaanottajille (19 artikla): {}.",
                        to_tell.join("; ")
                    ));
                }
                if !(told.is_empty() && to_tell.is_empty()) {
                    out.push("Sinulla on oikeus saada tietää, keitä vastaanottajat ovat; heidät on lueteltu tässä.".to_string());
                }
            }
            Language::En => {
                if told.is_empty() && to_tell.is_empty() {
                    out.push("No one outside us received the data concerned, so there is no recipient to tell (Article 19).".to_string());
                }
                if !told.is_empty() {
                    out.push(format!(
                        "We have told these recipients of the data (Article 19): {}.",
                        told.join("; ")
                    ));
                }
                if !to_tell.is_empty() {
                    out.push(format!(
                        "We will tell these recipients of the data (Article 19): {}.",
                        to_tell.join("; ")
                    ));
                }
                if !(told.is_empty() && to_tell.is_empty()) {
                    out.push(
                        "You have the right to be told who the recipients are; they are named here."
                            .to_string(),
                    );
                }
            }
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
            Purpose::Acknowledgement | Purpose::AccessReply | Purpose::PortabilityReply => {}
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
                let reason = match detail {
                    Some(d) => d.to_string(),
                    None => r.extension_reason.clone().ok_or_else(|| {
                        Error::rule(&r.reference, "an extension notice needs the reasons (--reason)")
                    })?,
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
        sqlx::query("DELETE FROM reply_drafts WHERE request_id = $1 AND author = $2")
            .bind(request.id)
            .bind(&operator.user)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
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

    /// The draft this operator is writing for a request, if any.
    pub async fn draft(&self, operator: &Operator, reference: &str) -> Result<Option<Draft>> {
        let reference = normalize_reference(reference)?;
        Ok(sqlx::query_as(
            "SELECT d.purpose, d.language, d.detail, d.subject, d.body, d.attach, d.encrypt, d.updated_at
             FROM reply_drafts d JOIN requests r ON r.id = d.request_id
             WHERE r.reference = $1 AND d.author = $2",
        )
        .bind(&reference)
        .bind(&operator.user)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Save the draft as typed (one per request and operator; the newest wins).
    pub async fn save_draft(&self, operator: &Operator, reference: &str, draft: &Draft) -> Result<()> {
        let reference = normalize_reference(reference)?;
        let purpose: Purpose = draft
            .purpose
            .parse()
            .map_err(|e: crate::mail::templates::UnknownPurpose| Error::Invalid(e.to_string()))?;
        let saved = sqlx::query(
            "INSERT INTO reply_drafts (request_id, author, purpose, language, detail, subject, body, attach, encrypt, updated_at)
             SELECT r.id, $2, $3, $4, $5, $6, $7, $8, $9, now() FROM requests r WHERE r.reference = $1
             ON CONFLICT (request_id, author) DO UPDATE SET
               purpose = EXCLUDED.purpose, language = EXCLUDED.language, detail = EXCLUDED.detail,
               subject = EXCLUDED.subject, body = EXCLUDED.body, attach = EXCLUDED.attach,
               encrypt = EXCLUDED.encrypt, updated_at = now()",
        )
        .bind(&reference)
        .bind(&operator.user)
        .bind(purpose.name())
        .bind(&draft.language)
        .bind(&draft.detail)
        .bind(&draft.subject)
        .bind(&draft.body)
        .bind(&draft.attach)
        .bind(draft.encrypt)
        .execute(self.pool())
        .await?;
        if saved.rows_affected() == 0 {
            return Err(Error::NotFound(reference));
        }
        Ok(())
    }

    /// Throw the draft away.
    pub async fn discard_draft(&self, operator: &Operator, reference: &str) -> Result<bool> {
        let reference = normalize_reference(reference)?;
        let done = sqlx::query(
            "DELETE FROM reply_drafts d USING requests r WHERE r.id = d.request_id AND r.reference = $1 AND d.author = $2",
        )
        .bind(&reference)
        .bind(&operator.user)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
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

/// The client named when the request was closed as forwarded (`dsrdesk forward`).
fn forwarded_client(events: &[EventRecord]) -> Option<String> {
    events.iter().rev().find_map(|e| {
        if e.details["to"] != Value::String("forwarded".into()) {
            return None;
        }
        let reason = e.details["reason"].as_str()?;
        let client = reason.strip_prefix("forwarded to the controller, ")?.split(':').next()?;
        Some(client.trim().to_string())
    })
}

/// `{{objection_decision}}` and `{{objection_grounds}}` from the recorded decision (Art. 21).
fn objection_words(events: &[EventRecord], language: Language) -> Option<(String, String)> {
    let last =
        events.iter().rev().find(|e| e.action == "objection_decided" || e.action == "marketing_opt_out")?;
    if last.action == "marketing_opt_out" {
        // Art. 21(3): against direct marketing the stop is absolute; the data too, where erased.
        if last.details["erased"] == Value::Bool(true) {
            let words = match language {
                Language::Sv => {
                    "Vi har slutat använda dina personuppgifter för direktmarknadsföring, i alla kanaler och för gott (artikel 21.3), och raderat de uppgifter vi hade för marknadsföring."
                }
                Language::Fi => {
                    "Olemme lopettaneet henkilötietojesi käytön suoramarkkinointiin kaikissa kanavissa pysyvästi (21 artiklan 3 kohta) ja poistaneet markkinointia varten olleet tietosi."
                }
                Language::En => {
                    "We have stopped using your personal data for direct marketing, on every channel and for good (Article 21(3)), and erased the data we held for marketing."
                }
            };
            return Some((words.to_string(), String::new()));
        }
        let words = match language {
            Language::Sv => {
                "Vi har slutat använda dina personuppgifter för direktmarknadsföring, i alla kanaler och för gott (artikel 21.3)."
            }
            Language::Fi => {
                "Olemme lopettaneet henkilötietojesi käytön suoramarkkinointiin kaikissa kanavissa pysyvästi (21 artiklan 3 kohta)."
            }
            Language::En => {
                "We have stopped using your personal data for direct marketing, on every channel and for good (Article 21(3))."
            }
        };
        return Some((words.to_string(), String::new()));
    }
    let decision = last.details["decision"].as_str().unwrap_or("");
    let reason = last.details["reason"].as_str().unwrap_or("").trim();
    let words = match (decision, language) {
        ("upheld", Language::Sv) => {
            "Vi har godtagit din invändning och slutat behandla dina personuppgifter för det ändamålet (artikel 21.1)."
        }
        ("upheld", Language::Fi) => {
            "Hyväksymme vastustuksesi ja olemme lopettaneet henkilötietojesi käsittelyn tähän tarkoitukseen (21 artiklan 1 kohta)."
        }
        ("upheld", Language::En) => {
            "We accept your objection and have stopped processing your personal data for that purpose (Article 21(1))."
        }
        ("legal_claims", Language::Sv) => {
            "Vi fortsätter behandlingen, eftersom uppgifterna behövs för att fastställa, göra gällande eller försvara rättsliga anspråk (artikel 21.1)."
        }
        ("legal_claims", Language::Fi) => {
            "Jatkamme käsittelyä, koska tietoja tarvitaan oikeudellisen vaateen laatimiseen, esittämiseen tai puolustamiseen (21 artiklan 1 kohta)."
        }
        ("legal_claims", Language::En) => {
            "We continue the processing, because the data is needed for the establishment, exercise or defence of legal claims (Article 21(1))."
        }
        (_, Language::Sv) => {
            "Vi fortsätter behandlingen, eftersom vi har tvingande berättigade skäl som väger tyngre än dina intressen, rättigheter och friheter (artikel 21.1)."
        }
        (_, Language::Fi) => {
            "Jatkamme käsittelyä, koska meillä on huomattavan tärkeitä ja perusteltuja syitä, jotka ovat etujasi, oikeuksiasi ja vapauksiasi painavampia (21 artiklan 1 kohta)."
        }
        (_, Language::En) => {
            "We continue the processing, because we have compelling legitimate grounds that override your interests, rights and freedoms (Article 21(1))."
        }
    };
    let grounds = if reason.is_empty() {
        String::new()
    } else {
        match language {
            Language::Sv => format!("Skälen: {reason}"),
            Language::Fi => format!("Perustelut: {reason}"),
            Language::En => format!("The grounds: {reason}"),
        }
    };
    Some((words.to_string(), grounds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_the_way_each_language_writes_them() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 21).unwrap();
        assert_eq!(date_words(d, Language::Sv), "2026-12-21");
        assert_eq!(date_words(d, Language::Fi), "21.12.2026");
        assert_eq!(date_words(d, Language::En), "21 December 2026");
    }

    /// Each hold names the provision it rests on (DOMAIN.md, "What blocks erasure"): an open claim
    /// and enforcement or litigation Art. 17(3)(e); bookkeeping and anti-money-laundering law
    /// Art. 17(3)(b); the processor role Art. 28. Written as each language cites it, and no other
    /// Art. 17(3) ground beside it.
    #[test]
    fn every_hold_has_words_with_its_article_in_every_language() {
        use HoldKind::*;
        use Language::*;
        fn citation(ground: Option<char>, language: Language) -> String {
            match (ground, language) {
                (Some(g), Sv) => format!("(artikel 17.3 {g})"),
                (Some(g), Fi) => format!("(17 artiklan 3 kohdan {g} alakohta)"),
                (Some(g), En) => format!("(Article 17(3)({g}))"),
                (None, Sv) => "(artikel 28)".into(),
                (None, Fi) => "(28 artikla)".into(),
                (None, En) => "(Article 28)".into(),
            }
        }
        // AgencyPolicy is left out here: it cites Art. 5(1)(e), which DOMAIN.md says is never a
        // ground to refuse erasure; its words are being corrected under issue 13 (legal rules).
        for (kind, ground) in [
            (OpenClaim, Some('e')),
            (EnforcementOrLitigation, Some('e')),
            (BookkeepingSweden, Some('b')),
            (BookkeepingFinlandBooks, Some('b')),
            (BookkeepingFinlandVouchers, Some('b')),
            (AntiMoneyLaundering, Some('b')),
            (ProcessorRole, None),
        ] {
            for language in crate::mail::templates::LANGUAGES {
                let words = hold_words(kind, language);
                let expected = citation(ground, language);
                assert!(
                    words.ends_with(&expected),
                    "{kind:?} {language:?}: {words:?} should cite {expected}"
                );
                for other in ['a', 'b', 'c', 'd', 'e'].into_iter().filter(|g| Some(*g) != ground) {
                    let wrong = citation(Some(other), language);
                    assert!(!words.contains(&wrong), "{kind:?} {language:?}: {words:?} cites {wrong}");
                }
            }
        }
    }

    #[test]
    fn complaint_rights_name_the_controllers_authority_and_the_courts() {
        use crate::domain::Jurisdiction::*;
        assert!(complaint_rights(Sweden, None, Language::Sv).contains("Integritetsskyddsmyndigheten"));
        assert!(complaint_rights(Finland, None, Language::Fi).contains("Tietosuojavaltuutetun toimisto"));
        // Names per language: Swedish text about Finland uses the Swedish names and address.
        let sv = complaint_rights(Finland, None, Language::Sv);
        assert!(sv.contains("Dataombudsmannens byrå") && sv.contains("PB 800, 00531 Helsingfors"), "{sv}");
        assert!(complaint_rights(Sweden, None, Language::En).contains("judicial remedy"));
    }

    #[test]
    fn complaint_rights_cite_articles_77_and_79_never_78() {
        // Art. 78 is the remedy against a decision of the supervisory authority, not the controller.
        for j in crate::domain::Jurisdiction::ALL {
            for language in crate::mail::templates::LANGUAGES {
                for address in [None, Some("Storgata 1, 0155 Oslo, Norge")] {
                    let text = complaint_rights(j, address, language);
                    assert!(text.contains("77") && text.contains("79"), "{text}");
                    assert!(!text.contains("78"), "{text}");
                }
            }
        }
    }

    #[test]
    fn a_requester_living_in_norway_is_told_of_datatilsynet_art_77() {
        // Art. 77(1): the member state of habitual residence; Norway applies the GDPR via the EEA.
        let text = complaint_rights(
            crate::domain::Jurisdiction::Sweden,
            Some("Storgata 1, 0155 Oslo, Norge"),
            Language::Sv,
        );
        assert!(text.contains("Integritetsskyddsmyndigheten"), "{text}");
        assert!(text.contains("Datatilsynet (Norge)") && text.contains("datatilsynet.no"), "{text}");
        // A requester in the controller's own country is pointed to the one authority only.
        let home = complaint_rights(
            crate::domain::Jurisdiction::Finland,
            Some("Mannerheimintie 1, 00100 Helsinki, Finland"),
            Language::Fi,
        );
        assert!(!home.contains("Datatilsynet") && home.contains("asut tai työskentelet"), "{home}");
    }
}
