//! Where the requester lives, as far as their address tells, and the supervisory authority there.
//!
//! Art. 77(1) GDPR: the data subject may complain to the supervisory authority of the member
//! state of their habitual residence, place of work or the alleged infringement — not only to the
//! controller's own authority. A reply names the controller's authority and, when the requester's
//! address is in another Nordic country, that country's authority too (seed 001 promises it).
//! Norway and Iceland apply the GDPR through the EEA Agreement.

use crate::domain::Jurisdiction;
use crate::domain::intake::Language;

/// A Nordic country an address can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nordic {
    Sweden,
    Finland,
    Denmark,
    Norway,
    Iceland,
}

/// A supervisory authority named in the subject's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authority {
    pub name: &'static str,
    pub website: &'static str,
}

impl Nordic {
    /// The country of a free-text postal address: its last line or comma-separated part naming
    /// a Nordic country (in its own language, Swedish, Finnish or English), or an ISO prefix on
    /// the postal code ("DK-2100", "N-0150", "FI-00100"). `None` when the address does not say.
    pub fn of_address(address: &str) -> Option<Nordic> {
        let last = address.rsplit([',', '\n']).map(str::trim).find(|p| !p.is_empty())?;
        let word = last.trim_end_matches('.').to_lowercase();
        let named = match word.as_str() {
            "sverige" | "sweden" | "ruotsi" => Some(Nordic::Sweden),
            "finland" | "suomi" => Some(Nordic::Finland),
            "danmark" | "denmark" | "tanska" => Some(Nordic::Denmark),
            "norge" | "noreg" | "norway" | "norja" => Some(Nordic::Norway),
            "island" | "ísland" | "iceland" | "islanti" => Some(Nordic::Iceland),
            _ => None,
        };
        if named.is_some() {
            return named;
        }
        // A postal code with its country prefix, anywhere in the address.
        address.split(|c: char| c.is_whitespace() || c == ',').find_map(|token| {
            let (prefix, digits) = token.split_once('-')?;
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            match prefix.to_ascii_uppercase().as_str() {
                "SE" | "S" => Some(Nordic::Sweden),
                "FI" | "SF" => Some(Nordic::Finland),
                "DK" => Some(Nordic::Denmark),
                "NO" | "N" => Some(Nordic::Norway),
                "IS" => Some(Nordic::Iceland),
                _ => None,
            }
        })
    }

    /// The controller's own country as a Nordic country.
    pub fn of(j: Jurisdiction) -> Nordic {
        match j {
            Jurisdiction::Sweden => Nordic::Sweden,
            Jurisdiction::Finland => Nordic::Finland,
        }
    }

    /// The country's name in the reply's language, as "in <country>" reads.
    pub fn name(self, language: Language) -> &'static str {
        use Language::*;
        use Nordic::*;
        match (self, language) {
            (Sweden, Sv) => "Sverige",
            (Sweden, Fi) => "Ruotsissa",
            (Sweden, En) => "Sweden",
            (Finland, Sv) => "Finland",
            (Finland, Fi) => "Suomessa",
            (Finland, En) => "Finland",
            (Denmark, Sv) => "Danmark",
            (Denmark, Fi) => "Tanskassa",
            (Denmark, En) => "Denmark",
            (Norway, Sv) => "Norge",
            (Norway, Fi) => "Norjassa",
            (Norway, En) => "Norway",
            (Iceland, Sv) => "Island",
            (Iceland, Fi) => "Islannissa",
            (Iceland, En) => "Iceland",
        }
    }

    /// The country's supervisory authority (Art. 51), in the reply's language.
    pub fn authority(self, language: Language) -> Authority {
        use Language::*;
        use Nordic::*;
        match self {
            Sweden => Authority {
                name: Jurisdiction::Sweden.authority(language).name,
                website: "https://www.imy.se",
            },
            Finland => Authority {
                name: Jurisdiction::Finland.authority(language).name,
                website: "https://tietosuoja.fi",
            },
            Denmark => Authority {
                name: match language {
                    Sv => "Datatilsynet (Danmark)",
                    Fi => "Tanskan tietosuojaviranomainen Datatilsynet",
                    En => "the Danish Data Protection Agency (Datatilsynet)",
                },
                website: "https://www.datatilsynet.dk",
            },
            Norway => Authority {
                name: match language {
                    Sv => "Datatilsynet (Norge)",
                    Fi => "Norjan tietosuojaviranomainen Datatilsynet",
                    En => "the Norwegian Data Protection Authority (Datatilsynet)",
                },
                website: "https://www.datatilsynet.no",
            },
            Iceland => Authority {
                name: match language {
                    Sv => "Persónuvernd (Island)",
                    Fi => "Islannin tietosuojaviranomainen Persónuvernd",
                    En => "the Icelandic Data Protection Authority (Persónuvernd)",
                },
                website: "https://www.personuvernd.is",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_in_oslo_is_in_norway() {
        assert_eq!(Nordic::of_address("Storgata 1, 0155 Oslo, Norge"), Some(Nordic::Norway));
        assert_eq!(Nordic::of_address("Storgata 1\nN-0155 Oslo"), Some(Nordic::Norway));
        assert_eq!(Nordic::of_address("Vesterbrogade 2, DK-1620 København V"), Some(Nordic::Denmark));
        assert_eq!(Nordic::of_address("Mannerheimintie 1, 00100 Helsinki, Finland"), Some(Nordic::Finland));
    }

    #[test]
    fn an_address_without_a_country_says_nothing() {
        assert_eq!(Nordic::of_address("Storgatan 1, 111 22 Stockholm"), None);
        assert_eq!(Nordic::of_address(""), None);
        // A house number with a letter suffix is not a country prefix.
        assert_eq!(Nordic::of_address("Storgatan 1-3, 111 22 Stockholm"), None);
    }
}
