//! The new-request form (`N`, issue 16 §3): a letter or a call entered by hand. The same
//! validation as intake (the form is read through `domain::intake::parse_line`), the personal
//! number checked as `dsrdesk id check` does, the error shown on its field, the duplicate check
//! before anything is stored, and nothing stored until it is all valid.

use super::*;
use crate::domain::identity::IdentityNumber;
use crate::domain::intake::NewRequest;
use ratatui_textarea::{TextArea, WrapMode};

/// The form's fields: the label shown and the intake field it fills.
pub const FORM_FIELDS: [(&str, &str); 11] = [
    ("kind", "kind"),
    ("controller", "jurisdiction"),
    ("received", "received_at"),
    ("channel", "channel"),
    ("name", "requester.name"),
    ("pers. no.", "requester.personal_number"),
    ("address", "requester.address"),
    ("e-mail", "requester.email"),
    ("phone", "requester.phone"),
    ("language", "language"),
    ("text", "text"),
];

/// The index of the request text (the one multi-line field).
pub const TEXT_FIELD: usize = 10;

#[derive(Debug, Clone)]
pub struct NewRequestForm {
    pub fields: Vec<TextArea<'static>>,
    pub focus: usize,
    /// The field at fault and what is wrong, from the last attempt to save.
    pub error: Option<(usize, String)>,
}

fn one_line(value: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![value.to_string()]);
    t.set_cursor_line_style(ratatui::style::Style::default());
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}

impl NewRequestForm {
    /// Empty but for what is usually so: a letter to the Swedish controller, received now.
    pub fn new(now: DateTime<Utc>) -> NewRequestForm {
        let received =
            now.with_timezone(&Jurisdiction::Sweden.time_zone()).format("%Y-%m-%d %H:%M").to_string();
        let mut fields: Vec<TextArea<'static>> =
            ["", "SE", &received, "letter", "", "", "", "", "", "", ""].into_iter().map(one_line).collect();
        fields[TEXT_FIELD].set_wrap_mode(WrapMode::Word);
        NewRequestForm { fields, focus: 0, error: None }
    }

    pub fn value(&self, i: usize) -> String {
        let lines = self.fields[i].lines().join("\n");
        if i == TEXT_FIELD { lines } else { lines.trim().to_string() }
    }

    fn index_of(path: &str) -> usize {
        FORM_FIELDS.iter().position(|(_, p)| *p == path).unwrap_or(match path {
            "requester" => 4,
            _ => 0,
        })
    }

    /// The request the form describes, or the first field at fault.
    pub fn build(&self, now: DateTime<Utc>) -> Result<NewRequest, (usize, String)> {
        let jurisdiction: Jurisdiction =
            self.value(1).parse().map_err(|_| (1, "SE or FI: the controller that answers".to_string()))?;
        // The date and time the letter arrived, on the controller's clock (DOMAIN.md: the receipt
        // date is the controller's); a date alone is taken as that day's start.
        let received = self.value(2);
        let naive = chrono::NaiveDateTime::parse_from_str(&received, "%Y-%m-%d %H:%M")
            .or_else(|_| {
                NaiveDate::parse_from_str(&received, "%Y-%m-%d").map(|d| d.and_time(chrono::NaiveTime::MIN))
            })
            .map_err(|_| {
                (2, "YYYY-MM-DD HH:MM (the controller's local time), e.g. 2026-11-20 09:30".to_string())
            })?;
        let received_at = naive
            .and_local_timezone(jurisdiction.time_zone())
            .earliest()
            .ok_or_else(|| (2, "that local time does not exist (the clocks moved)".to_string()))?
            .with_timezone(&Utc);
        let personal_number = match self.value(5) {
            n if n.is_empty() => None,
            n => {
                let check = IdentityNumber::check(&n, None, jurisdiction.local_date(now));
                match (check.valid, check.normalized) {
                    (true, Some(normalized)) => Some(normalized),
                    _ => {
                        return Err((5, check.error.unwrap_or_else(|| "not a valid identity number".into())));
                    }
                }
            }
        };
        let opt = |i: usize| Some(self.value(i)).filter(|v| !v.is_empty());
        let mut object = serde_json::json!({
            "kind": self.value(0),
            "jurisdiction": jurisdiction.code(),
            "received_at": received_at.to_rfc3339(),
            "channel": self.value(3),
            "requester": {
                "name": opt(4),
                "personal_number": personal_number,
                "address": opt(6),
                "email": opt(7),
                "phone": opt(8),
            },
            "text": self.value(TEXT_FIELD),
        });
        if let Some(language) = opt(9) {
            object["language"] = serde_json::Value::String(language);
        }
        crate::domain::intake::parse_line(1, &object.to_string(), now).map_err(|p| {
            let field = p.field.as_deref().unwrap_or("kind");
            (Self::index_of(field), escape_line(&p.message).into_owned())
        })
    }
}

impl App {
    /// `N`: open the form, typing in its first field.
    pub(super) fn new_request_open(&mut self) -> Vec<Effect> {
        if self.new_request.is_none() {
            self.new_request = Some(Box::new(NewRequestForm::new(self.now)));
        }
        self.mode = Mode::Edit;
        self.navigate(Screen::NewRequest)
    }

    /// A key while typing in the form: Tab and Enter move on (Enter is a new line in the text),
    /// Ctrl-S saves, anything else is typed into the field.
    pub(super) fn new_request_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(form) = self.new_request.as_deref_mut() else { return vec![] };
        let last = FORM_FIELDS.len() - 1;
        match (key.code, key.modifiers) {
            (KeyCode::Tab, _) => form.focus = (form.focus + 1).min(last),
            (KeyCode::BackTab, _) => form.focus = form.focus.saturating_sub(1),
            (KeyCode::Enter, _) if form.focus != TEXT_FIELD => form.focus = (form.focus + 1).min(last),
            (KeyCode::Char('s'), m) if m.contains(KeyModifiers::CONTROL) => return self.new_request_save(),
            _ => {
                form.fields[form.focus].input(key);
            }
        }
        vec![]
    }

    fn new_request_save(&mut self) -> Vec<Effect> {
        let now = self.now;
        let Some(form) = self.new_request.as_deref_mut() else { return vec![] };
        match form.build(now) {
            Ok(request) => {
                form.error = None;
                vec![Effect::CheckNewRequestDuplicates { request: Box::new(request) }]
            }
            Err((field, message)) => {
                form.focus = field;
                self.info(
                    StatusKind::Refused,
                    format!("{}: {message} — nothing was stored", FORM_FIELDS[field].0),
                );
                if let Some(form) = self.new_request.as_deref_mut() {
                    form.error = Some((field, message));
                }
                vec![]
            }
        }
    }

    /// The duplicate check came back: none, and it is stored; some, and the operator confirms.
    pub(super) fn new_request_duplicates_loaded(
        &mut self,
        request: Box<NewRequest>,
        result: Result<Vec<String>, Failure>,
    ) -> Vec<Effect> {
        match result {
            Ok(warnings) if warnings.is_empty() => {
                self.mode = Mode::Normal;
                vec![Effect::Change(Mutation::NewRequest { request })]
            }
            Ok(warnings) => {
                let mut lines: Vec<String> = warnings.iter().map(|w| escape_line(w).into_owned()).collect();
                lines.push("Store the new request all the same?".into());
                self.mode = Mode::Confirm(Confirm {
                    title: "Likely duplicate".into(),
                    lines,
                    verb: "store anyway",
                    mutation: Mutation::NewRequest { request },
                });
                vec![]
            }
            Err(e) => {
                self.info(StatusKind::Trouble, e.message);
                vec![]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn form(values: &[(usize, &str)]) -> NewRequestForm {
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
        let mut f = NewRequestForm::new(now);
        for (i, v) in values {
            f.fields[*i] = one_line(v);
        }
        f
    }

    #[test]
    fn a_letter_received_at_2330_local_on_30_nov_is_received_that_day_in_stockholm() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        let f = form(&[(0, "access"), (2, "2026-11-30 23:30"), (4, "Åsa Öberg"), (5, "811218-9876")]);
        let r = f.build(now).unwrap();
        assert_eq!(r.received_at, Utc.with_ymd_and_hms(2026, 11, 30, 22, 30, 0).unwrap());
        assert_eq!(r.requester.personal_number.as_deref(), Some("19811218-9876"));
        assert_eq!(r.channel.map(|c| c.as_str()), Some("letter"));
    }

    #[test]
    fn errors_name_their_field() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        assert_eq!(form(&[(4, "Åsa")]).build(now).unwrap_err().0, 0, "no kind");
        assert_eq!(form(&[(0, "access"), (4, "Åsa"), (5, "811218-9875")]).build(now).unwrap_err().0, 5);
        assert_eq!(form(&[(0, "access"), (4, "Åsa"), (2, "30/11")]).build(now).unwrap_err().0, 2);
        assert_eq!(form(&[(0, "access")]).build(now).unwrap_err().0, 4, "no name or e-mail");
        assert_eq!(form(&[(0, "access"), (4, "Åsa"), (7, "not-an-address")]).build(now).unwrap_err().0, 7);
        assert_eq!(
            form(&[(0, "access"), (4, "Åsa"), (2, "2027-01-01 10:00")]).build(now).unwrap_err().0,
            2,
            "future"
        );
    }
}
