//! Art. 12(6), 15(1), 15(4): data goes only to the person it is about. What an e-ID returned is
//! checked against what the request and its links say — pure, so the service decides with it when
//! recording and the desk checks each field as it is typed, with the same words.

use crate::domain::Jurisdiction;
use crate::domain::identity::IdentityNumber;
use chrono::NaiveDate;

/// A written identity number in its normal form (YYYYMMDD-NNNN for Sweden, the HETU as is), read in
/// the request's jurisdiction first, then in either.
pub fn normalize_number(written: &str, jurisdiction: Jurisdiction, today: NaiveDate) -> Option<String> {
    IdentityNumber::parse(written, Some(jurisdiction), today)
        .or_else(|_| IdentityNumber::parse(written, None, today))
        .ok()
        .map(|n| n.normalized())
}

/// Check the number an e-ID returned. It must be a valid number, the requester's number when
/// they gave one, and every linked ledger person's (`linked`: person id and the number recorded
/// with the link, normalised). Returns the normalised number, or why it does not prove the
/// requester is the person.
pub fn check_returned_number(
    returned: &str,
    jurisdiction: Jurisdiction,
    today: NaiveDate,
    requester_number: Option<&str>,
    linked: &[(String, Option<String>)],
) -> Result<String, String> {
    let returned = IdentityNumber::parse(returned.trim(), Some(jurisdiction), today)
        .or_else(|_| IdentityNumber::parse(returned.trim(), None, today))
        .map_err(|e| format!("the returned number is not valid: {e}"))?
        .normalized();
    if let Some(claimed) = requester_number.map(str::trim).filter(|c| !c.is_empty())
        && normalize_number(claimed, jurisdiction, today).as_deref() != Some(returned.as_str())
    {
        return Err("the e-ID returned a different personal number from the one the requester gave: not verified — this may be someone else".into());
    }
    for (person, number) in linked {
        match number {
            None => {
                return Err(format!(
                    "ledger person {person} has no personal number recorded with the link (none in the ledger, or linked before dsrdesk stored it: unlink and link again), so an e-ID cannot show the requester is them: not verified — relink, or verify by another method (registered e-mail or address, identity document)"
                ));
            }
            Some(n) if *n != returned => {
                return Err(format!(
                    "the e-ID returned a personal number that is not linked ledger person {person}'s: not verified, nothing recorded — the requester may be someone else; their data is not sent (Art. 12(6), 15(4))"
                ));
            }
            Some(_) => {}
        }
    }
    Ok(returned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    /// Anna (19811218-9876 in the fixture) linked; the e-ID returns her number in any written
    /// form, or someone else's.
    #[test]
    fn only_the_linked_persons_number_in_any_form_passes() {
        let linked = vec![("p-1".to_string(), Some("19811218-9876".to_string()))];
        for written in ["19811218-9876", "198112189876", "811218-9876", "8112189876"] {
            assert_eq!(
                check_returned_number(written, Jurisdiction::Sweden, day(), None, &linked).as_deref(),
                Ok("19811218-9876"),
                "{written}"
            );
        }
        // Another valid number (Luhn-correct): someone else.
        let err =
            check_returned_number("19550505-4329", Jurisdiction::Sweden, day(), None, &linked).unwrap_err();
        assert!(err.contains("not linked ledger person p-1"), "{err}");
        // The requester said another number than the e-ID returned.
        let err = check_returned_number(
            "19811218-9876",
            Jurisdiction::Sweden,
            day(),
            Some("19550505-4329"),
            &linked,
        )
        .unwrap_err();
        assert!(err.contains("different personal number"), "{err}");
        // A linked person without a number cannot be proved by an e-ID.
        let err = check_returned_number(
            "19811218-9876",
            Jurisdiction::Sweden,
            day(),
            None,
            &[("p-2".into(), None)],
        )
        .unwrap_err();
        assert!(err.contains("p-2 has no personal number"), "{err}");
        assert!(check_returned_number("19811218-9875", Jurisdiction::Sweden, day(), None, &linked).is_err());
    }
}
