//! Human references: `DSR-YYYY-NNNNNN`, the year of receipt and a number counted per year.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    pub year: i32,
    pub number: i64,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DSR-{:04}-{:06}", self.year, self.number)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a request reference: expected DSR-YYYY-NNNNNN, e.g. DSR-2026-000123")]
pub struct BadReference(pub String);

impl FromStr for Reference {
    type Err = BadReference;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadReference(s.to_string());
        let upper = s.trim().to_ascii_uppercase();
        let rest = upper.strip_prefix("DSR-").ok_or_else(bad)?;
        let (year, number) = rest.split_once('-').ok_or_else(bad)?;
        // Six digits, or more only once the count passes 999,999 — never a padded seventh digit:
        // "DSR-2026-0000123" is a typo, not DSR-2026-000123, and is not silently taken as it.
        if year.len() != 4 || number.len() < 6 || (number.len() > 6 && number.starts_with('0')) {
            return Err(bad());
        }
        if !year.bytes().chain(number.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        Ok(Reference { year: year.parse().map_err(|_| bad())?, number: number.parse().map_err(|_| bad())? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip() {
        let r = Reference { year: 2026, number: 123 };
        assert_eq!(r.to_string(), "DSR-2026-000123");
        assert_eq!("dsr-2026-000123".parse::<Reference>().unwrap(), r);
        assert_eq!("DSR-2026-1234567".parse::<Reference>().unwrap().number, 1_234_567);
    }

    #[test]
    fn refuses_malformed() {
        for bad in
            ["", "DSR-26-000001", "DSR-2026-12", "REQ-2026-000001", "DSR-2026-00001x", "DSR-2026-0000123"]
        {
            assert!(bad.parse::<Reference>().is_err(), "{bad}");
        }
    }
}
