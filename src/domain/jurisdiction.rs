//! The controller entity that answers a request fixes the country (holidays),
//! the time zone (which calendar date a request arrived on) and the supervisory authority.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, sqlx::Type)]
#[sqlx(type_name = "jurisdiction")]
pub enum Jurisdiction {
    #[serde(rename = "SE")]
    #[sqlx(rename = "SE")]
    Sweden,
    #[serde(rename = "FI")]
    #[sqlx(rename = "FI")]
    Finland,
}

impl Jurisdiction {
    pub const ALL: [Jurisdiction; 2] = [Jurisdiction::Sweden, Jurisdiction::Finland];

    pub fn code(self) -> &'static str {
        match self {
            Jurisdiction::Sweden => "SE",
            Jurisdiction::Finland => "FI",
        }
    }

    pub fn time_zone(self) -> Tz {
        match self {
            Jurisdiction::Sweden => chrono_tz::Europe::Stockholm,
            Jurisdiction::Finland => chrono_tz::Europe::Helsinki,
        }
    }

    /// An instant as the DPO reads it: the controller's local time with its zone ("2026-11-21
    /// 11:00 CET"), the same on the desk and the command line. `--json` keeps UTC.
    pub fn local_time_text(self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.time_zone()).format("%Y-%m-%d %H:%M %Z").to_string()
    }

    /// The calendar date of an instant in the controller's time zone.
    /// EDPB Guidelines 01/2022 §159: the clock starts on the day the request reaches the
    /// controller, which is that controller's local date, not the UTC date.
    pub fn local_date(self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.time_zone()).date_naive()
    }

    pub fn supervisory_authority(self) -> &'static str {
        match self {
            Jurisdiction::Sweden => "Integritetsskyddsmyndigheten (IMY)",
            Jurisdiction::Finland => "Tietosuojavaltuutetun toimisto / Dataombudsmannens byrå",
        }
    }

    /// The supervisory authority of the controller's country (Art. 77), named in the reply's
    /// language, with where a complaint goes. Every refusal and partial refusal states it
    /// (Art. 12(4)), and the access copy names it (Art. 15(1)(f)).
    pub fn authority(self, language: crate::domain::intake::Language) -> SupervisoryAuthority {
        use crate::domain::intake::Language::*;
        match self {
            Jurisdiction::Sweden => SupervisoryAuthority {
                name: match language {
                    Sv => "Integritetsskyddsmyndigheten (IMY)",
                    Fi => "Ruotsin tietosuojaviranomainen Integritetsskyddsmyndigheten (IMY)",
                    En => "the Swedish Authority for Privacy Protection (Integritetsskyddsmyndigheten, IMY)",
                },
                postal_address: "Box 8114, 104 20 Stockholm",
                website: "https://www.imy.se",
            },
            Jurisdiction::Finland => SupervisoryAuthority {
                name: match language {
                    Sv => "Dataombudsmannens byrå",
                    Fi => "Tietosuojavaltuutetun toimisto",
                    En => "the Office of the Data Protection Ombudsman (Tietosuojavaltuutetun toimisto)",
                },
                // Names per language (DOMAIN.md): Swedish text about Finland uses the Swedish names.
                postal_address: match language {
                    Sv => "PB 800, 00531 Helsingfors",
                    Fi => "PL 800, 00531 Helsinki",
                    En => "P.O. Box 800, 00531 Helsinki",
                },
                website: "https://tietosuoja.fi",
            },
        }
    }
}

/// Where a data subject complains (Art. 77).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SupervisoryAuthority {
    pub name: &'static str,
    pub postal_address: &'static str,
    pub website: &'static str,
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown jurisdiction {0:?}: expected SE or FI")]
pub struct UnknownJurisdiction(pub String);

impl FromStr for Jurisdiction {
    type Err = UnknownJurisdiction;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "SE" => Ok(Jurisdiction::Sweden),
            "FI" => Ok(Jurisdiction::Finland),
            _ => Err(UnknownJurisdiction(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn receipt_just_before_midnight_utc_is_next_day_in_stockholm() {
        // 23:30 UTC on 31 Jan is 00:30 on 1 Feb in Stockholm (CET, UTC+1).
        let at = Utc.with_ymd_and_hms(2026, 1, 31, 23, 30, 0).unwrap();
        assert_eq!(Jurisdiction::Sweden.local_date(at), NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
    }

    #[test]
    fn receipt_in_summer_uses_daylight_saving_offset() {
        // 22:30 UTC on 30 June is 00:30 (CEST, UTC+2) in Stockholm and 01:30 (EEST) in Helsinki.
        let at = Utc.with_ymd_and_hms(2026, 6, 30, 22, 30, 0).unwrap();
        let july_1 = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        assert_eq!(Jurisdiction::Sweden.local_date(at), july_1);
        assert_eq!(Jurisdiction::Finland.local_date(at), july_1);
        // 21:30 UTC: still 30 June in Stockholm, already 1 July in Helsinki.
        let at = Utc.with_ymd_and_hms(2026, 6, 30, 21, 30, 0).unwrap();
        assert_eq!(Jurisdiction::Sweden.local_date(at), NaiveDate::from_ymd_opt(2026, 6, 30).unwrap());
        assert_eq!(Jurisdiction::Finland.local_date(at), july_1);
    }

    #[test]
    fn parses_codes_case_insensitively() {
        assert_eq!("se".parse::<Jurisdiction>().unwrap(), Jurisdiction::Sweden);
        assert_eq!("FI".parse::<Jurisdiction>().unwrap(), Jurisdiction::Finland);
        assert!("DK".parse::<Jurisdiction>().is_err());
    }
}
