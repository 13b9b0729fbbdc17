//! The help screen, generated from the command table and the keymap.

use super::*;

pub(super) fn draw_help(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.settings.theme;
    let title = " Help: keys and commands ";
    if area.width >= WIDE {
        let lines = help_lines(app.keymap(), theme, app.settings.read_only, (area.width as usize - 2) / 2);
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
        let lines = help_lines(app.keymap(), theme, app.settings.read_only, area.width as usize - 2);
        frame.render_widget(
            Paragraph::new(lines).scroll((app.help_scroll, 0)).block(block(theme, title, false)),
            area,
        );
    }
}
