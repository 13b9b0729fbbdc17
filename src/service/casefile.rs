//! `dsrdesk casefile REF --out DIR` (issue 17 §2): gather everything on record about one request
//! in one read-only snapshot, and write the zip (`export::casefile`).

use super::{Desk, Operator, facts_of, normalize_reference};
use crate::domain::calendar::WorkingCalendar;
use crate::domain::deadline::{self, DeadlineBreakdown};
use crate::domain::intake::Language;
use crate::error::{Error, Result};
use crate::export::casefile::{CaseExport, CaseFile, CaseMail, write_zip};
use crate::store::{self, requests::RequestRecord};
use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use std::path::{Path, PathBuf};

impl Desk {
    /// Write the case file of `reference` into `dir`; returns the zip's path.
    pub async fn casefile(
        &self,
        operator: &Operator,
        reference: &str,
        dir: &Path,
        now: DateTime<Utc>,
    ) -> Result<PathBuf> {
        let case = self.gather_casefile(operator, reference, now).await?;
        let dir = dir.to_path_buf();
        tokio::task::spawn_blocking(move || write_zip(&case, &dir))
            .await
            .expect("the case file writer panicked")
            .map_err(|e| Error::Invalid(format!("cannot write the case file: {e}")))
    }

    /// What the case file says, read in one snapshot.
    pub async fn gather_casefile(
        &self,
        operator: &Operator,
        reference: &str,
        now: DateTime<Utc>,
    ) -> Result<CaseFile> {
        let reference = normalize_reference(reference)?;
        let mut tx = self.pool.begin().await?;
        store::snapshot::read_only_snapshot(&mut tx).await?;
        let request = store::requests::fetch_by_reference(&mut tx, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        let verification = store::verification::verification_of(&mut tx, request.id).await?;
        let recipient_tasks = store::tasks::recipient_tasks_of(&mut tx, request.id).await?;
        let processor_tasks = store::tasks::processor_tasks_of(&mut tx, request.id).await?;
        let erasure = store::casefile::erasure_records(&mut tx, request.id).await?;
        let mails = store::casefile::mails_of(&mut tx, request.id).await?;
        let chain = store::casefile::chain_of(&mut tx, request.id).await?;
        let chain_head = store::audit::head_of(&mut tx, request.id).await?;
        let events = store::casefile::events_in(&mut tx, request.id).await?;
        tx.commit().await?;
        let language = request.language.as_deref().and_then(Language::from_code).unwrap_or(Language::En);
        let calendar = self.config.calendar(request.jurisdiction);
        let target = self.config.controller(request.jurisdiction).internal_target_days;
        let breakdown = deadline::breakdown(&calendar, facts_of(&request), target)
            .map_err(|e| Error::rule(&request.reference, e))?;
        let exports = events
            .iter()
            .filter(|e| e.action == "export_written")
            .map(|e| CaseExport {
                written_at: e.effective_at,
                file_name: e.details["file_name"].as_str().unwrap_or("").to_string(),
                sha256: e.details["sha256"].as_str().unwrap_or("").to_string(),
                format: e.details["format"].as_str().unwrap_or("").to_string(),
            })
            .collect();
        let mails = mails
            .into_iter()
            .enumerate()
            .map(|(i, m)| CaseMail {
                file: m.raw.as_ref().map(|_| {
                    format!(
                        "mail/{:02}-{}.eml",
                        i + 1,
                        m.purpose.replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "-")
                    )
                }),
                outbox_id: m.id,
                message_id: m.message_id,
                purpose: m.purpose,
                state: m.state,
                to_address: m.to_address,
                subject: m.subject,
                queued_at: m.queued_at,
                sent_at: m.sent_at,
                sha256: m.raw_sha256,
                raw: m.raw,
            })
            .collect();
        Ok(CaseFile {
            generated_at: now,
            generated_by: operator.user.clone(),
            language,
            deadline_steps: deadline_steps(&request, &breakdown, &calendar, language),
            request,
            verification,
            events,
            recipient_tasks,
            processor_tasks,
            erasure,
            mails,
            exports,
            chain,
            chain_head,
        })
    }
}

fn weekday_name(day: NaiveDate, language: Language) -> &'static str {
    match (day.weekday(), language) {
        (Weekday::Sat, Language::Sv) => "en lördag",
        (Weekday::Sun, Language::Sv) => "en söndag",
        (Weekday::Sat, Language::Fi) => "lauantai",
        (Weekday::Sun, Language::Fi) => "sunnuntai",
        (Weekday::Sat, _) => "a Saturday",
        (Weekday::Sun, _) => "a Sunday",
        (_, Language::Sv) => "en helgdag",
        (_, Language::Fi) => "pyhäpäivä",
        _ => "a public holiday",
    }
}

/// The deadline calculation, step by step (Art. 12(3); Reg. 1182/71 art. 3; DOMAIN.md), in the
/// request's language. Holiday names are given in English beside the words.
fn deadline_steps(
    r: &RequestRecord,
    b: &DeadlineBreakdown,
    calendar: &WorkingCalendar,
    language: Language,
) -> Vec<String> {
    let zone = r.jurisdiction.time_zone();
    let local = r.received_at.with_timezone(&zone).format("%Y-%m-%d %H:%M");
    let months = if b.extended { 3 } else { 1 };
    let month_end = deadline::months_after(b.received_on, months);
    let mut steps = Vec::new();
    match language {
        Language::Sv => {
            steps.push(format!(
                "Mottagen {local} ({zone}): mottagningsdagen är {}; den räknas inte.",
                b.received_on
            ));
            if let Some(end) = month_end {
                steps.push(format!("{months} månad(er) efter mottagandet: {end} (samma datum, eller månadens sista dag om datumet saknas)."));
            }
        }
        Language::Fi => {
            steps.push(format!(
                "Vastaanotettu {local} ({zone}): vastaanottopäivä on {}; sitä ei lasketa.",
                b.received_on
            ));
            if let Some(end) = month_end {
                steps.push(format!(
                    "{months} kuukautta vastaanotosta: {end} (sama päivämäärä tai kuukauden viimeinen päivä)."
                ));
            }
        }
        Language::En => {
            steps.push(format!(
                "Received {local} ({zone}): the day of receipt is {}; it is not counted.",
                b.received_on
            ));
            if let Some(end) = month_end {
                steps.push(format!("{months} month(s) after receipt: {end} (the same date, or the month's last day when it has none)."));
            }
        }
    }
    if let (true, Some(on), Some(reason)) = (b.extended, r.extended_on, r.extension_reason.as_deref()) {
        steps.push(match language {
            Language::Sv => format!("Förlängd med två månader den {on}: {reason}"),
            Language::Fi => format!("Jatkettu kahdella kuukaudella {on}: {reason}"),
            Language::En => format!("Extended by two months on {on}: {reason}"),
        });
    }
    if b.paused_days > 0 {
        steps.push(match language {
            Language::Sv => {
                format!("Klockan stod stilla {} dagar i väntan på uppgifter (artikel 12.6).", b.paused_days)
            }
            Language::Fi => format!(
                "Määräaika oli pysähdyksissä {} päivää tietoja odotettaessa (12 artiklan 6 kohta).",
                b.paused_days
            ),
            Language::En => format!(
                "The clock stood still {} days while information was awaited (Art. 12(6)).",
                b.paused_days
            ),
        });
    }
    if let Some(from) = b.rolled_from {
        let holiday =
            calendar.holiday_on(from).map(|h| format!(" ({})", h.english_name())).unwrap_or_default();
        let what = weekday_name(from, language);
        steps.push(match language {
            Language::Sv => format!("{from} är {what}{holiday}: fristen går ut nästa vardag."),
            Language::Fi => format!("{from} on {what}{holiday}: määräaika päättyy seuraavana arkipäivänä."),
            Language::En => format!("{from} is {what}{holiday}: the period ends on the next working day."),
        });
    }
    steps.push(match language {
        Language::Sv => {
            format!("Sista dag enligt lag: {}. Intern målsättning: {}.", b.due_on, b.internal_due_on)
        }
        Language::Fi => {
            format!("Lakisääteinen määräpäivä: {}. Sisäinen tavoite: {}.", b.due_on, b.internal_due_on)
        }
        Language::En => format!("Legal due date: {}. Internal target: {}.", b.due_on, b.internal_due_on),
    });
    steps
}
