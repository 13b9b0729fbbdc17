//! The popups: confirmations, prompts and menus.

use super::*;

// ---- popups ----

pub(super) fn popup_area(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width.saturating_sub(4));
    let h = height.min(area.height.saturating_sub(2));
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

pub(super) fn draw_confirm(frame: &mut Frame, app: &App, c: &Confirm, area: Rect) {
    let theme = &app.settings.theme;
    let km = app.keymap();
    let mut keys = vec![(km.keys_text(Context::Confirm, &Action::Confirm), c.verb)];
    if matches!(c.mutation, crate::tui::effects::Mutation::Rectify { .. }) {
        keys.push((km.keys_text(Context::Confirm, &Action::AnotherField), "another field too"));
    }
    keys.push((km.keys_text(Context::Confirm, &Action::Cancel), "cancel: change nothing"));
    let footer = footer_line(app, &keys);
    let natural =
        c.lines.iter().map(|l| l.width()).chain([c.title.width(), footer.width()]).max().unwrap_or(40);
    let width = (natural as u16 + 4).max(40).min(area.width.saturating_sub(4));
    // Wrapped here, not by the paragraph, so the popup is as tall as what it says: the keys at its
    // foot must never be cut off.
    let inner = width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> =
        wrap(&c.title, inner, 3).into_iter().map(|l| Line::from(Span::styled(l, theme.title))).collect();
    lines.push(Line::from(""));
    for l in &c.lines {
        lines.extend(wrap(l, inner, 8).into_iter().map(Line::from));
    }
    lines.push(Line::from(""));
    lines.push(footer);
    let rect = popup_area(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered().title(" Confirm ").border_style(theme.focus_border).title_style(theme.title),
        ),
        rect,
    );
}

pub(super) fn draw_prompt(frame: &mut Frame, app: &App, p: &Prompt, area: Rect) {
    let theme = &app.settings.theme;
    let mut lines: Vec<Line> = vec![Line::from(Span::styled(p.title.clone(), theme.title)), Line::from("")];
    lines.extend(p.lines.iter().map(|l| Line::from(l.clone())));
    lines.push(Line::from(""));
    let width = lines.iter().map(|l| l.width()).max().unwrap_or(40).max(60) as u16 + 4;
    let room = (width.min(area.width.saturating_sub(4)) as usize).saturating_sub(6).max(1);
    // A long answer scrolls: its end, where one types, stays in view.
    let mut input = escape_line(&app.input).into_owned();
    if input.width() > room {
        let mut tail: Vec<char> = vec![];
        let mut used = 1;
        for c in input.chars().rev() {
            used += c.width().unwrap_or(0);
            if used > room {
                break;
            }
            tail.push(c);
        }
        input = std::iter::once('…').chain(tail.into_iter().rev()).collect();
    }
    let input_line = lines.len();
    lines.push(Line::from(vec![Span::raw("› "), Span::styled(input.clone(), theme.input)]));
    lines.push(Line::from(""));
    lines.push(footer_line(app, &[("enter".into(), "accept"), ("esc".into(), "cancel: change nothing")]));
    let rect = popup_area(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered().title(" Input ").border_style(theme.focus_border).title_style(theme.title),
        ),
        rect,
    );
    let x = (rect.x + 3 + input.width() as u16).min(rect.right().saturating_sub(2));
    let y = rect.y + 1 + input_line as u16;
    if y < rect.bottom() {
        frame.set_cursor_position(Position::new(x, y));
    }
}

pub(super) fn draw_menu(frame: &mut Frame, app: &App, m: &Menu, area: Rect) {
    let theme = &app.settings.theme;
    let mut lines: Vec<Line> = vec![Line::from(Span::styled(m.title.clone(), theme.title)), Line::from("")];
    for (i, choice) in m.choices.iter().enumerate() {
        let (label, what) = match *choice {
            MenuChoice::Assignee(n) => assignee_choice_text(app, m, n),
            MenuChoice::AssignTyped => (
                format!("{}: type…", crate::tui::app::ASSIGN_TYPED_KEY),
                "someone not listed (a user name)".to_string(),
            ),
            other => {
                let (label, what) = menu_choice_text(other);
                (label.to_string(), what.to_string())
            }
        };
        let style = if i == m.selected { theme.selected } else { Style::new() };
        let mark = if i == m.selected { "›" } else { " " };
        lines.push(Line::from(Span::styled(format!("{mark} {label:<12} {what}"), style)));
    }
    lines.push(Line::from(""));
    let km = app.keymap();
    let mut keys = vec![
        (km.keys_text(Context::Navigation, &Action::Down), "down"),
        (km.keys_text(Context::Navigation, &Action::Up), "up"),
        ("enter".into(), "choose"),
    ];
    if m.choices.contains(&MenuChoice::AssignTyped) {
        keys.push((crate::tui::app::ASSIGN_TYPED_KEY.to_string(), "type a name"));
    }
    keys.push(("esc".into(), "cancel"));
    lines.push(footer_line(app, &keys));
    let width = lines.iter().map(|l| l.width()).max().unwrap_or(40) as u16 + 4;
    let rect = popup_area(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(m.heading)
                .border_style(theme.focus_border)
                .title_style(theme.title.add_modifier(Modifier::BOLD)),
        ),
        rect,
    );
}

/// An operator in the assign menu, and who that is to this request: its holder, oneself.
fn assignee_choice_text(app: &App, m: &Menu, n: usize) -> (String, String) {
    let name = m.names.get(n).map(|s| escape_line(s).into_owned()).unwrap_or_default();
    let holder = app.detail.load.data.as_ref().and_then(|d| d.request.assignee.as_deref());
    let mut notes = vec![];
    if holder == m.names.get(n).map(String::as_str) {
        notes.push("holds it now");
    }
    if m.names.get(n) == Some(&app.operator().user) {
        notes.push("you");
    }
    (name, notes.join(", "))
}

/// A menu line: the choice's word and what it means.
pub(super) fn menu_choice_text(choice: MenuChoice) -> (&'static str, &'static str) {
    use crate::service::rights::ObjectionDecision as D;
    use crate::service::verify::VerificationMethod as M;
    match choice {
        MenuChoice::Status(s) => (
            status_label(s),
            match s {
                RequestStatus::New => "back to new",
                RequestStatus::InProgress => "being worked on",
                RequestStatus::AwaitingInformation => "use pause",
                RequestStatus::Answered => "the reply was given; closes it",
                RequestStatus::Refused => "Art. 12(5) or identity; closes it, with a reason",
                RequestStatus::Forwarded => "to the client (processor role); closes it, with a reason",
                RequestStatus::Withdrawn => "by the requester; closes it, with a reason",
            },
        ),
        MenuChoice::Method(m) => (
            m.typed_name(),
            match m {
                M::BankId => "Swedish BankID in the portal (its transaction reference)",
                M::Ftn => "Finnish e-ID, FTN (its transaction reference)",
                M::RegisteredEmail => "a reply from the e-mail address in the ledger",
                M::RegisteredAddress => "a letter to the ledger address, answered",
                M::IdDocument => "a copy of an identity document, checked",
            },
        ),
        MenuChoice::Export(format, encrypt) => (
            match (format, encrypt) {
                (crate::export::ExportFormat::Access, _) => "access copy",
                (_, false) => "portability bundle",
                (_, true) => "bundle, encrypted",
            },
            match (format, encrypt) {
                (crate::export::ExportFormat::Access, _) => "Art. 15: every source and the information, HTML",
                (_, false) => "Art. 20: the portable sources as JSON and CSV, zip",
                (_, true) => "the same, AES-256; the passphrase is shown once",
            },
        ),
        MenuChoice::Decision(d) => (
            objection_label(d),
            match d {
                D::Upheld => "the processing stops",
                D::CompellingGrounds => "compelling legitimate grounds override (in words)",
                D::LegalClaims => "needed for legal claims (in words)",
            },
        ),
        // Drawn from the menu's names (see `draw_menu`).
        MenuChoice::Assignee(_) | MenuChoice::AssignTyped => ("", ""),
    }
}
