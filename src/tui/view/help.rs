//! The help screen, generated from the command table and the keymap.

use super::*;

pub(super) fn draw_help(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.settings.theme;
    let title = " Help: keys and commands ";
    // The same columns the reducer scrolls by (layout::help_scroll_max), drawn at this size.
    let columns = help_columns(app.keymap(), theme, app.settings.read_only, (area.width, area.height + 2));
    let outer = block(theme, title, false);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let areas = Layout::horizontal(vec![Constraint::Fill(1); columns.len()]).split(inner);
    for (lines, column) in columns.into_iter().zip(areas.iter()) {
        frame.render_widget(Paragraph::new(lines).scroll((app.help_scroll, 0)), *column);
    }
}
