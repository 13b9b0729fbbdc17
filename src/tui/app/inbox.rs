//! The inbox screen (issue 16): arrived e-mail not yet handled, oldest first, each with its age
//! and the legal due date it would have; making requests of a message, attaching it to a
//! request, setting it aside. Also the detail screen's conversation (the request's messages in).

use super::*;
use crate::service::inbox::{ConversationMessage, InboxItem, InboxPage};

#[derive(Debug, Clone, Default)]
pub struct InboxState {
    pub load: Loadable<InboxPage, Failure>,
    pub selected: usize,
    pub top: usize,
}

impl InboxState {
    pub fn selected_item(&self) -> Option<&InboxItem> {
        self.load.data.as_ref()?.items.get(self.selected)
    }

    fn len(&self) -> usize {
        self.load.data.as_ref().map_or(0, |d| d.items.len())
    }

    /// Keep the selection on screen, `view` rows at a time.
    pub(super) fn select(&mut self, target: usize, view: usize) {
        self.selected = target.min(self.len().saturating_sub(1));
        if self.selected < self.top {
            self.top = self.selected;
        } else if view > 0 && self.selected >= self.top + view {
            self.top = self.selected + 1 - view;
        }
    }
}

/// The kinds typed into the prompt ("access erasure", "access, erasure"): each once, in order.
pub fn parse_kinds(text: &str) -> Result<Vec<RequestKind>, String> {
    let mut kinds = Vec::new();
    for word in text.split([' ', ',', ';', '+']).filter(|w| !w.is_empty()) {
        let kind: RequestKind = word.parse().map_err(|e: crate::domain::kind::UnknownKind| e.to_string())?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if kinds.is_empty() {
        return Err("name at least one kind (access, erasure, …): nothing was made".into());
    }
    Ok(kinds)
}

impl App {
    /// Rows of the inbox list on screen (the rest of the screen shows the selected message).
    pub(super) fn inbox_rows(&self) -> usize {
        crate::tui::layout::inbox_list_rows(self.size.1)
    }

    pub(super) fn inbox_move(&mut self, delta: i64) -> Vec<Effect> {
        let view = self.inbox_rows();
        let target = (self.inbox.selected as i64 + delta).max(0) as usize;
        self.inbox.select(target, view);
        vec![]
    }

    /// `r`, `a`, `d` on the selected message: each asks first (kinds, reference, reason).
    pub(super) fn inbox_action(&mut self, action: Action) -> Vec<Effect> {
        if self.screen != Screen::Inbox {
            return vec![];
        }
        let Some(item) = self.inbox.selected_item() else {
            self.info(StatusKind::Info, "no message selected: the inbox is empty");
            return vec![];
        };
        let id = item.message.id;
        let from = item
            .message
            .from_address
            .as_deref()
            .or(item.message.reply_to.as_deref())
            .map(escape_line)
            .unwrap_or_else(|| "an unknown sender".into())
            .into_owned();
        let (purpose, title, lines) = match action {
            Action::InboxRequest => (
                PromptPurpose::InboxKinds(id),
                format!("Make request(s) of message {id}"),
                vec![
                    format!("From {from}. Received {} (the clock started then).", item.message.received_on),
                    "Which rights does it ask for? One request per kind: e.g. access erasure".into(),
                ],
            ),
            Action::InboxAttach => (
                PromptPurpose::InboxAttach(id),
                format!("Attach message {id}"),
                vec![format!("From {from}. Attach it to which request? (DSR-YYYY-NNNNNN)")],
            ),
            Action::InboxDismiss => (
                PromptPurpose::InboxDismiss(id),
                format!("Set message {id} aside"),
                vec![format!("From {from}. Why is it not a request? (kept, with the reason)")],
            ),
            _ => return vec![],
        };
        self.input.clear();
        self.mode =
            Mode::Prompt(Prompt { title, lines, purpose, reference: format!("message {id}"), version: 0 });
        vec![]
    }

    pub(super) fn inbox_prompt_answered(&mut self, purpose: PromptPurpose, text: String) -> Vec<Effect> {
        match purpose {
            PromptPurpose::InboxKinds(message) => match parse_kinds(&text) {
                Ok(kinds) => vec![Effect::CheckInboxDuplicates { message, kinds }],
                Err(e) => {
                    self.info(StatusKind::Refused, e);
                    vec![]
                }
            },
            PromptPurpose::InboxAttach(message) => match crate::service::normalize_reference(&text) {
                Ok(reference) => vec![Effect::Change(Mutation::AttachMessage { message, reference })],
                Err(e) => {
                    self.info(StatusKind::Refused, e.to_string());
                    vec![]
                }
            },
            PromptPurpose::InboxDismiss(message) => {
                vec![Effect::Change(Mutation::DismissMessage { message, reason: text })]
            }
            _ => vec![],
        }
    }

    /// The duplicate check came back: none, and the requests are made; some, and the operator
    /// sees them and confirms.
    pub(super) fn inbox_duplicates_loaded(
        &mut self,
        message: i64,
        kinds: Vec<RequestKind>,
        result: Result<Vec<String>, Failure>,
    ) -> Vec<Effect> {
        match result {
            Ok(warnings) if warnings.is_empty() => {
                vec![Effect::Change(Mutation::MakeRequests { message, kinds })]
            }
            Ok(warnings) => {
                let mut lines: Vec<String> = warnings.iter().map(|w| escape_line(w).into_owned()).collect();
                lines.push("Make the request(s) all the same?".into());
                self.mode = Mode::Confirm(Confirm {
                    title: format!("Likely duplicate — message {message}"),
                    lines,
                    verb: "make anyway",
                    mutation: Mutation::MakeRequests { message, kinds },
                });
                vec![]
            }
            Err(e) => {
                self.info(StatusKind::Trouble, e.message);
                vec![]
            }
        }
    }

    pub(super) fn inbox_loaded(&mut self, result: Result<Box<InboxPage>, Failure>) -> Vec<Effect> {
        self.inbox.load.finish(result, true);
        let view = self.inbox_rows();
        let selected = self.inbox.selected;
        self.inbox.select(selected, view);
        if self.inbox.load.stale && self.screen == Screen::Inbox {
            return self.load_screen();
        }
        vec![]
    }

    pub(super) fn conversation_loaded(
        &mut self,
        reference: String,
        result: Result<Vec<ConversationMessage>, Failure>,
    ) -> Vec<Effect> {
        if self.detail.reference.as_deref() == Some(reference.as_str()) {
            // A conversation that cannot be read leaves the request shown; the messages are missing.
            self.detail.messages = result.unwrap_or_default();
        }
        vec![]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_from_words_each_once() {
        assert_eq!(parse_kinds("access erasure").unwrap(), vec![RequestKind::Access, RequestKind::Erasure]);
        assert_eq!(
            parse_kinds("erasure, access,erasure").unwrap(),
            vec![RequestKind::Erasure, RequestKind::Access]
        );
        assert!(parse_kinds("").is_err());
        assert!(parse_kinds("deletion").is_err());
    }
}
