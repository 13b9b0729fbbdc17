//! Keys to actions, remappable from a TOML file.
//!
//! The file is `$DSRDESK_KEYS`, else `$XDG_CONFIG_HOME/dsrdesk/keys.toml` (normally
//! `~/.config/dsrdesk/keys.toml`). Its `[keys]` table names a command and the keys for it, which
//! replace the defaults of that command:
//!
//! ```toml
//! [keys]
//! down = ["j", "down", "ctrl-n"]
//! up = ["k", "up", "ctrl-p"]
//! claim = "C"
//! quit = []          # no key
//! ```
//!
//! Keys are written `q`, `G`, `?`, `ctrl-c`, `alt-left`, `shift-tab`, `enter`, `esc`, `tab`,
//! `backtab`, `backspace`, `delete`, `space`, `up`, `down`, `left`, `right`, `home`, `end`,
//! `pageup`, `pagedown`, `f1`..`f12`. A key bound to two commands that apply at the same time is
//! refused, and so is a confirm key that also triggers an action needing confirmation (a double
//! press must never confirm).

use super::action::Action;
use super::commands::{CommandSpec, Context, commands};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// A key with its modifiers, normalised so that `G` and `shift-g` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> Key {
        let mut modifiers = modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            // The case of a letter already says whether shift was held.
            KeyCode::Char(c) => {
                modifiers.remove(KeyModifiers::SHIFT);
                if modifiers.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    code
                }
            }
            KeyCode::BackTab => {
                modifiers.remove(KeyModifiers::SHIFT);
                code
            }
            _ => code,
        };
        Key { code, modifiers }
    }

    pub fn from_event(event: &KeyEvent) -> Option<Key> {
        matches!(event.kind, KeyEventKind::Press | KeyEventKind::Repeat)
            .then(|| Key::new(event.code, event.modifiers))
    }

    pub fn parse(text: &str) -> Result<Key, String> {
        let bad = || format!("{text:?} is not a key (e.g. \"q\", \"G\", \"ctrl-c\", \"enter\", \"f1\")");
        if text.chars().count() == 1 {
            return Ok(Key::new(KeyCode::Char(text.chars().next().ok_or_else(bad)?), KeyModifiers::NONE));
        }
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let prefix = ["ctrl-", "alt-", "shift-"]
                .into_iter()
                .find(|p| lower.starts_with(p) && rest.len() > p.len());
            let Some(p) = prefix else { break };
            modifiers |= match p {
                "ctrl-" => KeyModifiers::CONTROL,
                "alt-" => KeyModifiers::ALT,
                _ => KeyModifiers::SHIFT,
            };
            rest = &rest[p.len()..];
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" | "bs" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" | "pgdown" => KeyCode::PageDown,
            f if f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) => {
                KeyCode::F(f[1..].parse().map_err(|_| bad())?)
            }
            _ if rest.chars().count() == 1 => {
                let c = rest.chars().next().ok_or_else(bad)?;
                if modifiers.contains(KeyModifiers::SHIFT) && c.is_ascii_alphabetic() {
                    KeyCode::Char(c.to_ascii_uppercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            _ => return Err(bad()),
        };
        Ok(Key::new(code, modifiers))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One command with the keys it has now.
#[derive(Debug, Clone)]
pub struct Binding {
    pub spec: CommandSpec,
    pub keys: Vec<Key>,
}

/// The keymap: per context, key to action.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
    lookup: HashMap<(Context, Key), Action>,
    /// Where the remapping came from, for the help screen.
    pub source: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    #[serde(default)]
    keys: BTreeMap<String, OneOrMany>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::build(&BTreeMap::new(), None).expect("the default keymap is consistent")
    }
}

impl Keymap {
    /// The default location of the keys file: `$DSRDESK_KEYS`, else the config directory.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("DSRDESK_KEYS").filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        let p = dirs::config_dir()?.join("dsrdesk").join("keys.toml");
        p.exists().then_some(p)
    }

    /// Load `path` (or the default location when None and a file is there), else the defaults.
    pub fn load(path: Option<&Path>) -> Result<Keymap, String> {
        let Some(path) = path.map(Path::to_path_buf).or_else(Keymap::default_path) else {
            return Ok(Keymap::default());
        };
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("keys file {}: {e}", path.display()))?;
        Keymap::parse(&text, Some(path))
    }

    pub fn parse(text: &str, source: Option<PathBuf>) -> Result<Keymap, String> {
        let name = source.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "keys".into());
        let file: KeysFile = toml::from_str(text).map_err(|e| format!("keys file {name}: {e}"))?;
        let mut overrides = BTreeMap::new();
        for (command, keys) in file.keys {
            let keys = match keys {
                OneOrMany::One(k) => vec![k],
                OneOrMany::Many(ks) => ks,
            };
            let parsed = keys
                .iter()
                .map(|k| Key::parse(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("keys file {name}: [keys] {command}: {e}"))?;
            overrides.insert(command, parsed);
        }
        Keymap::build(&overrides, source).map_err(|e| format!("keys file {name}: {e}"))
    }

    fn build(overrides: &BTreeMap<String, Vec<Key>>, source: Option<PathBuf>) -> Result<Keymap, String> {
        let specs = commands();
        for name in overrides.keys() {
            if !specs.iter().any(|s| s.name == name) {
                let mut names: Vec<&str> = specs.iter().map(|s| s.name).collect();
                names.dedup();
                return Err(format!("[keys] {name}: no such command; the commands are {}", names.join(", ")));
            }
        }
        let bindings: Vec<Binding> = specs
            .into_iter()
            .map(|spec| {
                let keys = match overrides.get(spec.name) {
                    Some(keys) => keys.clone(),
                    None => spec.keys.iter().map(|k| Key::parse(k).expect("default keys parse")).collect(),
                };
                Binding { spec, keys }
            })
            .collect();
        let mut lookup: HashMap<(Context, Key), Action> = HashMap::new();
        let mut owner: HashMap<(Context, Key), &'static str> = HashMap::new();
        for b in &bindings {
            for key in &b.keys {
                if let Some(other) = owner.insert((b.spec.context, *key), b.spec.name)
                    && other != b.spec.name
                {
                    return Err(format!(
                        "key {key} is bound to both {other} and {} ({})",
                        b.spec.name,
                        b.spec.context.title()
                    ));
                }
                lookup.insert((b.spec.context, *key), b.spec.action.clone());
            }
        }
        // Keys of a screen's context shadow navigation and global keys: refuse a clash, since the
        // shadowed command would be unreachable there.
        for ((context, key), name) in &owner {
            for base in context.parents() {
                if let Some(n) = owner.get(&(*base, *key)) {
                    return Err(format!("key {key} is bound to both {n} and {name} ({})", context.title()));
                }
            }
        }
        // Issue 14 §5: some way out must stay bound — a quit key, or the command line (`:q`).
        let bound = |name: &str| bindings.iter().any(|b| b.spec.name == name && !b.keys.is_empty());
        if !bound("quit") && !bound("command_line") {
            return Err(
                "quit and command_line are both unbound: the desk could not be left; keep a key for one"
                    .into(),
            );
        }
        // The confirm key must not be a key that asks for a confirmation.
        let confirm: Vec<Key> = bindings
            .iter()
            .filter(|b| b.spec.action.is(&Action::Confirm))
            .flat_map(|b| b.keys.clone())
            .collect();
        if confirm.is_empty() {
            return Err("confirm needs a key".into());
        }
        for b in bindings.iter().filter(|b| b.spec.changes) {
            if let Some(k) = b.keys.iter().find(|k| confirm.contains(k)) {
                return Err(format!(
                    "key {k} confirms and also triggers {}: a double press would confirm without a look",
                    b.spec.name
                ));
            }
        }
        Ok(Keymap { bindings, lookup, source })
    }

    /// The action for a key in a screen's context (then navigation, then global).
    pub fn action(&self, contexts: &[Context], key: Key) -> Option<Action> {
        contexts.iter().find_map(|c| self.lookup.get(&(*c, key)).cloned())
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The first key of an action in a context, for hints ("y extend · n cancel").
    pub fn key_for(&self, context: Context, action: &Action) -> Option<Key> {
        self.bindings
            .iter()
            .find(|b| b.spec.context == context && b.spec.action.is(action))
            .and_then(|b| b.keys.first().copied())
    }

    /// Like `key_for` but as text, "?" when unbound.
    pub fn hint(&self, context: Context, action: &Action) -> String {
        self.key_for(context, action).map(|k| k.to_string()).unwrap_or_else(|| "(unbound)".into())
    }

    /// All keys of an action in a context, "j/↓".
    pub fn keys_text(&self, context: Context, action: &Action) -> String {
        self.bindings
            .iter()
            .filter(|b| b.spec.context == context && b.spec.action.is(action))
            .flat_map(|b| b.keys.iter().map(|k| k.to_string()))
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// Keys while typing (search, command line, prompts); any other printable key types itself.
/// The input handler and the help screen both read this table.
pub fn input_bindings() -> Vec<(Key, Action, &'static str)> {
    let key = |k: &str| Key::parse(k).expect("input keys parse");
    vec![
        (key("enter"), Action::InputSubmit, "accept (search: keep it)"),
        (key("esc"), Action::InputCancel, "cancel (search: back to what it was)"),
        (key("ctrl-c"), Action::InputCancel, "cancel"),
        (key("backspace"), Action::InputBackspace, "delete the last character"),
        (key("ctrl-u"), Action::InputClear, "clear the line"),
        (key("ctrl-z"), Action::Suspend, "suspend"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_print_in_the_same_notation() {
        for text in ["q", "G", "?", "ctrl-c", "alt-left", "enter", "f5", "space", "shift-tab", "pgdn"] {
            let key = Key::parse(text).unwrap();
            assert_eq!(Key::parse(&key.to_string().replace('←', "left")).unwrap(), key, "{text}");
        }
        assert_eq!(Key::parse("shift-g").unwrap(), Key::parse("G").unwrap());
        assert_eq!(Key::parse("backtab").unwrap(), Key::parse("shift-tab").unwrap());
        assert!(Key::parse("hyper-x").is_err());
    }

    #[test]
    fn crossterm_shift_letters_match_their_notation() {
        let event = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&event), Some(Key::parse("G").unwrap()));
        let ctrl = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(&ctrl), Some(Key::parse("ctrl-c").unwrap()));
    }

    #[test]
    fn a_remap_replaces_the_defaults_of_that_command_only() {
        let km = Keymap::parse("[keys]\ndown = [\"ctrl-n\"]\nclaim = \"C\"\n", None).unwrap();
        let down = Key::parse("ctrl-n").unwrap();
        assert!(km.action(&[Context::Navigation], down).is_some_and(|a| a.is(&Action::Down)));
        assert!(km.action(&[Context::Navigation], Key::parse("j").unwrap()).is_none());
        assert!(
            km.action(&[Context::Detail], Key::parse("C").unwrap()).is_some_and(|a| a.is(&Action::Claim))
        );
        assert!(
            km.action(&[Context::Navigation], Key::parse("k").unwrap()).is_some_and(|a| a.is(&Action::Up))
        );
    }

    #[test]
    fn unknown_commands_clashes_and_a_confirm_key_that_triggers_are_refused() {
        assert!(Keymap::parse("[keys]\nfly = \"f\"\n", None).unwrap_err().contains("no such command"));
        assert!(Keymap::parse("[keys]\nextend = \"q\"\n", None).unwrap_err().contains("bound to both"));
        let err = Keymap::parse("[keys]\nconfirm = \"e\"\n", None).unwrap_err();
        assert!(err.contains("double press"), "{err}");
        assert!(Keymap::parse("[bindings]\n", None).is_err());
        // The subject screens' changes ask for confirmation too.
        let err = Keymap::parse("[keys]\nexecute_erasure = \"y\"\n", None).unwrap_err();
        assert!(err.contains("double press"), "{err}");
        // A subject screen's key may not shadow the keys that move between them.
        let err = Keymap::parse("[keys]\nlink = \"E\"\n", None).unwrap_err();
        assert!(err.contains("bound to both"), "{err}");
    }

    #[test]
    fn a_keys_file_that_unbinds_every_way_out_is_refused() {
        let err = Keymap::parse("[keys]\nquit = []\ncommand_line = []\n", None).unwrap_err();
        assert!(err.contains("could not be left"), "{err}");
        // One way out is enough.
        assert!(Keymap::parse("[keys]\nquit = []\n", None).is_ok());
        assert!(Keymap::parse("[keys]\ncommand_line = []\n", None).is_ok());
    }
}
