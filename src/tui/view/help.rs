//! The help screen, generated from the command table and the keymap.

use super::*;

// ---- help ----

/// The help text, generated from the keymap the input handler uses.
pub fn help_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let theme = &app.settings.theme;
    let km = app.keymap();
    let mut lines = vec![];
    let key_width = 22;
    for context in Context::ALL {
        let mut section = vec![];
        let mut seen: Vec<(String, &str)> = vec![];
        for b in km.bindings().iter().filter(|b| b.spec.context == context) {
            if app.settings.read_only && b.spec.changes {
                continue;
            }
            let keys = b.keys.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(" ");
            let keys = if keys.is_empty() { "(unbound)".to_string() } else { keys };
            if seen.iter().any(|(k, h)| *k == keys && *h == b.spec.help) {
                continue;
            }
            seen.push((keys.clone(), b.spec.help));
            let mut spans =
                vec![Span::styled(format!("  {}", fit(&keys, key_width)), theme.key), Span::raw(b.spec.help)];
            // The name to use in keys.toml, when there is room for it.
            if 2 + key_width + b.spec.help.width() + 4 + b.spec.name.width() <= width {
                spans.push(Span::styled(format!("  [{}]", b.spec.name), theme.dim));
            }
            section.push(Line::from(spans));
        }
        if section.is_empty() {
            continue;
        }
        lines.push(Line::from(Span::styled(context.title().to_string(), theme.heading)));
        lines.extend(section);
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled("Typing (search, command line, prompts)", theme.heading)));
    for (key, _, help) in input_bindings() {
        lines.push(Line::from(vec![
            Span::styled(format!("  {}", fit(&key.to_string(), key_width)), theme.key),
            Span::raw(help),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Command line (:)", theme.heading)));
    for (cmd, help) in LINE_COMMANDS {
        lines.push(Line::from(vec![
            Span::styled(format!("  :{}", fit(cmd, key_width + 6)), theme.key),
            Span::raw(*help),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Marks in lists", theme.heading)));
    for (mark, meaning) in [
        ("!", "overdue (the countdown says by how much: “3d over”)"),
        ("*", "due today"),
        ("‖", "clock paused: identifying information awaited (Art. 12(6))"),
        ("+", "deadline extended by two months (Art. 12(3))"),
    ] {
        lines.push(Line::from(vec![Span::styled(format!("  {mark:<4}"), theme.key), Span::raw(meaning)]));
    }
    lines.push(Line::from(""));
    let source = match &km.source {
        Some(p) => format!("Keys from {} ([keys] table; command names in brackets).", p.display()),
        None => {
            "Default keys. Remap in ~/.config/dsrdesk/keys.toml: [keys] down = [\"j\", \"ctrl-n\"]".into()
        }
    };
    lines.push(Line::from(Span::styled(source, theme.dim)));
    if app.settings.read_only {
        lines.push(Line::from(Span::styled(
            "Read-only mode: actions that change requests are not offered.",
            theme.dim,
        )));
    }
    lines
}

pub fn help_line_count(app: &App) -> usize {
    help_lines(app, usize::MAX).len()
}

pub(super) fn draw_help(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.settings.theme;
    let title = " Help: keys and commands ";
    if area.width >= WIDE {
        let lines = help_lines(app, (area.width as usize - 2) / 2);
        // Two columns, split at a section break near the middle.
        let half = lines.len().div_ceil(2);
        let split = (half..lines.len())
            .find(|&i| lines[i].spans.is_empty() || lines[i].width() == 0)
            .map_or(half, |i| i + 1);
        let (a, b) = lines.split_at(split.min(lines.len()));
        let outer = block(theme, title, false);
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        let [left, right] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(inner);
        frame.render_widget(Paragraph::new(a.to_vec()).scroll((app.help_scroll, 0)), left);
        frame.render_widget(Paragraph::new(b.to_vec()).scroll((app.help_scroll, 0)), right);
    } else {
        let lines = help_lines(app, area.width as usize - 2);
        frame.render_widget(
            Paragraph::new(lines).scroll((app.help_scroll, 0)).block(block(theme, title, false)),
            area,
        );
    }
}
