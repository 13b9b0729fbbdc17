//! What a DPO typed into the queue's search, and so how to look it up. Each kind of term has the
//! index that answers it in milliseconds among millions of requests: a whole reference by the
//! unique index, a whole personal number by its normal form (migration 0047), a name by the
//! beginnings of its words (0046), anything else as a substring (0009).

use super::reference::Reference;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchTerm {
    /// A whole reference (`DSR-2026-000123`, any case): that one request.
    Reference(String),
    /// Letters only: a name. Each word must begin a word of the requester's name ("lars" finds
    /// "Larsson", "öberg" finds "Åsa Öberg"). Lower-cased, letters only, never empty.
    NameWords(Vec<String>),
    /// A whole personal number in any written form: the normal forms (migration 0030) it can
    /// stand for. Those are the requests the term finds as a substring of the number's written
    /// and normal forms, looked up by key rather than by a scan of every number's trigrams.
    PersonalNumber(Vec<String>),
    /// Anything else (part of a reference, a personal number, an e-mail address): a
    /// case-insensitive substring of the reference, name, e-mail or personal number.
    Substring(String),
}

/// The normal forms (`dsrdesk_normal_identity_number`, migration 0030) a whole written personal
/// number can have, or None when `term` is not one.
/// - 12 digits, with or without the hyphen: the Swedish `YYYYMMDD-NNNN`.
/// - 10 digits, with `-`, `+` or nothing between: a Swedish number with its century left out,
///   which the day of receipt decides (and `+` puts a century earlier), so any of 1800-2099 —
///   as a substring it matched each of them too; with `-` or `+` it may also be a Finnish HETU.
/// - A HETU with any other century sign (`A`-`F`, `U`-`Y`): itself, upper case.
fn personal_number_forms(term: &str) -> Option<Vec<String>> {
    let t = term.to_uppercase();
    let b = t.as_bytes();
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let text = |s: &[u8]| String::from_utf8_lossy(s).into_owned();
    let swedish = |yymmdd: &[u8], nnnn: &[u8]| -> Vec<String> {
        ["18", "19", "20"].iter().map(|cc| format!("{cc}{}-{}", text(yymmdd), text(nnnn))).collect()
    };
    match b.len() {
        12 if digits(b) => Some(vec![format!("{}-{}", text(&b[..8]), text(&b[8..]))]),
        13 if digits(&b[..8]) && b[8] == b'-' && digits(&b[9..]) => Some(vec![t.clone()]),
        10 if digits(b) => Some(swedish(&b[..6], &b[6..])),
        11 if digits(&b[..6]) && digits(&b[7..10]) => {
            let hetu_check = b[10].is_ascii_digit() || (b[10].is_ascii_uppercase() && b[10] != b'Z');
            let mut forms = Vec::new();
            if matches!(b[6], b'-' | b'+') && b[10].is_ascii_digit() {
                forms.extend(swedish(&b[..6], &b[7..]));
            }
            if matches!(b[6], b'-' | b'+' | b'A'..=b'F' | b'U'..=b'Y') && hetu_check {
                forms.push(t.clone());
            }
            (!forms.is_empty()).then_some(forms)
        }
        _ => None,
    }
}

impl SearchTerm {
    /// None for an empty (or all-blank) term: no search.
    pub fn parse(term: &str) -> Option<SearchTerm> {
        let term = term.trim();
        if term.is_empty() {
            return None;
        }
        if let Ok(reference) = term.parse::<Reference>() {
            return Some(SearchTerm::Reference(reference.to_string()));
        }
        // Hyphens and apostrophes join parts of names (Anna-Karin, O'Brien); each part is a word
        // of its own in the name index too.
        let is_name = term.chars().all(|c| c.is_alphabetic() || c.is_whitespace() || c == '-' || c == '\'');
        let words: Vec<String> = term
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .map(|w| w.to_lowercase())
            .collect();
        if is_name && !words.is_empty() {
            return Some(SearchTerm::NameWords(words));
        }
        if let Some(forms) = personal_number_forms(term) {
            return Some(SearchTerm::PersonalNumber(forms));
        }
        Some(SearchTerm::Substring(term.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_reference_is_looked_up_exactly() {
        assert_eq!(
            SearchTerm::parse(" dsr-2026-000123 "),
            Some(SearchTerm::Reference("DSR-2026-000123".into()))
        );
        // Part of one is a substring.
        assert_eq!(SearchTerm::parse("2026-000123"), Some(SearchTerm::Substring("2026-000123".into())));
    }

    #[test]
    fn names_are_words_and_prefixes() {
        assert_eq!(
            SearchTerm::parse("Åsa  Öberg"),
            Some(SearchTerm::NameWords(vec!["åsa".into(), "öberg".into()]))
        );
        assert_eq!(
            SearchTerm::parse("Anna-Karin O'Brien"),
            Some(SearchTerm::NameWords(vec!["anna".into(), "karin".into(), "o".into(), "brien".into()]))
        );
    }

    #[test]
    fn a_whole_personal_number_stands_for_its_normal_forms() {
        let forms = |t: &str| match SearchTerm::parse(t) {
            Some(SearchTerm::PersonalNumber(f)) => f,
            other => panic!("{t}: {other:?}"),
        };
        assert_eq!(forms("19811218-9876"), ["19811218-9876"]);
        assert_eq!(forms(" 198112189876 "), ["19811218-9876"]);
        let short = ["18811218-9876", "19811218-9876", "20811218-9876"];
        assert_eq!(forms("8112189876"), short);
        // The shape of a HETU too ("811218-9876" is one, read as such in a Finnish request).
        assert_eq!(forms("811218-9876"), [&short[..], &["811218-9876"]].concat());
        assert_eq!(forms("811218+9876"), [&short[..], &["811218+9876"]].concat());
        assert_eq!(forms("131052-308t"), ["131052-308T"]);
        assert_eq!(forms("010594Y9032"), ["010594Y9032"]);
    }

    #[test]
    fn numbers_addresses_and_symbols_are_substrings() {
        for term in
            ["1218-9876", "19811218-98", "asa@example.se", "100%_\\", "'; DROP TABLE requests; --", "-"]
        {
            assert_eq!(SearchTerm::parse(term), Some(SearchTerm::Substring(term.trim().into())), "{term}");
        }
        assert_eq!(SearchTerm::parse("   "), None);
    }
}
