//! The words of a reply, per language: the right by name, dates, each hold with its article and
//! until when, the follow-up days, the right to complain (Arts. 77 and 79). Pure: no I/O.

use super::purpose_fits;
use crate::domain::holds::HoldKind;
use crate::domain::intake::Language;
use crate::domain::plan::{ErasurePlan, FollowUp, RowAction};
use crate::domain::{RequestKind, RequestStatus};
use crate::mail::templates::Purpose;
use crate::store::requests::{EventRecord, RequestRecord};
use chrono::{Datelike, NaiveDate};
use serde_json::Value;
use std::collections::BTreeMap;

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
        (AgencyPolicyLegalObligation, Sv) => {
            "vår fastställda lagringstid efter att ärendet avslutats, som vilar på en rättslig förpliktelse såsom bokföring eller åtgärder mot penningtvätt (artikel 17.3 b)"
        }
        (AgencyPolicyLegalObligation, Fi) => {
            "vahvistamamme säilytysaika asian päättymisen jälkeen, joka perustuu lakisääteiseen velvoitteeseen, kuten kirjanpitoon tai rahanpesun estämiseen (17 artiklan 3 kohdan b alakohta)"
        }
        (AgencyPolicyLegalObligation, En) => {
            "our set period after the case closed, resting on a legal obligation such as bookkeeping or anti-money-laundering (Article 17(3)(b))"
        }
        (ProcessorRole, Sv) => "vi behandlar uppgifterna för vår uppdragsgivares räkning (artikel 28)",
        (ProcessorRole, Fi) => "käsittelemme tietoja toimeksiantajamme lukuun (28 artikla)",
        (ProcessorRole, En) => "we process the data on behalf of our client (Article 28)",
    }
}

/// Until when a hold lasts, in words.
pub(super) fn until_words(kind: HoldKind, until: Option<NaiveDate>, language: Language) -> String {
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

pub(super) fn rows_words(n: usize, language: Language) -> String {
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

/// The replies that can be sent now, so the desk offers nothing it would refuse after the DPO
/// typed it: on a closed request only the one that closed it (a copy of the answer), and before
/// identity is verified nothing that carries the subject's data (Art. 12(6); `queue_reply`
/// checks the same).
pub fn sendable_purposes(
    kind: Option<RequestKind>,
    status: Option<RequestStatus>,
    verified: bool,
) -> Vec<Purpose> {
    purposes_for(kind)
        .into_iter()
        .filter(|p| status.is_none_or(|s| s.is_open() || p.closes_as() == Some(s)))
        .filter(|p| verified || !p.carries_data())
        .collect()
}

pub(super) fn last_event<'a>(events: &'a [EventRecord], action: &str) -> Option<&'a EventRecord> {
    events.iter().rev().find(|e| e.action == action)
}

pub(super) fn none_words(language: Language) -> &'static str {
    match language {
        Language::Sv => "• (inga)",
        Language::Fi => "• (ei yhtään)",
        Language::En => "• (none)",
    }
}

/// The client named when the request was closed as forwarded (`dsrdesk forward`).
pub(super) fn forwarded_client(events: &[EventRecord]) -> Option<String> {
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
pub(super) fn objection_words(events: &[EventRecord], language: Language) -> Option<(String, String)> {
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

/// The sentences of `{{recipient_notices}}` (Art. 19) in one language: "we have told" only of
/// recipients already told, "we will tell" of the rest, and the subject's right to know who they are.
pub struct RecipientNoticeWords {
    pub nobody: &'static str,
    pub told: &'static str,
    pub will_tell: &'static str,
    pub right_to_know: &'static str,
}

pub fn recipient_notice_words(language: Language) -> RecipientNoticeWords {
    match language {
        Language::Sv => RecipientNoticeWords {
            nobody: "Ingen utanför oss har fått de uppgifter det gäller, så det finns ingen mottagare att underrätta (artikel 19).",
            told: "Vi har underrättat följande mottagare av uppgifterna (artikel 19)",
            will_tell: "Vi kommer att underrätta följande mottagare av uppgifterna (artikel 19)",
            right_to_know: "Du har rätt att få veta vilka mottagarna är; de är uppräknade här.",
        },
        Language::Fi => RecipientNoticeWords {
            nobody: "Kyseisiä tietoja ei ole luovutettu kenellekään meidän ulkopuolellemme, joten ilmoitettavia vastaanottajia ei ole (19 artikla).",
            told: "Olemme ilmoittaneet asiasta seuraaville tietojen vastaanottajille (19 artikla)",
            will_tell: "Ilmoitamme asiasta seuraaville tietojen vastaanottajille (19 artikla)",
            right_to_know: "Sinulla on oikeus saada tietää, keitä vastaanottajat ovat; heidät on lueteltu tässä.",
        },
        Language::En => RecipientNoticeWords {
            nobody: "No one outside us received the data concerned, so there is no recipient to tell (Article 19).",
            told: "We have told these recipients of the data (Article 19)",
            will_tell: "We will tell these recipients of the data (Article 19)",
            right_to_know: "You have the right to be told who the recipients are; they are named here.",
        },
    }
}

/// The acknowledgement's promise of an answer. Within the deadline: by the due date. Past it, the
/// letter must not promise a date already gone (it would be contradicted by the request's own
/// dates): it says the answer is late, and by when it will come — a date the DPO gives (`detail`,
/// as YYYY-MM-DD), not before today. Art. 12(3): the answer is owed without undue delay.
pub fn answer_promise(
    r: &RequestRecord,
    language: Language,
    detail: Option<&str>,
    today: NaiveDate,
) -> crate::error::Result<String> {
    use crate::error::Error;
    let due = date_words(r.due_on, language);
    if today <= r.due_on {
        return Ok(match language {
            Language::Sv => format!("Du får vårt svar senast den {due}."),
            Language::Fi => format!("Vastaamme sinulle viimeistään {due}."),
            Language::En => format!("You will have our answer by {due} at the latest."),
        });
    }
    let promised = detail
        .ok_or_else(|| {
            Error::rule(
                &r.reference,
                format!(
                    "the answer was due on {} and is late: give the date by which it will come (YYYY-MM-DD, --reason)",
                    r.due_on
                ),
            )
        })?
        .parse::<NaiveDate>()
        .map_err(|_| {
            Error::rule(&r.reference, format!("{:?} is not a date (YYYY-MM-DD): by when will the answer come?", detail.unwrap_or_default()))
        })?;
    if promised < today {
        return Err(Error::rule(
            &r.reference,
            format!("{promised} is already past (today is {today}): promise a date from today on"),
        ));
    }
    let by = date_words(promised, language);
    Ok(match language {
        Language::Sv => format!(
            "Vi skulle ha svarat dig senast den {due}, och vi är sena med svaret. Det beklagar vi. Du får vårt svar senast den {by}."
        ),
        Language::Fi => format!(
            "Meidän olisi pitänyt vastata sinulle viimeistään {due}, ja vastauksemme on myöhässä. Pahoittelemme sitä. Vastaamme sinulle viimeistään {by}."
        ),
        Language::En => format!(
            "We should have answered you by {due}, and our answer is late, for which we apologise. You will have our answer by {by} at the latest."
        ),
    })
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
        for (kind, ground) in [
            (AgencyPolicy, Some('e')),
            (AgencyPolicyLegalObligation, Some('b')),
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
