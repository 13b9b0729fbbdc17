//! Art. 19: who actually received a subject's data, source by source, as the data map's
//! recipients and their `when` columns say — the enforcement authority only for cases that went
//! to enforcement, the FIU only where a report was made, never every recipient a source could
//! have. One answer for the Art. 19 tasks a change creates and for what the desk's confirmation
//! names before it.

use crate::datamap::DataMap;
use crate::error::Result;
use crate::store::{self, ledger};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use std::collections::BTreeMap;

/// Per source (of `sources`), the recipients that received some row of `persons` in it, in the
/// data map's order. Read in the caller's connection: inside a change's transaction, call it
/// before the change removes rows (an erasure), so that what was sent is read from the same
/// snapshot the change is made in.
pub(crate) async fn recipients_by_source(
    conn: &mut PgConnection,
    map: &DataMap,
    persons: &[String],
    sources: &[String],
) -> Result<BTreeMap<String, Vec<String>>> {
    let mut out = BTreeMap::new();
    for name in sources {
        let Some(s) = map.source(name) else { continue };
        let mut rows = Vec::new();
        if s.recipients.iter().any(|r| r.when.is_some()) {
            for person in persons {
                rows.extend(ledger::raw_rows_of(conn, s, person).await?);
            }
        }
        let received: Vec<String> = s
            .recipients
            .iter()
            .filter(|r| {
                // Rows held only as a client's processor were not disclosed by us.
                r.when.is_none()
                    || rows
                        .iter()
                        .any(|row| row.get("processor_client").is_none_or(Value::is_null) && r.received(row))
            })
            .map(|r| r.name.clone())
            .collect();
        out.insert(name.clone(), received);
    }
    Ok(out)
}

/// The Art. 19 tasks for a change to `changed` sources: each recipient once, with the changed
/// sources it received.
pub(crate) fn tasks_for(
    by_source: &BTreeMap<String, Vec<String>>,
    changed: &[String],
) -> BTreeMap<String, Vec<String>> {
    let mut by_recipient: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for source in changed {
        for recipient in by_source.get(source).into_iter().flatten() {
            let list = by_recipient.entry(recipient.clone()).or_default();
            if !list.contains(source) {
                list.push(source.clone());
            }
        }
    }
    by_recipient
}

/// Create the Art. 19 tasks (`tasks_for`) in the caller's transaction; returns the recipients.
pub(crate) async fn create_tasks(
    conn: &mut PgConnection,
    request_id: i64,
    reason: &str,
    tasks: &BTreeMap<String, Vec<String>>,
    at: DateTime<Utc>,
) -> Result<Vec<String>> {
    for (recipient, sources) in tasks {
        store::tasks::insert_recipient_task(conn, request_id, recipient, reason, sources, at).await?;
    }
    Ok(tasks.keys().cloned().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_recipient_once_with_only_the_changed_sources_it_received() {
        let by_source = BTreeMap::from([
            ("cases".to_string(), vec!["Client".to_string(), "Kronofogden".to_string()]),
            ("person".to_string(), vec!["Client".to_string()]),
            ("aml".to_string(), vec![]),
        ]);
        let tasks = tasks_for(&by_source, &["person".into(), "cases".into(), "aml".into()]);
        assert_eq!(
            tasks,
            BTreeMap::from([
                ("Client".to_string(), vec!["person".to_string(), "cases".to_string()]),
                ("Kronofogden".to_string(), vec!["cases".to_string()]),
            ])
        );
        assert!(!tasks_for(&by_source, &["person".into()]).contains_key("Kronofogden"));
    }
}
