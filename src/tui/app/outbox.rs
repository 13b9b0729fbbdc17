//! The outbox screen (replies on their way, by state, with what to do about each), reading one
//! message as it was sent, the outbox sender's reports, and the dialog that keeps a bundle's
//! passphrase on screen until it is dismissed.

use super::*;
use crate::service::outbox::{DeliveryReport, SentMessage};
use crate::store::outbox::OutboxState as MailState;
use crate::tui::action::{OutboxData, OutboxFilter};

/// At most this many messages are listed (the counts above the list are of all of them).
pub const OUTBOX_LIMIT: i64 = 500;

/// The order `s` steps through on the outbox screen: the ones that need the operator first.
pub const OUTBOX_STATES: [MailState; 6] = [
    MailState::Failed,
    MailState::Uncertain,
    MailState::Retry,
    MailState::Queued,
    MailState::Sending,
    MailState::Sent,
];

#[derive(Debug, Clone, Default)]
pub struct OutboxScreenState {
    /// The state chosen with `s` or `:outbox STATE` (None: all).
    pub state: Option<MailState>,
    /// What the list was loaded with.
    pub shown: OutboxFilter,
    pub load: Loadable<OutboxData, Failure>,
    pub selected: usize,
}

impl OutboxScreenState {
    pub fn selected_message(&self) -> Option<&crate::store::outbox::OutboxSummary> {
        self.load.data.as_ref()?.messages.get(self.selected)
    }
}

#[derive(Debug, Clone, Default)]
pub struct MessageState {
    pub id: Option<i64>,
    pub load: Loadable<SentMessage, Failure>,
    pub scroll: u16,
}

/// A message that stays on screen until it is dismissed: the bundle's passphrase, which the
/// requester needs and which is never shown again (a status line would be overwritten by the
/// next message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub lines: Vec<String>,
    /// What `c` copies to the terminal's clipboard (when `[desk] osc52_clipboard` allows it).
    pub secret: Option<String>,
    /// What became of the last copy asked for.
    pub copied: Option<String>,
}

/// The OSC 52 sequence that asks the terminal to put `text` on its clipboard ("c": the
/// clipboard selection), base64 as the sequence requires, ended by BEL (xterm's ctlseqs).
pub fn osc52_sequence(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", crate::store::outbox::base64(text.as_bytes()))
}

/// What to do about a message in its state, in the desk's words (keys as bound): a paragraph
/// each, wrapped by the view.
pub fn what_to_do(app: &App, m: &crate::store::outbox::OutboxSummary) -> Vec<String> {
    let km = app.keymap();
    let sent_key = km.hint(Context::Outbox, &Action::ResolveSent);
    let resend_key = km.hint(Context::Outbox, &Action::ResolveResend);
    let error = m.last_error.as_deref().map(escape_line).unwrap_or_default();
    let read_only = app.settings.read_only;
    match m.state {
        MailState::Failed => vec![
            format!("Failed: {error}"),
            if read_only {
                "Fix the address (rectify the requester's e-mail) and write the reply again, or, if \
                 the relay's trouble is over, resend it — by an operator, not on this read-only desk."
                    .into()
            } else {
                format!(
                    "Fix the address: correct the requester's e-mail (rectify), then write the reply \
                     again; if the relay's trouble is over instead, resend it ({resend_key})."
                )
            },
        ],
        MailState::Uncertain => vec![
            format!(
                "Uncertain: the relay may have delivered it. Look in the relay's log for the SMTP \
                 reply to Message-ID {} (250 … queued as …).",
                escape_line(&m.message_id)
            ),
            if read_only {
                "Found: recorded sent; not found: resent (same Message-ID) — by an operator, not on \
                 this read-only desk."
                    .into()
            } else {
                format!(
                    "Found: record it sent ({sent_key}). Not found: resend ({resend_key}), same Message-ID."
                )
            },
        ],
        MailState::Retry => vec![
            format!("Retrying after attempt {}: {error}", m.attempts),
            format!(
                "Next try {}; after {} attempts it fails. Nothing to do unless the relay stays down.",
                local_time(Jurisdiction::Sweden, m.next_attempt_at),
                crate::service::outbox::MAX_ATTEMPTS
            ),
        ],
        MailState::Queued => vec![
            "Queued: the desk's sender delivers it within half a minute when a relay is configured \
             ([smtp] url); otherwise `dsrdesk outbox send` does."
                .into(),
        ],
        MailState::Sending => {
            vec!["Being sent. If the sender stops mid-way it becomes uncertain when its lease ends.".into()]
        }
        MailState::Sent => vec![match (&m.smtp_reply, &m.resolved_by) {
            (Some(reply), _) => format!("Sent — the server's reply: {}", escape_line(reply)),
            (None, Some(who)) => format!("Sent — recorded by {} after checking the relay", escape_line(who)),
            (None, None) => "Sent.".into(),
        }],
    }
}

/// The outbox spans both controllers: its times are Swedish (the zone is said on the screen).
fn local_time(j: Jurisdiction, t: DateTime<Utc>) -> String {
    t.with_timezone(&j.time_zone()).format("%Y-%m-%d %H:%M").to_string()
}

impl App {
    /// How far the message screen scrolls: its lines (see `view::outbox::draw_message`) less
    /// the rows inside its frame, so the last line can be brought up but no further.
    pub(super) fn message_lines(&self) -> usize {
        self.message.load.data.as_ref().map_or(0, |m| {
            let headers = m.headers.as_ref().map_or(4, |h| h.lines().count());
            let lines = m.record.body.lines().count() + headers + m.attachments.len() + 12;
            lines.saturating_sub((self.size.1 as usize).saturating_sub(4))
        })
    }

    pub(super) fn load_outbox(&mut self, reference: Option<String>) -> Vec<Effect> {
        let filter = OutboxFilter { state: self.outbox.state, reference };
        if self.outbox.shown != filter {
            self.outbox =
                OutboxScreenState { state: self.outbox.state, shown: filter.clone(), ..Default::default() };
        }
        if self.outbox.load.start() { vec![Effect::LoadOutbox { filter }] } else { vec![] }
    }

    pub(super) fn load_message(&mut self, id: i64) -> Vec<Effect> {
        if self.message.id != Some(id) {
            self.message = MessageState { id: Some(id), ..MessageState::default() };
        }
        if self.message.load.start() { vec![Effect::LoadMessage { id }] } else { vec![] }
    }

    /// The outbox's keys and the passphrase dialog's.
    pub(super) fn outbox_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::GoOutbox => {
                self.outbox.load.stale = true;
                self.navigate(Screen::Outbox(None))
            }
            Action::GoOutboxIn(state) => {
                self.outbox.state = state;
                self.outbox.load.stale = true;
                self.navigate(Screen::Outbox(None))
            }
            Action::ReadReplies => self.with_shown(|app, d| {
                if d.outbox.is_empty() {
                    app.info(
                        StatusKind::Info,
                        format!("{}: no reply has been sent yet", d.request.reference),
                    );
                    return vec![];
                }
                app.outbox.state = None;
                app.outbox.load.stale = true;
                app.navigate(Screen::Outbox(Some(d.request.reference.clone())))
            }),
            Action::FilterOutboxState => {
                let Screen::Outbox(reference) = self.screen.clone() else { return vec![] };
                self.outbox.state = match self.outbox.state {
                    None => Some(OUTBOX_STATES[0]),
                    Some(s) => OUTBOX_STATES
                        .iter()
                        .position(|x| *x == s)
                        .and_then(|i| OUTBOX_STATES.get(i + 1))
                        .copied(),
                };
                self.load_outbox(reference)
            }
            a @ (Action::ResolveSent | Action::ResolveResend) => self.resolve(a.is(&Action::ResolveResend)),
            Action::CopyToClipboard => {
                if let Mode::Notice(notice) = &mut self.mode
                    && let Some(secret) = notice.secret.clone()
                {
                    if self.settings.config.desk.osc52_clipboard {
                        self.clipboard = Some(osc52_sequence(&secret));
                        notice.copied = Some("sent to the terminal's clipboard (OSC 52)".into());
                    } else {
                        notice.copied = Some(
                            "copying is off: `[desk] osc52_clipboard = true` in the config allows it".into(),
                        );
                    }
                }
                vec![]
            }
            _ => vec![],
        }
    }

    /// `d` or `r` on a message: ask first, with what it means.
    fn resolve(&mut self, resend: bool) -> Vec<Effect> {
        let message = match &self.screen {
            Screen::Outbox(_) => self
                .outbox
                .selected_message()
                .map(|m| (m.id, m.reference.clone(), m.state, m.message_id.clone())),
            Screen::Message(_) => self
                .message
                .load
                .data
                .as_ref()
                .map(|m| (m.record.id, m.reference.clone(), m.record.state, m.record.message_id.clone())),
            _ => None,
        };
        let Some((id, reference, state, message_id)) = message else {
            self.info(StatusKind::Info, "select a message first");
            return vec![];
        };
        // The service refuses the same (store::outbox::resolve); this spares a confirmation
        // whose answer would be a refusal.
        let allowed = if resend { state.needs_attention() } else { state == MailState::Uncertain };
        if !allowed {
            let why = if resend {
                "only a failed or uncertain message is sent again"
            } else {
                "only an uncertain message is recorded as sent (a failed one never reached the server)"
            };
            self.info(StatusKind::Refused, format!("message #{id} is {state}: {why}"));
            return vec![];
        }
        let (title, lines, verb) = if resend {
            (
                format!("Send message #{id} of {reference} again?"),
                vec![
                    format!("It goes out again with the same Message-ID {}", escape_line(&message_id)),
                    "so the requester's mail client shows it once if the first one arrived.".into(),
                ],
                "resend",
            )
        } else {
            (
                format!("Record message #{id} of {reference} as sent?"),
                vec![
                    "Only when the relay's log shows the server took it (250 … queued as …).".into(),
                    format!(
                        "Recorded with your name ({}) in the history.",
                        escape_line(&self.operator().user)
                    ),
                ],
                "record sent",
            )
        };
        self.mode = Mode::Confirm(Confirm {
            title,
            lines,
            verb,
            mutation: Mutation::ResolveOutbox { reference, id, resend },
        });
        vec![]
    }

    /// A pass of the desk's outbox sender: trouble with the relay on the status line (the
    /// replies wait, and the DPO should know why), deliveries said once.
    pub(super) fn outbox_reported(&mut self, result: Result<DeliveryReport, Failure>) -> Vec<Effect> {
        let m = self.keymap().hint(Context::Global, &Action::GoOutbox);
        match result {
            Err(e) => {
                self.info(
                    StatusKind::Trouble,
                    format!("outbox sender: {} (it tries again in 30 s)", e.message),
                );
                vec![]
            }
            Ok(r) => {
                let failed = r.failed.len();
                let uncertain = r.uncertain.len() + r.reconciled_uncertain.len();
                if r.retry + failed + uncertain > 0 {
                    let mut parts = vec![];
                    if r.sent > 0 {
                        parts.push(format!("{} sent", r.sent));
                    }
                    for (n, what) in [(r.retry, "to retry"), (failed, "failed"), (uncertain, "uncertain")] {
                        if n > 0 {
                            parts.push(format!("{n} {what}"));
                        }
                    }
                    let error = r
                        .last_error
                        .as_deref()
                        .map(|e| format!(" — relay: {}", escape_line(e)))
                        .unwrap_or_default();
                    self.info(
                        StatusKind::Trouble,
                        format!("outbox: {}{error} ({m}: the outbox)", parts.join(", ")),
                    );
                } else if r.sent > 0 {
                    self.info(StatusKind::Done, format!("outbox: {} repl(ies) sent", r.sent));
                }
                vec![]
            }
        }
    }

    /// The passphrase of an encrypted bundle, in a dialog that stays until dismissed.
    pub(super) fn show_passphrase(&mut self, reference: Option<&str>, passphrase: &str, by_mail: bool) {
        let what = if by_mail { "the bundle attached to the reply" } else { "the bundle written" };
        let c = self.keymap().hint(Context::Confirm, &Action::CopyToClipboard);
        let mut lines = vec![
            format!("The passphrase of {what}{}:", reference.map(|r| format!(" ({r})")).unwrap_or_default()),
            String::new(),
            format!("    {}", escape_line(passphrase)),
            String::new(),
            "Give it by phone or SMS, never with the file or by e-mail.".into(),
            "It is not stored and is not shown again.".into(),
        ];
        if self.settings.config.desk.osc52_clipboard {
            lines.push(format!("{c}: copy it to the terminal's clipboard (OSC 52)."));
        }
        self.mode = Mode::Notice(Notice {
            title: "Bundle passphrase".into(),
            lines,
            secret: Some(passphrase.to_string()),
            copied: None,
        });
    }
}
