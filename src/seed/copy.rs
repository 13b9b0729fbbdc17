//! COPY text encoding of a generated batch (the format is `store::copy_text`), and writing it
//! with `COPY ... FROM STDIN`.

use super::*;

pub use crate::store::copy_text::CopyText;

/// One table's rows, ready for `COPY`.
pub struct CopyTable {
    pub statement: &'static str,
    pub rows: u64,
    pub data: Vec<u8>,
}

pub(super) fn encode<T>(statement: &'static str, rows: &[T], write: impl Fn(&mut CopyText, &T)) -> CopyTable {
    let mut w = CopyText::with_capacity(rows.len() * 64);
    for row in rows {
        write(&mut w, row);
        w.end_row();
    }
    CopyTable { statement, rows: rows.len() as u64, data: w.into_bytes() }
}

pub fn encode_clients(clients: &[Client]) -> CopyTable {
    encode(
        "COPY ledger.clients (id, name, org_number, country, service, agency_role, privacy_contact) FROM STDIN",
        clients,
        |w, c| {
            w.int(c.id);
            w.text(&c.name);
            w.text(&c.org_number);
            w.text(c.country.code());
            w.text(c.service);
            w.text(c.agency_role);
            w.opt_text(c.privacy_contact.as_deref());
        },
    )
}

/// The batch as COPY data, tables in foreign-key order.
pub fn encode_batch(b: &LedgerBatch) -> Vec<CopyTable> {
    vec![
        encode(
            "COPY ledger.persons (id, role, country, personal_number, first_name, last_name, street, \
             postal_code, city, phone, email, language, created_on) FROM STDIN",
            &b.persons,
            |w, lp| {
                let p = &lp.person;
                w.int(p.index as i64 + 1);
                w.text(p.role);
                w.text(p.country.code());
                w.opt_text(p.personal_number.as_deref());
                w.text(p.first_name);
                w.text(p.last_name);
                w.text(&p.street);
                w.text(p.postal_code);
                w.text(p.city);
                w.text(&p.phone);
                w.text(&p.email);
                w.text(p.language.as_str());
                w.date(lp.created_on);
            },
        ),
        encode(
            "COPY ledger.contact_details (id, person_id, kind, value, obtained_from, added_on) FROM STDIN",
            &b.contact_details,
            |w, c| {
                w.int(c.id);
                w.int(c.person_id);
                w.text(c.kind);
                w.text(&c.value);
                w.text(c.obtained_from);
                w.date(c.added_on);
            },
        ),
        encode(
            "COPY ledger.cases (id, case_number, client_id, debtor_id, invoice_number, currency, principal, \
             fees, interest, outstanding, opened_on, closed_on, paid_in_full_on, stage) FROM STDIN",
            &b.cases,
            |w, c| {
                w.int(c.id);
                w.text(&c.case_number);
                w.int(c.client_id);
                w.int(c.debtor_id);
                w.opt_text(c.invoice_number.as_deref());
                w.text(c.currency);
                w.money(c.principal);
                w.money(c.fees);
                w.money(c.interest);
                w.money(c.outstanding);
                w.date(c.opened_on);
                w.opt_date(c.closed_on);
                w.opt_date(c.paid_in_full_on);
                w.text(c.stage);
            },
        ),
        encode("COPY ledger.case_parties (case_id, person_id, role) FROM STDIN", &b.case_parties, |w, p| {
            w.int(p.case_id);
            w.int(p.person_id);
            w.text(p.role);
        }),
        encode(
            "COPY ledger.payments (id, case_id, payer_id, paid_on, amount, method, booking_reference, \
             financial_year_end) FROM STDIN",
            &b.payments,
            |w, p| {
                w.int(p.id);
                w.int(p.case_id);
                w.opt_int(p.payer_id);
                w.date(p.paid_on);
                w.money(p.amount);
                w.text(p.method);
                w.text(&p.booking_reference);
                w.date(p.financial_year_end);
            },
        ),
        encode(
            "COPY ledger.letters (id, case_id, person_id, sent_on, letter_type, channel) FROM STDIN",
            &b.letters,
            |w, l| {
                w.int(l.id);
                w.opt_int(l.case_id);
                w.int(l.person_id);
                w.date(l.sent_on);
                w.text(l.letter_type);
                w.text(l.channel);
            },
        ),
        encode(
            "COPY ledger.calls (id, case_id, person_id, called_at, direction, summary) FROM STDIN",
            &b.calls,
            |w, c| {
                w.int(c.id);
                w.opt_int(c.case_id);
                w.int(c.person_id);
                w.timestamp(c.called_at);
                w.text(c.direction);
                w.text(c.summary);
            },
        ),
        encode(
            "COPY ledger.credit_lookups (id, person_id, bureau, looked_up_on, purpose) FROM STDIN",
            &b.credit_lookups,
            |w, c| {
                w.int(c.id);
                w.int(c.person_id);
                w.text(c.bureau);
                w.date(c.looked_up_on);
                w.text(c.purpose);
            },
        ),
        encode(
            "COPY ledger.aml_checks (id, person_id, checked_on, checked_name, checked_number, outcome, \
             relationship_ended_on) FROM STDIN",
            &b.aml_checks,
            |w, a| {
                w.int(a.id);
                w.int(a.person_id);
                w.date(a.checked_on);
                w.opt_text(a.checked_name.as_deref());
                w.opt_text(a.checked_number.as_deref());
                w.text(a.outcome);
                w.opt_date(a.relationship_ended_on);
            },
        ),
        encode(
            "COPY ledger.marketing_preferences (person_id, consent_given_on, by_email, by_sms, by_post, \
             opted_out_at) FROM STDIN",
            &b.marketing,
            |w, m| {
                w.int(m.person_id);
                w.opt_date(m.consent_given_on);
                w.boolean(m.by_email);
                w.boolean(m.by_sms);
                w.boolean(m.by_post);
                w.opt_timestamp(m.opted_out_at);
            },
        ),
    ]
}

/// Sends one table through COPY, in pieces so the server works while the rest arrives.
pub(super) async fn copy_table(conn: &mut PgConnection, table: &CopyTable) -> Result<u64> {
    if table.rows == 0 {
        return Ok(0);
    }
    let mut copy = conn.copy_in_raw(table.statement).await?;
    for piece in table.data.chunks(1 << 20) {
        copy.send(piece).await?;
    }
    Ok(copy.finish().await?)
}
