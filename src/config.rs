//! Settings: a TOML file (optional), then the environment.
//!
//! The file is looked for at `--config PATH`, else `$DSRDESK_CONFIG`, else
//! `$XDG_CONFIG_HOME/dsrdesk/config.toml`. Unknown keys are errors, so a typo never silently
//! changes a deadline.

use crate::datamap::{DataMap, DataMapError};
use crate::domain::Jurisdiction;
use crate::domain::calendar::WorkingCalendar;
use crate::domain::holds::RetentionPolicy;
use crate::domain::intake::Language;
use crate::mail::templates::{TemplateError, TemplateSet};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControllerSettings {
    /// The legal entity that answers, e.g. "Exempel Inkasso AB".
    pub name: String,
    /// Treat midsommarafton, julafton and nyårsafton as holidays. Off: they are not statutory
    /// holidays, and counting them as working days gives the earlier, safe deadline.
    #[serde(default)]
    pub eves_are_holidays: bool,
    /// The agency's own target in days (seed 000 promises 30). Shown beside the legal date.
    #[serde(default = "default_internal_target_days")]
    pub internal_target_days: u32,
    /// The agency's own retention period: a hold only on the Art. 17(3) ground it names (`ground`).
    #[serde(default)]
    pub retention: RetentionSettings,
    /// The desk's own retention (issue 17 §3, Art. 5(1)(e)): months after a request closed when
    /// the personal data the desk holds about it is anonymised (`domain::retention`; default 36).
    #[serde(default = "default_anonymise_after_months")]
    pub anonymise_after_months: u32,
    /// Where data subjects reach the controller (Art. 13(1)(a)–(b)): the address replies come
    /// from and the contact details replies and access copies give.
    #[serde(default)]
    pub contact: ContactSettings,
    /// The language of replies when the request does not name one (`sv`, `fi` or `en`).
    pub default_language: Option<Language>,
    /// What the access copy states for the controller as a whole (Art. 15(1)(g)-(h), 15(2)).
    #[serde(default)]
    pub policy: PolicySettings,
    /// Art. 21(3): the agency's policy erases the marketing data on an opt-out (seed 001), with
    /// the data map's `[marketing] erase`; off, the opt-out is recorded and marketing stops.
    #[serde(default)]
    pub marketing_opt_out_erases: bool,
}

/// The controller's contact details, as replies and access copies state them.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ContactSettings {
    /// The data protection mailbox: replies are sent from it and answers come back to it.
    pub email: String,
    /// The postal address, one line ("Box 123, 111 22 Stockholm").
    pub postal_address: String,
    #[serde(default)]
    pub phone: Option<String>,
}

impl Default for ContactSettings {
    fn default() -> Self {
        ContactSettings {
            email: "dataskydd@exempelinkasso.example".to_string(),
            postal_address: "Box 123, 111 22 Stockholm".to_string(),
            phone: None,
        }
    }
}

/// A text in the reply's language: one string for every language, or a table
/// `{ sv = "...", fi = "...", en = "..." }` (a missing language falls back to en, then sv, then fi).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum LocalText {
    One(String),
    PerLanguage(PerLanguage),
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PerLanguage {
    pub sv: Option<String>,
    pub fi: Option<String>,
    pub en: Option<String>,
}

impl LocalText {
    /// Whether the text is written for this language itself (not a fallback).
    pub fn has(&self, language: Language) -> bool {
        match self {
            LocalText::One(_) => false,
            LocalText::PerLanguage(p) => match language {
                Language::Sv => p.sv.is_some(),
                Language::Fi => p.fi.is_some(),
                Language::En => p.en.is_some(),
            },
        }
    }

    pub fn get(&self, language: Language) -> Option<&str> {
        match self {
            LocalText::One(s) => Some(s),
            LocalText::PerLanguage(p) => {
                let of = |l: Language| match l {
                    Language::Sv => p.sv.as_deref(),
                    Language::Fi => p.fi.as_deref(),
                    Language::En => p.en.as_deref(),
                };
                of(language)
                    .or_else(|| of(Language::En))
                    .or_else(|| of(Language::Sv))
                    .or_else(|| of(Language::Fi))
            }
        }
    }
}

/// The controller-wide statements of an access copy (Art. 15(1)(g), (h) and 15(2)). Each is
/// optional: left out, dsrdesk states its built-in default (`crate::export::policy_defaults`),
/// which an agency must read and adjust to what it really does.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PolicySettings {
    /// Where the data comes from when not from the subject (Art. 15(1)(g)).
    pub sources_of_data: Option<LocalText>,
    /// Automated decisions and profiling, with the logic and the consequences (Art. 15(1)(h), 22).
    pub automated_decisions: Option<LocalText>,
    /// Transfers to third countries and their safeguards (Art. 15(2), 46).
    pub transfers: Option<LocalText>,
    /// Anything else the copy should say (e.g. the DPO's name), after the rights.
    pub other_information: Option<LocalText>,
}

/// How long the agency keeps closed cases, in months. Seed 001 keeps them 36 months after the
/// case closed; seed 002 within a year after full payment. Either may be left out.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    #[serde(default = "default_months_after_case_closed")]
    pub months_after_case_closed: Option<u32>,
    #[serde(default)]
    pub months_after_full_payment: Option<u32>,
    /// The Art. 17(3) ground the period after a case closed rests on ("17(3)(e)"). Without it the
    /// period is not a reason to keep anything (DOMAIN "agency policy": none by default).
    #[serde(default)]
    pub ground: Option<crate::domain::holds::PolicyGround>,
}

fn default_months_after_case_closed() -> Option<u32> {
    Some(36)
}

impl Default for RetentionSettings {
    fn default() -> Self {
        RetentionSettings {
            months_after_case_closed: default_months_after_case_closed(),
            months_after_full_payment: None,
            ground: None,
        }
    }
}

impl RetentionSettings {
    pub fn policy(self) -> RetentionPolicy {
        RetentionPolicy {
            months_after_case_closed: self.months_after_case_closed,
            months_after_full_payment: self.months_after_full_payment,
            ground: self.ground,
        }
    }
}

fn default_anonymise_after_months() -> u32 {
    crate::domain::retention::DEFAULT_ANONYMISE_AFTER_MONTHS
}

fn default_internal_target_days() -> u32 {
    30
}

impl ControllerSettings {
    fn default_for(j: Jurisdiction) -> Self {
        ControllerSettings {
            name: match j {
                Jurisdiction::Sweden => "Exempel Inkasso AB".to_string(),
                Jurisdiction::Finland => "Esimerkki Perintä Oy".to_string(),
            },
            eves_are_holidays: false,
            internal_target_days: default_internal_target_days(),
            retention: RetentionSettings::default(),
            anonymise_after_months: default_anonymise_after_months(),
            contact: match j {
                Jurisdiction::Sweden => ContactSettings::default(),
                Jurisdiction::Finland => ContactSettings {
                    email: "tietosuoja@esimerkkiperinta.example".to_string(),
                    postal_address: "PL 123, 00100 Helsinki".to_string(),
                    phone: None,
                },
            },
            default_language: None,
            policy: PolicySettings::default(),
            marketing_opt_out_erases: false,
        }
    }

    /// The reply language: the request's own, else the controller's default, else the
    /// country's main language (Finnish for a Finnish controller).
    pub fn reply_language(&self, j: Jurisdiction, requested: Option<Language>) -> Language {
        requested.or(self.default_language).unwrap_or(match j {
            Jurisdiction::Sweden => Language::Sv,
            Jurisdiction::Finland => Language::Fi,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    controllers: BTreeMap<String, ControllerSettings>,
    /// The data map file (relative paths are relative to the config file). Default: the map of
    /// dsrdesk's reference ledger.
    data_map: Option<PathBuf>,
    /// A directory of reply templates (relative to the config file) replacing the built-in ones
    /// file by file.
    templates: Option<PathBuf>,
    /// How replies leave: the SMTP relay (see `crate::mail::smtp`).
    #[serde(default)]
    smtp: SmtpSettings,
    /// Where requests arrive by e-mail (`crate::mail::inbox::settings`).
    #[serde(default)]
    mailboxes: Vec<crate::mail::inbox::settings::MailboxSettings>,
    /// `[desk]`: how the terminal desk behaves.
    #[serde(default)]
    desk: DeskSettings,
    /// `[log]`: where the program's own log goes and how much it says (`crate::logging`).
    #[serde(default)]
    log: crate::logging::LogSettings,
    /// `[database]`: where reads may go besides the primary.
    #[serde(default)]
    database: DatabaseSettings,
}

/// `[database]`: the primary is `DATABASE_URL` (or the embedded cluster); a streaming replica
/// (hot standby) may take the reads that need not be up to the millisecond: read-only desks,
/// `list`, `show`, `overview` and `report`. Every change still goes to the primary.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://auditor@replica.example/dsrdesk`. `DSRDESK_REPLICA_URL` overrides it. A
    /// password belongs in `~/.pgpass` (or `PGPASSFILE`), not here.
    pub replica_url: Option<String>,
}

/// `[desk]`: the terminal desk's own settings.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DeskSettings {
    /// Offer to copy a bundle's passphrase to the terminal's clipboard with OSC 52 (`c` in the
    /// passphrase dialog). Off by default: the sequence hands the secret to the terminal emulator
    /// (and, over SSH or tmux, to whatever sits between), which may keep it in a clipboard
    /// history or share it with other machines; an agency turns it on only where that is allowed.
    #[serde(default)]
    pub osc52_clipboard: bool,
    /// The operators `a` (assign) offers besides those the database knows from their work (who
    /// marked the overview seen, who holds requests, who acted recently): a new colleague who has
    /// not yet opened the desk.
    #[serde(default)]
    pub operators: Vec<String>,
}

/// `[smtp]`: the relay replies are sent through. The environment overrides the file
/// (`DSRDESK_SMTP_URL`, `DSRDESK_SMTP_PASSWORD`, `DSRDESK_SMTP_PASSWORD_FILE`); the password is
/// only ever read from a file or the environment, never from this file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    /// `smtps://host:465` (TLS), `smtp://host:587?tls=required` (STARTTLS), or
    /// `smtp://127.0.0.1:2525` (plain: loopback only).
    pub url: Option<String>,
    pub username: Option<String>,
    /// A file holding the password; refused when group or others may read it.
    pub password_file: Option<PathBuf>,
    /// A PEM file of root certificates to trust for the relay besides the system's (an agency's
    /// own CA); relative to the configuration file.
    pub ca_file: Option<PathBuf>,
    /// Messages delivered at once over the connection pool (default 8).
    pub concurrency: Option<usize>,
    /// Seconds to wait for the server's answer (default 60).
    pub timeout_secs: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Config {
    sweden: ControllerSettings,
    finland: ControllerSettings,
    /// Where the settings came from, for `dsrdesk show`-style diagnostics.
    pub source: Option<PathBuf>,
    /// Where subject data lives, parsed and checked (not yet against the database).
    pub data_map: Arc<DataMap>,
    /// The reply templates, parsed and checked.
    pub templates: Arc<TemplateSet>,
    /// `[smtp]` as written in the file (the environment is applied by `crate::mail::smtp`).
    pub smtp: SmtpSettings,
    /// `[[mailboxes]]`, checked (secrets are read when a mailbox is opened).
    pub mailboxes: Vec<crate::mail::inbox::settings::MailboxSettings>,
    /// `[desk]` as written in the file.
    pub desk: DeskSettings,
    /// `[database]` as written in the file (see [`Config::replica_url`] for the environment).
    pub database: DatabaseSettings,
    /// `[log]`, the file made absolute against the configuration file's directory.
    pub log: crate::logging::LogSettings,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sweden: ControllerSettings::default_for(Jurisdiction::Sweden),
            finland: ControllerSettings::default_for(Jurisdiction::Finland),
            source: None,
            data_map: Arc::new(DataMap::built_in()),
            templates: Arc::new(TemplateSet::built_in()),
            smtp: SmtpSettings::default(),
            mailboxes: Vec::new(),
            desk: DeskSettings::default(),
            database: DatabaseSettings::default(),
            log: crate::logging::LogSettings::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(transparent)]
    DataMap(#[from] DataMapError),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

impl Config {
    pub fn controller(&self, j: Jurisdiction) -> &ControllerSettings {
        match j {
            Jurisdiction::Sweden => &self.sweden,
            Jurisdiction::Finland => &self.finland,
        }
    }

    /// The same settings with the Art. 17(3) ground of both controllers' retention period set
    /// (seed 001's practice: `ground = "17(3)(e)"`).
    pub fn with_policy_ground(mut self, ground: Option<crate::domain::holds::PolicyGround>) -> Config {
        self.sweden.retention.ground = ground;
        self.finland.retention.ground = ground;
        self
    }

    pub fn retention_policy(&self, j: Jurisdiction) -> RetentionPolicy {
        self.controller(j).retention.policy()
    }

    pub fn calendar(&self, j: Jurisdiction) -> WorkingCalendar {
        WorkingCalendar { jurisdiction: j, eves_are_holidays: self.controller(j).eves_are_holidays }
    }

    /// The replica reads may go to: `DSRDESK_REPLICA_URL` when set (an empty value turns the
    /// file's off), else `[database] replica_url`.
    pub fn replica_url(&self) -> Option<String> {
        self.replica_url_with(std::env::var("DSRDESK_REPLICA_URL").ok())
    }

    fn replica_url_with(&self, from_env: Option<String>) -> Option<String> {
        match from_env {
            Some(url) => Some(url).filter(|u| !u.trim().is_empty()),
            None => self.database.replica_url.clone().filter(|u| !u.trim().is_empty()),
        }
    }

    /// The default location, if a file is there.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("DSRDESK_CONFIG") {
            return Some(PathBuf::from(p));
        }
        let p = dirs::config_dir()?.join("dsrdesk").join("config.toml");
        p.exists().then_some(p)
    }

    /// Load from `explicit`, else the default location, else built-in defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        match explicit.map(Path::to_path_buf).or_else(Config::default_path) {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|source| ConfigError::Read { path: path.clone(), source })?;
                Config::parse(&text, &path)
            }
            None => Ok(Config::default()),
        }
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid { path: path.to_path_buf(), message };
        let file: ConfigFile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let mut config = Config {
            source: Some(path.to_path_buf()),
            smtp: file.smtp,
            desk: file.desk,
            database: file.database,
            log: file.log,
            ..Config::default()
        };
        if let Some(log_file) = &config.log.file
            && log_file.is_relative()
            && let Some(dir) = path.parent()
        {
            config.log.file = Some(dir.join(log_file));
        }
        if let Some(password_file) = &config.smtp.password_file
            && password_file.is_relative()
            && let Some(dir) = path.parent()
        {
            config.smtp.password_file = Some(dir.join(password_file));
        }
        if let Some(ca_file) = &config.smtp.ca_file
            && ca_file.is_relative()
            && let Some(dir) = path.parent()
        {
            config.smtp.ca_file = Some(dir.join(ca_file));
        }
        if let Some(name) = config
            .desk
            .operators
            .iter()
            .find(|n| n.is_empty() || n.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(invalid(format!(
                "[desk] operators: {name:?} is not a user name (empty, or with a space or control character)"
            )));
        }
        config.mailboxes = crate::mail::inbox::settings::check(file.mailboxes, path)?;
        if let Some(map) = &file.data_map {
            let map_path = path.parent().map(|dir| dir.join(map)).unwrap_or_else(|| map.clone());
            config.data_map = Arc::new(DataMap::load(&map_path)?);
        }
        if let Some(dir) = &file.templates {
            // Checked now, at start: a broken template is reported here, not in a sent mail.
            let dir = path.parent().map(|parent| parent.join(dir)).unwrap_or_else(|| dir.clone());
            config.templates = Arc::new(TemplateSet::load(&dir)?);
        }
        for (code, settings) in file.controllers {
            let j: Jurisdiction =
                code.parse().map_err(|_| invalid(format!("[controllers.{code}]: expected SE or FI")))?;
            if settings.internal_target_days > 90 {
                return Err(invalid(format!(
                    "[controllers.{code}] internal_target_days = {}: more than three months is never earlier than the legal date",
                    settings.internal_target_days
                )));
            }
            match j {
                Jurisdiction::Sweden => config.sweden = settings,
                Jurisdiction::Finland => config.finland = settings,
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replica_url_comes_from_the_environment_before_the_file() {
        let c = Config::parse("[database]\nreplica_url = \"postgres://r/dsrdesk\"\n", Path::new("c.toml"))
            .expect("valid");
        assert_eq!(c.replica_url_with(None).as_deref(), Some("postgres://r/dsrdesk"));
        assert_eq!(c.replica_url_with(Some("postgres://e/x".into())).as_deref(), Some("postgres://e/x"));
        // An empty variable turns the file's replica off: every read goes to the primary.
        assert_eq!(c.replica_url_with(Some(String::new())), None);
        assert_eq!(Config::default().replica_url_with(None), None);
        let typo = Config::parse("[database]\nreplica = \"x\"\n", Path::new("c.toml")).unwrap_err();
        assert!(typo.to_string().contains("replica"), "{typo}");
    }

    #[test]
    fn parses_controllers_and_defaults_the_rest() {
        let text = r#"
            [controllers.SE]
            name = "Inkasso AB"
            eves_are_holidays = true
        "#;
        let c = Config::parse(text, Path::new("x.toml")).unwrap();
        assert_eq!(c.controller(Jurisdiction::Sweden).name, "Inkasso AB");
        assert!(c.calendar(Jurisdiction::Sweden).eves_are_holidays);
        assert_eq!(c.controller(Jurisdiction::Sweden).internal_target_days, 30);
        assert!(!c.calendar(Jurisdiction::Finland).eves_are_holidays);
    }

    #[test]
    fn unknown_keys_are_errors_with_the_file_named() {
        let err = Config::parse("[controllers.SE]\nname='x'\neve_holidays=true\n", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("c.toml") && err.contains("eve_holidays"), "{err}");
        assert!(Config::parse("[controllers.DK]\nname='x'\n", Path::new("c.toml")).is_err());
    }

    #[test]
    fn the_readme_example_parses_with_its_retention_and_data_map() {
        let readme = include_str!("../README.md");
        let section = readme.split("## Configuration").nth(1).expect("section");
        let example = section.split("```toml").nth(1).and_then(|s| s.split("```").next()).expect("example");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("datamap.toml"), crate::datamap::REFERENCE_LEDGER_MAP).unwrap();
        let path = dir.path().join("config.toml");
        let c = Config::parse(example, &path).unwrap();
        let policy = c.retention_policy(Jurisdiction::Sweden);
        assert_eq!((policy.months_after_case_closed, policy.months_after_full_payment), (Some(36), Some(12)));
        assert_eq!(c.retention_policy(Jurisdiction::Finland).months_after_case_closed, Some(36));
        assert!(c.data_map.origin.as_deref().is_some_and(|p| p.ends_with("datamap.toml")));
        assert_eq!(c.controller(Jurisdiction::Sweden).contact.email, "dataskydd@exempelinkasso.example");
        assert_eq!(c.smtp.url.as_deref(), Some("smtp://mail.exempelinkasso.example:587?tls=required"));
        assert!(c.smtp.password_file.as_deref().is_some_and(|p| p.starts_with(dir.path())));
        let policy = &c.controller(Jurisdiction::Sweden).policy;
        assert!(
            policy.sources_of_data.as_ref().and_then(|t| t.get(Language::Fi)).is_some_and(|t| !t.is_empty())
        );
        assert!(policy.transfers.as_ref().and_then(|t| t.get(Language::En)).is_some());
    }

    /// DOMAIN "agency policy": the period is a hold only on a named Art. 17(3) ground; for a
    /// collection agency that is 17(3)(b) (legal obligation) or 17(3)(e) (legal claims). Any other
    /// value (5(1)(e), 17(3)(c), a typo) is refused when the config loads, naming the file and key.
    #[test]
    fn retention_ground_accepts_17_3_b_and_e_and_refuses_anything_else_at_load() {
        use crate::domain::holds::PolicyGround;
        let with = |ground: &str| {
            Config::parse(
                &format!("[controllers.SE]\nname='x'\n[controllers.SE.retention]\nground = \"{ground}\"\n"),
                Path::new("agency.toml"),
            )
        };
        for (text, ground) in [
            ("17(3)(b)", PolicyGround::LegalObligation),
            ("17(3)(e)", PolicyGround::LegalClaims),
            ("Art. 17(3)(e)", PolicyGround::LegalClaims),
        ] {
            let c = with(text).unwrap();
            assert_eq!(c.retention_policy(Jurisdiction::Sweden).ground, Some(ground), "{text}");
        }
        for bad in ["5(1)(e)", "17(3)(c)", "17(3)(a)", "legal claims", "17(3)(f)"] {
            let err = with(bad).unwrap_err().to_string();
            assert!(
                err.contains("agency.toml")
                    && err.contains("ground")
                    && err.contains(bad)
                    && err.contains("17(3)(b)")
                    && err.contains("17(3)(e)"),
                "{bad}: {err}"
            );
        }
        assert_eq!(Config::default().retention_policy(Jurisdiction::Sweden).ground, None, "none by default");
    }

    /// The package's /etc/dsrdesk/config.toml loads as it is shipped, and a relative `[log] file`
    /// is taken from the configuration file's directory.
    #[test]
    fn the_packaged_example_parses_and_a_log_file_is_relative_to_the_config() {
        let c =
            Config::parse(include_str!("../packaging/config.toml"), Path::new("/etc/dsrdesk/config.toml"));
        assert_eq!(c.unwrap().log.level.as_deref(), Some("info"));
        let c = Config::parse("[log]\nfile = \"logs/desk.log\"\n", Path::new("/etc/dsrdesk/config.toml"))
            .unwrap();
        assert_eq!(c.log.file.as_deref(), Some(Path::new("/etc/dsrdesk/logs/desk.log")));
        assert!(Config::parse("[log]\nfiles = 'x'\n", Path::new("c.toml")).is_err());
    }

    #[test]
    fn a_broken_agency_template_is_reported_when_the_config_loads() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("replies")).unwrap();
        std::fs::write(
            dir.path().join("replies/refusal.sv.txt"),
            "Subject: {{reference}}\n\nNej. {{refusal_reason}}\n",
        )
        .unwrap();
        let path = dir.path().join("config.toml");
        let err = Config::parse("templates = \"replies\"\n", &path).unwrap_err().to_string();
        assert!(err.contains("refusal.sv.txt") && err.contains("complaint_rights"), "{err}");
    }

    #[test]
    fn a_policy_text_is_one_string_or_per_language_with_fallback() {
        let text = r#"
            [controllers.SE.policy]
            transfers = "Inga överföringar."
            automated_decisions = { sv = "Inga automatiska beslut.", en = "No automated decisions." }
        "#;
        let c = Config::parse(&format!("[controllers.SE]\nname='x'\n{text}"), Path::new("c.toml"));
        let c = c.unwrap();
        let p = &c.controller(Jurisdiction::Sweden).policy;
        assert_eq!(p.transfers.as_ref().unwrap().get(Language::Fi), Some("Inga överföringar."));
        let a = p.automated_decisions.as_ref().unwrap();
        assert_eq!(a.get(Language::Sv), Some("Inga automatiska beslut."));
        assert_eq!(a.get(Language::Fi), Some("No automated decisions."));
        assert!(p.sources_of_data.is_none());
        let typo = "[controllers.SE]\nname='x'\n[controllers.SE.policy]\ntransfer = 'x'\n";
        assert!(Config::parse(typo, Path::new("c.toml")).is_err());
        let typo = "[controllers.SE]\nname='x'\n[controllers.SE.policy]\ntransfers = { se = 'x' }\n";
        assert!(Config::parse(typo, Path::new("c.toml")).is_err());
    }

    #[test]
    fn reply_language_is_the_requests_then_the_controllers_default_then_the_countrys() {
        let c = Config::parse("[controllers.FI]\nname='x'\ndefault_language='sv'\n", Path::new("c.toml"))
            .unwrap();
        assert_eq!(
            c.controller(Jurisdiction::Finland).reply_language(Jurisdiction::Finland, Some(Language::En)),
            Language::En
        );
        assert_eq!(
            c.controller(Jurisdiction::Finland).reply_language(Jurisdiction::Finland, None),
            Language::Sv
        );
        assert_eq!(
            c.controller(Jurisdiction::Sweden).reply_language(Jurisdiction::Sweden, None),
            Language::Sv
        );
        let d = Config::default();
        assert_eq!(
            d.controller(Jurisdiction::Finland).reply_language(Jurisdiction::Finland, None),
            Language::Fi
        );
    }
}
