//! Moving between screens: breadcrumbs back and forward, opening what is selected, and loading
//! what the screen shows.

use super::*;

impl App {
    pub(super) fn page_step(&self) -> usize {
        match self.screen {
            Screen::Queue => self.view_rows().saturating_sub(1).max(1),
            _ => (self.size.1 as usize / 2).max(1),
        }
    }

    // ---- screens and breadcrumbs ----

    pub(in crate::tui) fn navigate(&mut self, to: Screen) -> Vec<Effect> {
        if self.screen == to {
            return self.load_screen();
        }
        let from = std::mem::replace(&mut self.screen, to);
        // Moving between one request's own screens (identity, erasure plan, rectify, Art. 19)
        // replaces the crumb: the trail names where the DPO came from, not every tab visited.
        let sibling = matches!((&from, &self.screen),
            (Screen::Subject(a, _), Screen::Subject(b, _)) if a == b);
        if !sibling {
            self.back.push(from);
        }
        self.forward.clear();
        if self.back.len() > 50 {
            self.back.remove(0);
        }
        self.load_screen()
    }

    pub(in crate::tui) fn go_back(&mut self) -> Vec<Effect> {
        match self.back.pop() {
            Some(previous) => {
                let current = std::mem::replace(&mut self.screen, previous);
                self.forward.push(current);
                self.load_screen()
            }
            None => {
                if self.screen != Screen::Overview {
                    self.screen = Screen::Overview;
                    return self.load_screen();
                }
                let q = self.keymap().hint(Context::Global, &Action::Quit);
                self.info(StatusKind::Info, format!("this is the start; {q} quits"));
                vec![]
            }
        }
    }

    /// Load what the current screen needs, when it has not been loaded or went stale.
    pub(super) fn load_screen(&mut self) -> Vec<Effect> {
        match self.screen.clone() {
            Screen::Overview => {
                if self.overview.load.start() {
                    vec![Effect::LoadOverview { last_seen: self.last_seen }]
                } else {
                    vec![]
                }
            }
            Screen::Queue => {
                if !self.queue.loaded || self.queue.stale {
                    if self.queue.loaded && !self.queue.rows.is_empty() {
                        self.refresh_queue()
                    } else {
                        self.reload_queue(None)
                    }
                } else {
                    vec![]
                }
            }
            Screen::Detail(reference) => {
                if self.detail.reference.as_deref() != Some(reference.as_str()) {
                    self.detail =
                        DetailState { reference: Some(reference.clone()), ..DetailState::default() };
                }
                if self.detail.load.start() {
                    // The request's messages in come beside it (its conversation).
                    vec![
                        Effect::LoadDetail { reference: reference.clone() },
                        Effect::LoadConversation { reference },
                    ]
                } else {
                    vec![]
                }
            }
            Screen::Subject(reference, screen) => {
                let shown = Some((reference.clone(), screen));
                if self.subject.shown != shown {
                    self.subject = SubjectState { shown, ..SubjectState::default() };
                }
                if self.subject.load.start() {
                    vec![Effect::LoadSubject { reference, screen }]
                } else {
                    vec![]
                }
            }
            Screen::NewRequest => vec![],
            Screen::Inbox => {
                if self.inbox.load.start() {
                    vec![Effect::LoadInbox]
                } else {
                    vec![]
                }
            }
            Screen::Outbox(reference) => self.load_outbox(reference),
            Screen::Message(id) => self.load_message(id),
            // The composer keeps its own state; a draft is loaded when it is opened.
            Screen::Reply(_) => vec![],
            Screen::Help => vec![],
            Screen::Stats => self.load_stats(),
        }
    }

    pub(super) fn open(&mut self) -> Vec<Effect> {
        if let Mode::Menu(menu) = &self.mode {
            let menu = menu.clone();
            self.mode = Mode::Normal;
            return self.menu_chosen(menu);
        }
        if matches!(self.screen, Screen::Reply(_)) {
            if self.settings.read_only {
                self.info(StatusKind::Refused, READ_ONLY);
                return vec![];
            }
            return self.reply_choose();
        }
        if self.screen == Screen::NewRequest {
            // Enter goes back to typing in the form.
            if self.new_request.is_some() {
                self.mode = Mode::Edit;
            }
            return vec![];
        }
        if let Screen::Subject(_, SubjectScreen::Rectify) = self.screen {
            // Enter on a field corrects it, as `c` does.
            if self.settings.read_only {
                self.info(StatusKind::Refused, READ_ONLY);
                return vec![];
            }
            return self.correct();
        }
        if let Screen::Outbox(_) = self.screen {
            return match self.outbox.selected_message().map(|m| m.id) {
                Some(id) => self.navigate(Screen::Message(id)),
                None => vec![],
            };
        }
        let reference = match self.screen {
            Screen::Overview => self.overview.selected_reference(),
            Screen::Queue => self.queue.selected_item().map(|i| i.record.reference.clone()),
            _ => None,
        };
        match reference {
            Some(r) => self.navigate(Screen::Detail(r)),
            None => vec![],
        }
    }
}

impl App {
    /// Moving between screens: help, back and forward, the screens by key, a reference typed.
    pub(super) fn go(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Help => {
                if self.screen != Screen::Help {
                    self.help_scroll = 0;
                    self.navigate(Screen::Help)
                } else {
                    vec![]
                }
            }
            Action::Back => self.go_back(),
            Action::Forward => match self.forward.pop() {
                Some(next) => {
                    let current = std::mem::replace(&mut self.screen, next);
                    self.back.push(current);
                    self.load_screen()
                }
                None => vec![],
            },
            Action::GoOverview => self.navigate(Screen::Overview),
            Action::GoQueue => self.navigate(Screen::Queue),
            Action::GoInbox => {
                // Mail arrives without a notification to the desk: each visit looks again.
                self.inbox.load.stale = true;
                self.navigate(Screen::Inbox)
            }
            Action::GoStats => self.navigate(Screen::Stats),
            Action::GoMine => {
                // "My requests" is a view of its own: an earlier search would hide them.
                self.queue.filter.who = Who::Mine;
                self.queue.filter.search.clear();
                self.queue.stale = true;
                self.navigate(Screen::Queue)
            }
            Action::OpenReference(reference) => match crate::service::normalize_reference(&reference) {
                Ok(reference) => self.navigate(Screen::Detail(reference)),
                Err(e) => {
                    self.info(StatusKind::Refused, e.to_string());
                    vec![]
                }
            },
            _ => vec![],
        }
    }
}
