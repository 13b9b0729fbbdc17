//! Settings: a TOML file (optional), then the environment.
//!
//! The file is looked for at `--config PATH`, else `$DSRDESK_CONFIG`, else
//! `$XDG_CONFIG_HOME/dsrdesk/config.toml`. Unknown keys are errors, so a typo never silently
//! changes a deadline.

use crate::domain::Jurisdiction;
use crate::domain::calendar::WorkingCalendar;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    controllers: BTreeMap<String, ControllerSettings>,
}

#[derive(Debug, Clone)]
pub struct Config {
    sweden: ControllerSettings,
    finland: ControllerSettings,
    /// Where the settings came from, for `dsrdesk show`-style diagnostics.
    pub source: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sweden: ControllerSettings::default_for(Jurisdiction::Sweden),
            finland: ControllerSettings::default_for(Jurisdiction::Finland),
            source: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    pub fn controller(&self, j: Jurisdiction) -> &ControllerSettings {
        match j {
            Jurisdiction::Sweden => &self.sweden,
            Jurisdiction::Finland => &self.finland,
        }
    }

    pub fn calendar(&self, j: Jurisdiction) -> WorkingCalendar {
        WorkingCalendar { jurisdiction: j, eves_are_holidays: self.controller(j).eves_are_holidays }
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
        let mut config = Config { source: Some(path.to_path_buf()), ..Config::default() };
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
}
