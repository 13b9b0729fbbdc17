//! What a DPO typed into the queue's search, and so how to look it up. Each kind of term has the
//! index that answers it in milliseconds among a million requests (migration 0009): a whole
//! reference by the unique index, a name by its words, anything else as a substring.

use super::reference::Reference;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchTerm {
    /// A whole reference (`DSR-2026-000123`, any case): that one request.
    Reference(String),
    /// Letters only: a name. Each word must begin a word of the requester's name ("lars" finds
    /// "Larsson", "öberg" finds "Åsa Öberg"). Lower-cased, letters only, never empty.
    NameWords(Vec<String>),
    /// Anything else (part of a reference, a personal number, an e-mail address): a
    /// case-insensitive substring of the reference, name, e-mail or personal number.
    Substring(String),
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
    fn numbers_addresses_and_symbols_are_substrings() {
        for term in ["19811218-9876", "asa@example.se", "100%_\\", "'; DROP TABLE requests; --", "-"] {
            assert_eq!(SearchTerm::parse(term), Some(SearchTerm::Substring(term.trim().into())), "{term}");
        }
        assert_eq!(SearchTerm::parse("   "), None);
    }
}
