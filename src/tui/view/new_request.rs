//! The new-request form: one line per field, the request text below; the focused field is the
//! editor (the composer's widget), the field at fault carries its error.

use super::*;
use crate::tui::app::{FORM_FIELDS, TEXT_FIELD};

pub(super) fn draw_new_request(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.settings.theme;
    let Some(form) = app.new_request.as_deref() else {
        let n = app.keymap().hint(Context::Global, &Action::NewRequest);
        frame.render_widget(
            Paragraph::new(format!(" The form was stored or left; {n} starts a new one.")),
            area,
        );
        return;
    };
    let typing = matches!(app.mode, Mode::Edit);
    let block = Block::bordered()
        .border_style(if typing { theme.focus_border } else { theme.border })
        .title(Line::from(Span::styled(" New request — a letter or a call ", theme.title)))
        .title_bottom(Line::from(if typing {
            " tab next · shift-tab back · ctrl-s save (checked first) · esc stop typing "
        } else {
            " enter type in the form · esc back "
        }));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let one_line_fields = TEXT_FIELD as u16;
    let error_line = u16::from(form.error.is_some());
    let [fields_area, error_area, text_area] = Layout::vertical([
        Constraint::Length(one_line_fields),
        Constraint::Length(error_line),
        Constraint::Fill(1),
    ])
    .areas(inner);
    let label_width = 11u16;
    for (i, (label, _)) in FORM_FIELDS.iter().enumerate().take(TEXT_FIELD) {
        let row = Rect { y: fields_area.y + i as u16, height: 1, ..fields_area };
        let [label_area, value_area] =
            Layout::horizontal([Constraint::Length(label_width), Constraint::Fill(1)]).areas(row);
        let at_fault = form.error.as_ref().is_some_and(|(f, _)| *f == i);
        let label_style = if at_fault { theme.error } else { theme.label };
        frame.render_widget(Paragraph::new(Span::styled(label.to_string(), label_style)), label_area);
        if typing && form.focus == i {
            frame.render_widget(&form.fields[i], value_area);
        } else {
            let value = escape_line(&form.value(i)).into_owned();
            let style = if form.focus == i { theme.title } else { Style::new() };
            frame.render_widget(
                Paragraph::new(Span::styled(fit(&value, value_area.width as usize), style)),
                value_area,
            );
        }
    }
    if let Some((field, message)) = &form.error {
        frame.render_widget(
            Paragraph::new(Span::styled(
                fit(
                    &format!("{}: {}", FORM_FIELDS[*field].0, escape_line(message)),
                    error_area.width as usize,
                ),
                theme.error,
            )),
            error_area,
        );
    }
    let mut text = form.fields[TEXT_FIELD].clone();
    text.set_block(
        Block::new()
            .borders(Borders::TOP)
            .border_style(if typing && form.focus == TEXT_FIELD { theme.focus_border } else { theme.border })
            .title(" text (what the requester asks, as written) "),
    );
    if !(typing && form.focus == TEXT_FIELD) {
        text.set_cursor_style(Style::new());
    }
    frame.render_widget(&text, text_area);
}
