//! The reply composer: choose a template, fill in what only the DPO can say, edit the text in a
//! ratatui-textarea editor, preview exactly what will be sent, send. The text is saved as a
//! draft in the database while it is typed (each second there is an unsaved change), so a
//! dropped SSH session loses nothing; opening the composer again brings the draft back.

use super::{App, Confirm, Effect, Mode, Mutation, PromptPurpose, Screen, StatusKind};
use crate::domain::RequestKind;
use crate::domain::intake::Language;
use crate::domain::text::escape_line;
use crate::mail::templates::Purpose;
use crate::service::reply::{ComposeInput, Composed, Draft, ReplyOrder, sendable_purposes};
use crate::store::requests::RequestRecord;
use crate::tui::action::{Action, Outcome};
use crate::tui::words::status_label;
use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui_textarea::{CursorMove, TextArea, WrapMode};

/// Where the composer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The template menu, with language, attachment and encryption.
    Choose,
    /// Typing in the editor; Esc goes to the preview.
    Edit,
    /// Exactly what will be sent; `s` sends.
    Preview,
}

/// Which export rides along.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attach {
    None,
    Access,
    Portability,
}

impl Attach {
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Attach::None => None,
            Attach::Access => Some("access"),
            Attach::Portability => Some("portability"),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Attach::None => "nothing",
            Attach::Access => "the access copy (Art. 15, HTML)",
            Attach::Portability => "the portability bundle (Art. 20, zip)",
        }
    }

    fn parse(s: Option<&str>) -> Attach {
        match s {
            Some("access") => Attach::Access,
            Some("portability") => Attach::Portability,
            _ => Attach::None,
        }
    }
}

/// The editor's two fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Subject,
    Body,
}

#[derive(Debug, Clone)]
pub struct ComposeState {
    pub reference: String,
    pub kind: Option<RequestKind>,
    pub stage: Stage,
    pub purposes: Vec<Purpose>,
    pub selected: usize,
    /// None: the request's language, else the controller's default.
    pub language: Option<Language>,
    pub attach: Attach,
    pub encrypt: bool,
    /// What the DPO typed for the template (information needed, reasons, the client).
    pub detail: Option<String>,
    /// The template filled in: the headers and where it came from.
    pub composed: Option<Box<Composed>>,
    /// The subject line: its own field, so typing in the body can never break it.
    pub subject: TextArea<'static>,
    /// The body.
    pub editor: TextArea<'static>,
    /// Which of the two the keys go to.
    pub field: Field,
    /// Typed since the last save.
    pub unsaved: bool,
    pub saved_at: Option<DateTime<Utc>>,
    pub loading: bool,
    pub error: Option<String>,
    /// The preview's first line shown.
    pub scroll: u16,
}

impl ComposeState {
    fn new(reference: String, kind: Option<RequestKind>, purposes: Vec<Purpose>) -> ComposeState {
        ComposeState {
            reference,
            kind,
            stage: Stage::Choose,
            purposes,
            selected: 0,
            language: None,
            attach: Attach::None,
            encrypt: false,
            detail: None,
            composed: None,
            subject: subject_field(""),
            editor: editor(Vec::new()),
            field: Field::Body,
            unsaved: false,
            saved_at: None,
            loading: true,
            error: None,
            scroll: 0,
        }
    }

    pub fn purpose(&self) -> Option<Purpose> {
        match &self.composed {
            Some(c) if self.stage != Stage::Choose => Some(c.purpose),
            _ => self.purposes.get(self.selected).copied(),
        }
    }

    /// The subject and body as the editor has them. An emptied subject falls back to the
    /// template's: a reply never leaves without one.
    pub fn text(&self) -> (String, String) {
        let typed = self.subject.lines().join(" ").trim().to_string();
        let subject = if typed.is_empty() {
            self.composed.as_ref().map(|c| c.subject.clone()).unwrap_or_default()
        } else {
            typed
        };
        (subject, self.editor.lines().join("\n"))
    }

    /// Fill both fields; the cursor goes to the body, at its end when `at_end` (a restored draft
    /// continues where the DPO stopped) or at its start (a fresh template).
    fn fill(&mut self, subject: &str, body: &str, at_end: bool) {
        self.subject = subject_field(subject);
        self.editor = editor(body.trim_end_matches('\n').split('\n').map(str::to_string).collect());
        if at_end {
            self.editor.move_cursor(CursorMove::Bottom);
            self.editor.move_cursor(CursorMove::End);
        }
        self.field = Field::Body;
    }

    fn draft(&self, now: DateTime<Utc>) -> Option<Draft> {
        let purpose = self.purpose()?;
        let (subject, body) = self.text();
        let language = self.composed.as_ref().map(|c| c.language).or(self.language).unwrap_or(Language::Sv);
        Some(Draft {
            purpose: purpose.name().to_string(),
            language: language.as_str().to_string(),
            detail: self.detail.clone(),
            subject,
            body,
            attach: self.attach.as_str().map(str::to_string),
            encrypt: self.encrypt,
            updated_at: now,
        })
    }

    fn order(&self) -> Option<ReplyOrder> {
        let purpose = self.purpose()?;
        let (subject, body) = self.text();
        Some(ReplyOrder {
            purpose,
            language: self.composed.as_ref().map(|c| c.language).or(self.language),
            detail: self.detail.clone(),
            subject: Some(subject),
            body: Some(body),
            attach: self.attach.as_str().map(str::to_string),
            encrypt: self.encrypt,
        })
    }
}

fn editor(lines: Vec<String>) -> TextArea<'static> {
    let mut editor = TextArea::new(lines);
    editor.set_wrap_mode(WrapMode::Word);
    editor.set_cursor_line_style(ratatui::style::Style::default());
    editor
}

fn subject_field(subject: &str) -> TextArea<'static> {
    let mut field = TextArea::new(vec![subject.to_string()]);
    field.set_cursor_line_style(ratatui::style::Style::default());
    field.move_cursor(CursorMove::End);
    field
}

/// Templates that ask the DPO for words before they can be filled in. An extension's reasons
/// are asked only while none are recorded (the letter then records them; once recorded, the
/// letter states them). An acknowledgement asks only on an overdue request: by when the late
/// answer will come.
fn detail_prompt(
    purpose: Purpose,
    shown: Option<&RequestRecord>,
    today: Option<NaiveDate>,
) -> Option<(&'static str, &'static str)> {
    match purpose {
        Purpose::Extension if shown.is_some_and(|r| r.extension_reason.is_some()) => None,
        Purpose::Acknowledgement => match (shown, today) {
            (Some(r), Some(today)) if today > r.due_on => Some((
                "The answer is late: by when will it come? (YYYY-MM-DD)",
                "The letter says the answer is late and promises this date.",
            )),
            _ => None,
        },
        Purpose::IdentityRequest => Some((
            "What information do you need to identify the requester? (Art. 12(6))",
            "It is quoted in the letter; sending it pauses the clock.",
        )),
        Purpose::Extension => Some((
            "Why is more time needed? (Art. 12(3))",
            "The reasons are told to the subject; only within the first month.",
        )),
        Purpose::Refusal => Some((
            "Why is the request refused? (Art. 12(4)/(5))",
            "The reasons are quoted in the letter, with the right to complain.",
        )),
        _ => None,
    }
}

impl App {
    /// `w`: write a reply to the request on screen.
    pub(super) fn go_reply(&mut self) -> Vec<Effect> {
        let Some(reference) = self.screen.reference().map(str::to_string) else {
            self.info(StatusKind::Info, "open a request first");
            return vec![];
        };
        let kind = self.known_kind(&reference);
        let purposes = self.sendable_now(&reference);
        if purposes.is_empty() {
            let shown = self.known_request(&reference);
            let status = shown.map_or_else(String::new, |r| format!(" ({})", status_label(r.status)));
            self.info(StatusKind::Refused, format!("no reply can be sent on {reference}{status}"));
            return vec![];
        }
        match self.compose.as_deref_mut() {
            Some(c) if c.reference == reference => {
                // The request may have closed or been verified since the menu was last shown.
                if c.stage == Stage::Choose {
                    c.selected = c.selected.min(purposes.len() - 1);
                    c.purposes = purposes;
                }
            }
            _ => self.compose = Some(Box::new(ComposeState::new(reference.clone(), kind, purposes))),
        }
        let mut effects = self.navigate(Screen::Reply(reference.clone()));
        if let Some(c) = self.compose.as_mut()
            && c.loading
        {
            effects.push(Effect::LoadDraft { reference });
        }
        effects
    }

    /// The templates that can be sent on the request as last loaded.
    fn sendable_now(&self, reference: &str) -> Vec<Purpose> {
        let shown = self.known_request(reference);
        sendable_purposes(
            self.known_kind(reference),
            shown.map(|r| r.status),
            shown.is_none_or(|r| r.identity_verified_at.is_some()),
        )
    }

    fn composer(&mut self) -> Option<&mut ComposeState> {
        let reference = match &self.screen {
            Screen::Reply(r) => r.clone(),
            _ => return None,
        };
        self.compose.as_deref_mut().filter(|c| c.reference == reference)
    }

    pub(super) fn reply_move(&mut self, by: i64) -> bool {
        let Some(c) = self.composer() else { return false };
        match c.stage {
            Stage::Choose => {
                let last = c.purposes.len().saturating_sub(1) as i64;
                c.selected = (c.selected as i64 + by).clamp(0, last) as usize;
            }
            Stage::Preview => c.scroll = (c.scroll as i64 + by).max(0) as u16,
            Stage::Edit => {}
        }
        true
    }

    /// Enter on the menu: fill in the chosen template (asking for the DPO's words first).
    pub(super) fn reply_choose(&mut self) -> Vec<Effect> {
        let version = self.detail.load.data.as_ref().map_or(0, |d| d.request.version);
        let Some(c) = self.composer() else { return vec![] };
        if c.stage != Stage::Choose {
            return vec![];
        }
        let Some(purpose) = c.purposes.get(c.selected).copied() else { return vec![] };
        let reference = c.reference.clone();
        let typed = c.detail.clone();
        let shown = self.known_request(&reference).cloned();
        let today = shown.as_ref().map(|r| r.jurisdiction.local_date(self.now));
        if let Some((title, line)) = detail_prompt(purpose, shown.as_ref(), today) {
            self.input = typed.unwrap_or_default();
            self.mode = Mode::Prompt(super::Prompt {
                title: title.into(),
                lines: vec![line.into()],
                purpose: PromptPurpose::ReplyDetail(purpose),
                reference,
                version,
            });
            return vec![];
        }
        if let Some(c) = self.composer() {
            c.detail = None;
        }
        self.compose_effect(purpose, false)
    }

    pub(super) fn reply_detail_given(&mut self, purpose: Purpose, text: String) -> Vec<Effect> {
        let Some(c) = self.composer() else { return vec![] };
        c.detail = Some(text);
        self.compose_effect(purpose, false)
    }

    fn compose_effect(&mut self, purpose: Purpose, keep_text: bool) -> Vec<Effect> {
        let Some(c) = self.composer() else { return vec![] };
        c.loading = true;
        let attachment_lines = match c.attach {
            super::compose::Attach::None => Vec::new(),
            a => vec![a.label().to_string()],
        };
        let input = ComposeInput { language: c.language, detail: c.detail.clone(), attachment_lines };
        vec![Effect::ComposeReply { reference: c.reference.clone(), purpose, input, keep_text }]
    }

    pub(super) fn reply_composed(
        &mut self,
        reference: String,
        keep_text: bool,
        result: Result<Box<Composed>, String>,
    ) {
        let Some(c) = self.compose.as_deref_mut().filter(|c| c.reference == reference) else { return };
        c.loading = false;
        match result {
            Ok(composed) => {
                if !keep_text {
                    c.fill(&composed.subject, &composed.body, false);
                    c.unsaved = true;
                }
                c.language = c.language.or(Some(composed.language));
                c.composed = Some(composed);
                c.error = None;
                c.stage = Stage::Edit;
                self.mode = Mode::Edit;
            }
            Err(message) => {
                c.error = Some(message.clone());
                if !keep_text {
                    c.stage = Stage::Choose;
                }
                self.info(StatusKind::Refused, message);
            }
        }
    }

    pub(super) fn reply_draft_loaded(
        &mut self,
        reference: String,
        result: Result<Option<Box<Draft>>, String>,
    ) -> Vec<Effect> {
        let Some(c) = self.compose.as_deref_mut().filter(|c| c.reference == reference) else { return vec![] };
        c.loading = false;
        match result {
            Ok(Some(draft)) => {
                let Ok(purpose) = draft.purpose.parse::<Purpose>() else { return vec![] };
                c.selected = c.purposes.iter().position(|p| *p == purpose).unwrap_or(0);
                c.language = Language::from_code(&draft.language);
                c.detail = draft.detail.clone();
                c.attach = Attach::parse(draft.attach.as_deref());
                c.encrypt = draft.encrypt;
                c.fill(&draft.subject, &draft.body, true);
                c.saved_at = Some(draft.updated_at);
                let when = draft.updated_at.format("%Y-%m-%d %H:%M UTC");
                self.info(StatusKind::Info, format!("your draft from {when} is back; Esc: preview"));
                // The headers (from, to) come from the template again; the text stays the draft's.
                let mut effects = self.compose_effect(purpose, true);
                if let Some(c) = self.composer() {
                    c.stage = Stage::Edit;
                }
                self.mode = Mode::Edit;
                effects.shrink_to_fit();
                effects
            }
            Ok(None) => vec![],
            Err(message) => {
                c.error = Some(message);
                vec![]
            }
        }
    }

    /// A key typed into the editor: Tab and Shift-Tab move between the subject and the body
    /// (Enter in the subject moves on: a subject is one line; the body is a letter, it has no
    /// tab stops), Ctrl-Home/End go to the start/end, Ctrl-Z undoes and Ctrl-Y redoes
    /// in the field being typed in; everything else is text.
    pub(super) fn reply_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        use crossterm::event::{KeyCode, KeyModifiers};
        let Some(c) = self.composer() else { return vec![] };
        if c.stage != Stage::Edit {
            return vec![];
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match (key.code, c.field) {
            (KeyCode::Tab | KeyCode::BackTab | KeyCode::Enter, Field::Subject) => c.field = Field::Body,
            (KeyCode::Tab | KeyCode::BackTab, Field::Body) => c.field = Field::Subject,
            // Ctrl-Home and Ctrl-End: the start and the end of the text, as in other editors.
            (KeyCode::Home | KeyCode::End, _) if ctrl => {
                let field = match c.field {
                    Field::Subject => &mut c.subject,
                    Field::Body => &mut c.editor,
                };
                if key.code == KeyCode::Home {
                    field.move_cursor(CursorMove::Top);
                    field.move_cursor(CursorMove::Head);
                } else {
                    field.move_cursor(CursorMove::Bottom);
                    field.move_cursor(CursorMove::End);
                }
            }
            _ => {
                let field = match c.field {
                    Field::Subject => &mut c.subject,
                    Field::Body => &mut c.editor,
                };
                let changed = match key.code {
                    KeyCode::Char('z') if ctrl => field.undo(),
                    KeyCode::Char('y') if ctrl => field.redo(),
                    _ => field.input(key),
                };
                if changed {
                    c.unsaved = true;
                }
            }
        }
        vec![]
    }

    /// Esc in the editor: to the preview, saving the draft now.
    pub(super) fn reply_editor_done(&mut self) -> Vec<Effect> {
        self.mode = Mode::Normal;
        let now = self.now;
        let Some(c) = self.composer() else { return vec![] };
        c.stage = Stage::Preview;
        c.scroll = 0;
        self.save_draft_effect(now)
    }

    /// The clock ticked: save what was typed since the last save.
    pub(super) fn reply_tick(&mut self) -> Vec<Effect> {
        let now = self.now;
        match self.compose.as_deref() {
            Some(c) if c.unsaved && c.stage != Stage::Choose && !self.settings.read_only => {
                self.save_draft_effect(now)
            }
            _ => vec![],
        }
    }

    fn save_draft_effect(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(c) = self.compose.as_deref_mut() else { return vec![] };
        if !c.unsaved {
            return vec![];
        }
        let Some(draft) = c.draft(now) else { return vec![] };
        c.unsaved = false;
        vec![Effect::SaveDraft { reference: c.reference.clone(), draft: Box::new(draft) }]
    }

    pub(super) fn reply_draft_saved(&mut self, reference: String, result: Result<DateTime<Utc>, String>) {
        let Some(c) = self.compose.as_deref_mut().filter(|c| c.reference == reference) else { return };
        match result {
            Ok(at) => c.saved_at = Some(at),
            Err(message) => {
                // Not saved: try again on the next tick, and say so.
                c.unsaved = true;
                self.info(StatusKind::Trouble, format!("the draft was not saved: {message}"));
            }
        }
    }

    pub(super) fn reply_language(&mut self) -> Vec<Effect> {
        let Some(c) = self.composer() else { return vec![] };
        if c.stage != Stage::Choose {
            self.info(
                StatusKind::Info,
                "the language is chosen with the template: D discards this text, then choose again",
            );
            return vec![];
        }
        c.language = match c.language {
            None => Some(Language::Sv),
            Some(Language::Sv) => Some(Language::Fi),
            Some(Language::Fi) => Some(Language::En),
            Some(Language::En) => None,
        };
        vec![]
    }

    pub(super) fn reply_attach(&mut self) -> Vec<Effect> {
        let Some(c) = self.composer() else { return vec![] };
        let kind = c.kind;
        c.attach = match (c.attach, kind) {
            (Attach::None, Some(RequestKind::Portability)) => Attach::Portability,
            (Attach::None, _) => Attach::Access,
            (Attach::Access, _) => Attach::Portability,
            (Attach::Portability, _) => Attach::None,
        };
        if c.attach == Attach::None {
            c.encrypt = false;
        }
        c.unsaved = c.stage != Stage::Choose;
        vec![]
    }

    pub(super) fn reply_encrypt(&mut self) -> Vec<Effect> {
        let Some(c) = self.composer() else { return vec![] };
        if c.attach != Attach::Portability {
            self.info(StatusKind::Info, "encryption is for the portability bundle (a: attach it first)");
            return vec![];
        }
        c.encrypt = !c.encrypt;
        c.unsaved = c.stage != Stage::Choose;
        vec![]
    }

    pub(super) fn reply_edit(&mut self) -> Vec<Effect> {
        let Some(c) = self.composer() else { return vec![] };
        match c.stage {
            Stage::Preview => {
                c.stage = Stage::Edit;
                self.mode = Mode::Edit;
                vec![]
            }
            Stage::Choose => self.reply_choose(),
            Stage::Edit => vec![],
        }
    }

    /// `s` on the preview: confirm, then queue it (the request's status changes with it).
    pub(super) fn reply_send(&mut self) -> Vec<Effect> {
        let Some(c) = self.composer() else { return vec![] };
        if c.stage != Stage::Preview {
            self.info(StatusKind::Info, "look at the preview first (Esc from the editor)");
            return vec![];
        }
        let (Some(order), Some(composed)) = (c.order(), c.composed.clone()) else { return vec![] };
        let reference = c.reference.clone();
        let attach = c.attach;
        let encrypt = c.encrypt;
        let mut lines =
            vec![format!("To {} — {}", escape_line(&composed.to_address), escape_line(&composed.subject))];
        if attach != Attach::None {
            lines.push(format!(
                "With {}{}.",
                attach.label(),
                if encrypt { ", encrypted: the passphrase is shown once, for another channel" } else { "" }
            ));
        }
        lines.push(match order.purpose.closes_as() {
            Some(status) => format!("The request becomes {status} in the same step."),
            None => match order.purpose {
                Purpose::IdentityRequest => {
                    "The clock pauses until the information arrives (Art. 12(6)).".into()
                }
                Purpose::Extension => "The deadline moves to three months after receipt (Art. 12(3)).".into(),
                _ => "The request stays open.".into(),
            },
        });
        lines.push("The outbox sends it; the history records it.".into());
        self.mode = Mode::Confirm(Confirm {
            title: format!("Send this {} to the requester of {reference}?", order.purpose),
            lines,
            verb: "send",
            mutation: Mutation::SendReply { reference, order: Box::new(order) },
        });
        vec![]
    }

    pub(super) fn reply_discard(&mut self) -> Vec<Effect> {
        let Some(c) = self.composer() else { return vec![] };
        let reference = c.reference.clone();
        self.mode = Mode::Confirm(Confirm {
            title: format!("Throw away the reply you are writing for {reference}?"),
            lines: vec!["The draft is deleted; nothing is sent.".into()],
            verb: "discard",
            mutation: Mutation::DiscardDraft { reference },
        });
        vec![]
    }

    /// The reply was queued or the draft discarded: the composer starts afresh next time.
    pub(super) fn reply_finished(&mut self, reference: &str, outcome: &Outcome) -> Vec<Effect> {
        if self.compose.as_ref().is_some_and(|c| c.reference == reference) {
            self.compose = None;
        }
        if let Outcome::DraftDiscarded = outcome {
            let purposes = self.sendable_now(reference);
            self.compose = Some(Box::new(ComposeState::new(
                reference.to_string(),
                self.known_kind(reference),
                purposes,
            )));
            if let Some(c) = self.compose.as_deref_mut() {
                c.loading = false;
            }
            return vec![];
        }
        if matches!(self.screen, Screen::Reply(_)) {
            return self.go_back();
        }
        vec![]
    }
}

/// Keys in the editor: everything goes to the editor except Esc (to the preview). Ctrl-Z is
/// the editor's undo here, as the footer says, not the terminal's suspend.
pub fn editor_action(key: KeyEvent) -> Action {
    use crossterm::event::KeyCode;
    match key.code {
        KeyCode::Esc => Action::EditorDone,
        _ => Action::EditorKey(key),
    }
}
