//! The data map: where a data subject's data lives in the agency's systems and what the law says
//! about each part of it.
//!
//! A TOML file names, per source, the SQL that selects one subject's rows, the data category, the
//! purpose and legal basis (Art. 13/15(1)(a)-(c)), whether the subject provided it and whether it
//! is portable (Art. 20(1)), the recipients (Art. 19), the retention rule, how its rows are erased
//! (delete, anonymise some columns, or only restrict) and which columns may be rectified.
//! dsrdesk ships one for its reference ledger (`datamap/reference-ledger.toml`); an agency points
//! `data_map` in the config at its own. Nothing else in dsrdesk names a ledger table.
//!
//! This module parses and checks the file on its own (pure); `store::ledger::check_data_map` then
//! checks it against the database (tables, columns, that every query prepares), so a broken map is
//! reported when dsrdesk starts, not halfway through an erasure.

use crate::domain::holds::RecordClass;
pub use crate::domain::plan::EraseMethod;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The data map shipped for dsrdesk's reference ledger (migration 0005).
pub const REFERENCE_LEDGER_MAP: &str = include_str!("../datamap/reference-ledger.toml");

/// The columns a source's `select` may return that are facts for the erasure plan, not data.
pub const FACT_COLUMNS: &[&str] = &[
    "row_id",
    "claim_open",
    "at_enforcement_or_court",
    "case_closed_on",
    "paid_in_full_on",
    "financial_year_end",
    "relationship_ended",
    "processor_client",
    "restricted",
];

/// The lawful basis of Art. 6(1), which decides portability (Art. 20(1)(a): consent or contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LawfulBasis {
    Consent,
    Contract,
    LegalObligation,
    VitalInterests,
    PublicTask,
    LegitimateInterests,
}

impl LawfulBasis {
    /// The Art. 6(1) point as each language cites it.
    pub fn article_in(self, language: crate::domain::intake::Language) -> String {
        use crate::domain::intake::Language;
        let point = match self {
            LawfulBasis::Consent => "a",
            LawfulBasis::Contract => "b",
            LawfulBasis::LegalObligation => "c",
            LawfulBasis::VitalInterests => "d",
            LawfulBasis::PublicTask => "e",
            LawfulBasis::LegitimateInterests => "f",
        };
        match language {
            Language::Sv => format!("artikel 6.1 {point}"),
            Language::Fi => format!("6 artiklan 1 kohdan {point} alakohta"),
            Language::En => self.article().to_string(),
        }
    }

    pub fn article(self) -> &'static str {
        match self {
            LawfulBasis::Consent => "Art. 6(1)(a)",
            LawfulBasis::Contract => "Art. 6(1)(b)",
            LawfulBasis::LegalObligation => "Art. 6(1)(c)",
            LawfulBasis::VitalInterests => "Art. 6(1)(d)",
            LawfulBasis::PublicTask => "Art. 6(1)(e)",
            LawfulBasis::LegitimateInterests => "Art. 6(1)(f)",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Short identifier, used on the command line and in events (`person`, `payments`).
    pub name: String,
    /// What a DPO and a data subject call it ("Payments and bookings").
    pub title: String,
    /// The title in the replies' other languages: `titles = { sv = "Betalningar", fi = "Maksut" }`.
    /// A language left out gets `title`.
    #[serde(default)]
    pub titles: BTreeMap<String, String>,
    /// The data category (Art. 15(1)(b)).
    pub category: String,
    /// The category in the other languages: `categories = { sv = "...", fi = "..." }`; likewise
    /// `purposes`, `legal_bases`, `retentions`. Every text that reaches a subject exists in sv,
    /// fi and en (`dsrdesk datamap` warns of a gap; the gap shows `category`).
    #[serde(default)]
    pub categories: BTreeMap<String, String>,
    /// Why the agency processes it (Art. 15(1)(a)).
    pub purpose: String,
    #[serde(default)]
    pub purposes: BTreeMap<String, String>,
    pub lawful_basis: LawfulBasis,
    /// The basis in words, with the law it rests on.
    pub legal_basis: String,
    #[serde(default)]
    pub legal_bases: BTreeMap<String, String>,
    /// The subject gave this data themself (Art. 20(1), Recital 68).
    pub provided_by_subject: bool,
    /// Included in a portability bundle. Only when provided and on consent or contract.
    pub portable: bool,
    /// Who receives it (Art. 15(1)(c)); each recipient that actually received a changed record is
    /// told of a rectification, erasure or restriction (Art. 19). A plain name: every row is sent
    /// to it; a table with `when`: only the rows where that column is true were sent.
    #[serde(default)]
    pub recipients: Vec<Recipient>,
    /// The retention rule in words (Art. 15(1)(d)).
    pub retention: String,
    #[serde(default)]
    pub retentions: BTreeMap<String, String>,
    /// Which hold rules apply to its rows.
    pub class: RecordClass,
    /// The table or updatable view that holds the rows (`schema.table`).
    pub table: String,
    /// Its key column: `row_id` in `select` is this column's value as text.
    pub key: String,
    /// When the key alone is not unique to the subject (a link table keyed by case), the column
    /// holding the person's id: every change is limited to rows where it matches.
    pub subject_column: Option<String>,
    /// A timestamp column set when the row is restricted (Art. 18) and cleared when lifted.
    pub restricted_column: Option<String>,
    /// Selects one subject's rows; `$1` is the ledger person's id as text. Must return `row_id`,
    /// may return the fact columns in `FACT_COLUMNS`; every other column is the subject's data.
    pub select: String,
    pub erase: EraseMethod,
    /// With `erase = "anonymise"`: the columns set to NULL.
    #[serde(default)]
    pub anonymise: Vec<String>,
    /// Columns the subject may have rectified (Art. 16); each must also be returned by `select`.
    #[serde(default)]
    pub rectify: Vec<String>,
    /// What an upheld objection (Art. 21(1)) does to this source's rows: `"restrict"` stops the
    /// processing by restricting them (`restricted_column`). Only for processing on legitimate
    /// interests or a public task; left out, an objection does not reach the source.
    #[serde(default)]
    pub on_objection: Option<ObjectionStop>,
}

/// How an upheld objection stops a source's processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionStop {
    /// Restrict the subject's rows (Art. 18): kept, not used.
    Restrict,
}

impl Source {
    /// The title in a reply's language (`titles`), else `title`.
    pub fn title_in(&self, language: crate::domain::intake::Language) -> &str {
        self.titles.get(language.as_str()).map_or(self.title.as_str(), String::as_str)
    }

    pub fn category_in(&self, language: crate::domain::intake::Language) -> &str {
        self.categories.get(language.as_str()).map_or(self.category.as_str(), String::as_str)
    }

    pub fn purpose_in(&self, language: crate::domain::intake::Language) -> &str {
        self.purposes.get(language.as_str()).map_or(self.purpose.as_str(), String::as_str)
    }

    pub fn legal_basis_in(&self, language: crate::domain::intake::Language) -> &str {
        self.legal_bases.get(language.as_str()).map_or(self.legal_basis.as_str(), String::as_str)
    }

    pub fn retention_in(&self, language: crate::domain::intake::Language) -> &str {
        self.retentions.get(language.as_str()).map_or(self.retention.as_str(), String::as_str)
    }

    /// The columns `select` returns that are the subject's data, in the order given.
    pub fn is_data_column(column: &str) -> bool {
        !FACT_COLUMNS.contains(&column) && !column.starts_with("disclosed_")
    }
}

/// A recipient of a source's rows (Art. 15(1)(c), Art. 19).
///
/// `recipients = ["The client (creditor)", { name = "Kronofogden", names = { sv = "Kronofogden",
/// fi = "Ruotsin ulosottoviranomainen" }, when = "disclosed_to_enforcement" }]`. `when` names a
/// column `select` returns, true for the rows that were actually sent to this recipient (the
/// case went to enforcement, a report was made): Art. 19 notices go only where data went. A
/// column named `disclosed_*` is a fact, not the subject's data (it is not in the access copy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RecipientSpec")]
pub struct Recipient {
    pub name: String,
    #[serde(default)]
    pub names: BTreeMap<String, String>,
    #[serde(default)]
    pub when: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RecipientSpec {
    Name(String),
    Full {
        name: String,
        #[serde(default)]
        names: BTreeMap<String, String>,
        #[serde(default)]
        when: Option<String>,
    },
}

impl From<RecipientSpec> for Recipient {
    fn from(spec: RecipientSpec) -> Recipient {
        match spec {
            RecipientSpec::Name(name) => Recipient { name, names: BTreeMap::new(), when: None },
            RecipientSpec::Full { name, names, when } => Recipient { name, names, when },
        }
    }
}

impl Recipient {
    /// The name in a reply's language (`names`), else `name`.
    pub fn name_in(&self, language: crate::domain::intake::Language) -> &str {
        self.names.get(language.as_str()).map_or(self.name.as_str(), String::as_str)
    }

    /// Whether this row (the JSON object `select` returned) was sent to the recipient.
    pub fn received(&self, row: &serde_json::Map<String, serde_json::Value>) -> bool {
        match &self.when {
            None => true,
            Some(column) => match row.get(column) {
                Some(serde_json::Value::Bool(b)) => *b,
                Some(serde_json::Value::Null) | None => false,
                Some(serde_json::Value::String(s)) => !s.is_empty(),
                Some(_) => true,
            },
        }
    }
}

impl DataMap {
    /// A column's label in the access copy's language; the column name when the map has none
    /// (`dsrdesk datamap` warns).
    pub fn column_label(&self, column: &str, language: crate::domain::intake::Language) -> String {
        self.columns
            .get(column)
            .and_then(|w| w.get(language.as_str()))
            .cloned()
            .unwrap_or_else(|| column.to_string())
    }

    /// A stored value as the subject reads it: a code as its word, yes/no for a flag.
    pub fn value_words(
        &self,
        column: &str,
        value: &serde_json::Value,
        language: crate::domain::intake::Language,
    ) -> Option<String> {
        use crate::domain::intake::Language;
        match value {
            serde_json::Value::Bool(b) => Some(
                match (language, b) {
                    (Language::Sv, true) => "ja",
                    (Language::Sv, false) => "nej",
                    (Language::Fi, true) => "kyllä",
                    (Language::Fi, false) => "ei",
                    (Language::En, true) => "yes",
                    (Language::En, false) => "no",
                }
                .to_string(),
            ),
            serde_json::Value::String(s) => self.codes.get(column)?.get(s)?.get(language.as_str()).cloned(),
            _ => None,
        }
    }

    /// What a subject would read in English in a Swedish or Finnish text: each source text,
    /// recipient and column without its sv or fi words.
    pub fn language_warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.sources {
            for (what, map) in [
                ("titles", &s.titles),
                ("categories", &s.categories),
                ("purposes", &s.purposes),
                ("legal_bases", &s.legal_bases),
                ("retentions", &s.retentions),
            ] {
                for code in ["sv", "fi"] {
                    if !map.contains_key(code) {
                        out.push(format!("source \"{}\": no {code} text in {what}", s.name));
                    }
                }
            }
            for r in &s.recipients {
                for code in ["sv", "fi"] {
                    if !r.names.contains_key(code) {
                        out.push(format!(
                            "source \"{}\": recipient \"{}\" has no {code} name",
                            s.name, r.name
                        ));
                    }
                }
            }
        }
        out
    }

    /// A recipient's name in a reply's language, found by its (stored) name in any source.
    pub fn recipient_name(&self, name: &str, language: crate::domain::intake::Language) -> String {
        self.sources
            .iter()
            .flat_map(|s| &s.recipients)
            .find(|r| r.name == name)
            .map_or(name, |r| r.name_in(language))
            .to_string()
    }
}

/// How to find ledger persons who may be the requester.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectLookup {
    /// `$1` normalised personal number, `$2` e-mail, `$3` full name ("Given Family"); each may be
    /// NULL. Returns `person_id`, `name`, `personal_number`, `email`, `address`, `phone`, `role`.
    pub candidates: String,
}

/// The statement that records a direct-marketing opt-out (Art. 21(3)): immediate and absolute.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Marketing {
    /// `$1` is the person's id as text.
    pub opt_out: String,
    /// Erases the person's marketing data (`$1` the person's id), for an agency whose policy is
    /// to erase it on an opt-out (seed 001: "kommer uppgifterna omedelbart att raderas"); used
    /// when the controller sets `marketing_opt_out_erases = true`.
    #[serde(default)]
    pub erase: Option<String>,
}

/// How to find a client's privacy contact (Art. 28; seed 004 §6.2): named to the subject when
/// part of their data is held for that client, who answers for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientLookup {
    /// `$1` is the client's name as a source's `processor_client` gives it; returns `contact`.
    pub contact: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataMap {
    pub version: u32,
    pub subjects: SubjectLookup,
    pub marketing: Marketing,
    #[serde(default)]
    pub clients: Option<ClientLookup>,
    /// What the access copy calls each data column, per language:
    /// `[columns.personal_number] sv = "Personnummer"; fi = "Henkilötunnus"; en = "..."`.
    #[serde(default)]
    pub columns: BTreeMap<String, BTreeMap<String, String>>,
    /// Stored codes as words, per column and value: `[codes.stage.payment_plan] sv = "..."`.
    #[serde(default)]
    pub codes: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
    #[serde(rename = "source")]
    pub sources: Vec<Source>,
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
#[error("data map {}: {message}", origin.as_deref().map(Path::display).map(|d| d.to_string()).unwrap_or_else(|| "(built in)".into()))]
pub struct DataMapError {
    pub origin: Option<PathBuf>,
    pub message: String,
}

/// A plain SQL identifier, optionally schema-qualified: what may be spliced into a statement.
fn is_identifier(name: &str, qualified: bool) -> bool {
    let part = |p: &str| {
        let mut chars = p.chars();
        chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    match name.split_once('.') {
        Some((schema, table)) if qualified => part(schema) && part(table),
        Some(_) => false,
        None => part(name),
    }
}

impl DataMap {
    pub fn built_in() -> DataMap {
        DataMap::parse(REFERENCE_LEDGER_MAP, None).expect("the shipped data map is valid (tested)")
    }

    pub fn load(path: &Path) -> Result<DataMap, DataMapError> {
        let text = std::fs::read_to_string(path).map_err(|e| DataMapError {
            origin: Some(path.to_path_buf()),
            message: format!("cannot read: {e}"),
        })?;
        DataMap::parse(&text, Some(path))
    }

    /// Parse and check everything that can be checked without a database.
    pub fn parse(text: &str, origin: Option<&Path>) -> Result<DataMap, DataMapError> {
        let fail = |message: String| DataMapError { origin: origin.map(Path::to_path_buf), message };
        let mut map: DataMap = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
        map.origin = origin.map(Path::to_path_buf);
        if map.version != 1 {
            return Err(fail(format!("version = {}: this dsrdesk reads version 1", map.version)));
        }
        if map.sources.is_empty() {
            return Err(fail("no [[source]]: the data map must name where subject data lives".into()));
        }
        let mut names = BTreeSet::new();
        for s in &map.sources {
            let at = |m: String| fail(format!("[[source]] \"{}\": {m}", s.name));
            if !is_identifier(&s.name, false) {
                return Err(at("name must be lower-case letters, digits and _".into()));
            }
            if !names.insert(s.name.as_str()) {
                return Err(at("appears twice".into()));
            }
            if !is_identifier(&s.table, true) {
                return Err(at(format!("table = \"{}\" is not a plain (schema.)table name", s.table)));
            }
            let columns = std::iter::once(&s.key)
                .chain(s.restricted_column.iter())
                .chain(s.subject_column.iter())
                .chain(s.anonymise.iter())
                .chain(s.rectify.iter());
            for c in columns {
                if !is_identifier(c, false) {
                    return Err(at(format!("\"{c}\" is not a plain column name")));
                }
            }
            match (s.erase, s.anonymise.is_empty()) {
                (EraseMethod::Anonymise, true) => {
                    return Err(at("erase = \"anonymise\" needs the anonymise = [...] columns".into()));
                }
                (EraseMethod::Delete | EraseMethod::Restrict, false) => {
                    return Err(at("anonymise = [...] is only for erase = \"anonymise\"".into()));
                }
                _ => {}
            }
            if s.erase == EraseMethod::Restrict && s.restricted_column.is_none() {
                return Err(at("erase = \"restrict\" needs restricted_column".into()));
            }
            // Art. 21(1) reaches processing on Art. 6(1)(e) or (f) only.
            if s.on_objection.is_some() {
                if !matches!(s.lawful_basis, LawfulBasis::LegitimateInterests | LawfulBasis::PublicTask) {
                    return Err(at(format!(
                        "on_objection is for processing on legitimate interests or a public task (Art. 21(1)), not {}",
                        s.lawful_basis.article()
                    )));
                }
                if s.restricted_column.is_none() {
                    return Err(at("on_objection = \"restrict\" needs restricted_column".into()));
                }
            }
            if s.anonymise.contains(&s.key) {
                return Err(at(format!("the key \"{}\" cannot be anonymised", s.key)));
            }
            // Art. 20(1)(a), Recital 68: only what the subject provided, on consent or contract.
            if s.portable && !s.provided_by_subject {
                return Err(at("portable = true but provided_by_subject = false (Art. 20(1))".into()));
            }
            if s.portable && !matches!(s.lawful_basis, LawfulBasis::Consent | LawfulBasis::Contract) {
                return Err(at(format!(
                    "portable = true but the lawful basis is {} ({}): Art. 20(1)(a) covers consent and contract only",
                    serde_json::to_value(s.lawful_basis).expect("serialisable"),
                    s.lawful_basis.article()
                )));
            }
            if let Some(code) = s.titles.keys().find(|k| !matches!(k.as_str(), "sv" | "fi" | "en")) {
                return Err(at(format!("titles: unknown language \"{code}\" (sv, fi or en)")));
            }
            for r in &s.recipients {
                if let Some(code) = r.names.keys().find(|k| !matches!(k.as_str(), "sv" | "fi" | "en")) {
                    return Err(at(format!(
                        "recipient \"{}\": unknown language \"{code}\" (sv, fi or en)",
                        r.name
                    )));
                }
                if let Some(when) = &r.when {
                    if !is_identifier(when, false) {
                        return Err(at(format!(
                            "recipient \"{}\": when = \"{when}\" is not a column name",
                            r.name
                        )));
                    }
                    // A `disclosed_*` column is a fact, kept out of the access copy; any other
                    // column would be the subject's data shown as if it said where data went.
                    if !when.starts_with("disclosed_") {
                        return Err(at(format!(
                            "recipient \"{}\": when = \"{when}\" must name a disclosed_* column of select (true for the rows sent to this recipient, Art. 19)",
                            r.name
                        )));
                    }
                }
            }
            if s.select.trim_end().ends_with(';') {
                return Err(at("select must be a single query without a trailing ;".into()));
            }
            if !s.select.contains("$1") {
                return Err(at("select must use $1 (the person's id)".into()));
            }
        }
        Ok(map)
    }

    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }

    pub fn describe_origin(&self) -> String {
        match &self.origin {
            Some(p) => p.display().to_string(),
            None => "built-in reference-ledger map".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn titles_per_language_fall_back_to_the_title_and_unknown_languages_are_refused() {
        use crate::domain::intake::Language;
        let map = DataMap::built_in();
        let payments = map.source("payments").unwrap();
        assert_eq!(payments.title_in(Language::Sv), "Betalningar och bokföring");
        assert_eq!(payments.title_in(Language::En), "Payments and bookings");
        let text = REFERENCE_LEDGER_MAP.replacen("titles = { sv =", "titles = { se =", 1);
        let err = DataMap::parse(&text, None).unwrap_err().to_string();
        assert!(err.contains("unknown language \"se\""), "{err}");
    }

    use super::*;

    #[test]
    fn shipped_map_parses() {
        let map = DataMap::built_in();
        assert!(map.source("person").is_some());
        assert!(map.sources.iter().any(|s| s.portable));
    }

    fn with_source(extra: &str) -> String {
        let base =
            "version = 1\n[subjects]\ncandidates = \"SELECT 1\"\n[marketing]\nopt_out = \"SELECT 1\"\n";
        format!(
            "{base}[[source]]\nname = \"x\"\ntitle = \"X\"\ncategory = \"c\"\npurpose = \"p\"\nlegal_basis = \"l\"\nretention = \"r\"\nclass = \"claim\"\ntable = \"ledger.x\"\nkey = \"id\"\nselect = \"SELECT id::text AS row_id FROM ledger.x WHERE person_id = $1::bigint\"\n{extra}"
        )
    }

    #[test]
    fn portability_of_data_on_legitimate_interest_is_refused_art_20_1_a() {
        let text = with_source(
            "lawful_basis = \"legitimate_interests\"\nprovided_by_subject = true\nportable = true\nerase = \"delete\"\n",
        );
        let err = DataMap::parse(&text, None).unwrap_err().to_string();
        assert!(err.contains("\"x\"") && err.contains("Art. 20(1)(a)"), "{err}");
    }

    /// Art. 21(1) reaches processing on legitimate interests or a public task: an objection
    /// cannot "stop" a legal obligation, and stopping means restricting, which needs the column.
    #[test]
    fn on_objection_is_only_for_legitimate_interests_and_needs_the_restricted_column_art_21_1() {
        let rest = "provided_by_subject = false\nportable = false\nerase = \"delete\"\non_objection = \"restrict\"\n";
        let legal = with_source(&format!(
            "lawful_basis = \"legal_obligation\"\nrestricted_column = \"restricted_at\"\n{rest}"
        ));
        let err = DataMap::parse(&legal, None).unwrap_err().to_string();
        assert!(err.contains("Art. 21(1)"), "{err}");
        let no_column = with_source(&format!("lawful_basis = \"legitimate_interests\"\n{rest}"));
        let err = DataMap::parse(&no_column, None).unwrap_err().to_string();
        assert!(err.contains("restricted_column"), "{err}");
        let fine = with_source(&format!(
            "lawful_basis = \"legitimate_interests\"\nrestricted_column = \"restricted_at\"\n{rest}"
        ));
        let map = DataMap::parse(&fine, None).unwrap();
        assert_eq!(map.sources[0].on_objection, Some(ObjectionStop::Restrict));
        // The shipped map: every source on legitimate interests says it, no other does.
        for s in &DataMap::built_in().sources {
            let li = s.lawful_basis == LawfulBasis::LegitimateInterests;
            assert_eq!(s.on_objection.is_some(), li, "{}", s.name);
        }
    }

    #[test]
    fn portability_of_data_not_provided_by_the_subject_is_refused_recital_68() {
        let text = with_source(
            "lawful_basis = \"contract\"\nprovided_by_subject = false\nportable = true\nerase = \"delete\"\n",
        );
        assert!(DataMap::parse(&text, None).unwrap_err().to_string().contains("provided_by_subject"));
    }

    #[test]
    fn anonymise_without_columns_is_refused() {
        let text = with_source(
            "lawful_basis = \"contract\"\nprovided_by_subject = false\nportable = false\nerase = \"anonymise\"\n",
        );
        assert!(DataMap::parse(&text, None).unwrap_err().to_string().contains("anonymise"));
    }

    #[test]
    fn table_name_with_sql_in_it_is_refused() {
        let text = with_source(
            "lawful_basis = \"contract\"\nprovided_by_subject = false\nportable = false\nerase = \"delete\"\n",
        )
        .replace("table = \"ledger.x\"", "table = \"ledger.x; DROP TABLE requests\"");
        let err = DataMap::parse(&text, None).unwrap_err().to_string();
        assert!(err.contains("not a plain"), "{err}");
    }

    #[test]
    fn unknown_key_is_refused_with_its_name() {
        let text = with_source(
            "lawful_basis = \"contract\"\nprovided_by_subject = false\nportable = false\nerase = \"delete\"\nrecipents = []\n",
        );
        let err = DataMap::parse(&text, Some(Path::new("/etc/dsrdesk/map.toml"))).unwrap_err().to_string();
        assert!(err.contains("recipents") && err.contains("/etc/dsrdesk/map.toml"), "{err}");
    }
}
