//! Colours and emphasis. The default theme uses only the terminal's own 16 colours, and of those
//! only red, magenta and green, which read on dark and light backgrounds alike (never yellow,
//! cyan, white or black as text); everything else is bold, reverse or the default colour. The
//! monochrome theme (chosen by `NO_COLOR`, or asked for) uses no colour at all. Neither theme
//! carries meaning in colour alone: countdowns are words and rows carry a mark.

use crate::domain::deadline::Urgency;
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeChoice {
    /// Monochrome when `NO_COLOR` is set (and not empty), else the default colours.
    #[default]
    Auto,
    Color,
    Mono,
}

impl ThemeChoice {
    pub fn resolve(self) -> Theme {
        match self {
            ThemeChoice::Color => Theme::color(),
            ThemeChoice::Mono => Theme::mono(),
            ThemeChoice::Auto => {
                if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                    Theme::mono()
                } else {
                    Theme::color()
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub name: &'static str,
    pub bar: Style,
    pub title: Style,
    pub heading: Style,
    pub label: Style,
    pub dim: Style,
    pub selected: Style,
    pub border: Style,
    pub focus_border: Style,
    pub key: Style,
    pub overdue: Style,
    pub today: Style,
    pub soon: Style,
    pub normal: Style,
    pub paused: Style,
    pub closed: Style,
    pub error: Style,
    pub conflict: Style,
    pub info: Style,
    pub ok: Style,
    pub input: Style,
}

impl Theme {
    pub fn color() -> Theme {
        Theme {
            name: "default",
            bar: Style::new().add_modifier(Modifier::REVERSED),
            title: Style::new().add_modifier(Modifier::BOLD),
            heading: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            label: Style::new().add_modifier(Modifier::DIM),
            dim: Style::new().add_modifier(Modifier::DIM),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            border: Style::new(),
            focus_border: Style::new().add_modifier(Modifier::BOLD),
            key: Style::new().add_modifier(Modifier::BOLD),
            overdue: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            today: Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
            soon: Style::new().fg(Color::Magenta),
            normal: Style::new(),
            paused: Style::new().add_modifier(Modifier::ITALIC),
            closed: Style::new().add_modifier(Modifier::DIM),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            conflict: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            info: Style::new(),
            ok: Style::new().fg(Color::Green),
            input: Style::new().add_modifier(Modifier::UNDERLINED),
        }
    }

    pub fn mono() -> Theme {
        Theme {
            name: "mono",
            overdue: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            today: Style::new().add_modifier(Modifier::BOLD),
            soon: Style::new(),
            error: Style::new().add_modifier(Modifier::BOLD),
            conflict: Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            ok: Style::new(),
            ..Theme::color()
        }
    }

    /// The style of a countdown.
    pub fn urgency(&self, urgency: Option<Urgency>) -> Style {
        match urgency {
            None => self.paused,
            Some(Urgency::Overdue) => self.overdue,
            Some(Urgency::DueToday) => self.today,
            Some(Urgency::Within3Days) => self.soon,
            Some(Urgency::Within7Days | Urgency::Later) => self.normal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_uses_no_colour() {
        let t = Theme::mono();
        for s in [t.bar, t.overdue, t.today, t.soon, t.error, t.conflict, t.ok, t.selected, t.paused] {
            assert_eq!(s.fg, None);
            assert_eq!(s.bg, None);
        }
    }

    #[test]
    fn default_theme_avoids_colours_unreadable_on_light_or_dark_backgrounds() {
        let t = Theme::color();
        for s in [t.overdue, t.today, t.soon, t.error, t.ok] {
            assert!(!matches!(
                s.fg,
                Some(
                    Color::Yellow
                        | Color::LightYellow
                        | Color::Cyan
                        | Color::LightCyan
                        | Color::White
                        | Color::Black
                )
            ));
            assert_eq!(s.bg, None);
        }
    }
}
