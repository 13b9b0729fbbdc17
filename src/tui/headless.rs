//! The desk without a terminal: real key events through the real keymap, real service calls
//! against a real database, drawn into ratatui's `TestBackend`. Effects run to completion, in
//! order, after each key, so what a test sees is deterministic. Used by the snapshot tests, the
//! benchmark and anything else that wants to look at the screen without a terminal.

use super::action::Action;
use super::app::{App, Effect, Settings};
use super::effects::{Clock, Executor};
use super::keymap::Key;
use super::view;
use crate::service::{Desk, Operator};
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::{Backend, TestBackend};
use std::collections::VecDeque;

pub struct Headless<B: Backend = TestBackend> {
    pub app: App,
    pub executor: Executor,
    pub terminal: Terminal<B>,
}

impl Headless<TestBackend> {
    /// Open the desk at `now` in a `width`×`height` test terminal and load the first screen.
    pub async fn start(
        desk: Desk,
        operator: Operator,
        settings: Settings,
        now: DateTime<Utc>,
        width: u16,
        height: u16,
    ) -> Headless<TestBackend> {
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
        Headless::with_terminal(desk, operator, settings, now, terminal, (width, height)).await
    }

    /// The screen as text, one quoted line per row (ratatui's own rendering of the buffer).
    pub fn screen(&self) -> String {
        self.terminal.backend().to_string()
    }

    /// Resize the test terminal, as a terminal resize event would.
    pub async fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        self.dispatch(Action::Resize(width, height)).await;
    }
}

impl<B: Backend> Headless<B> {
    pub async fn with_terminal(
        desk: Desk,
        operator: Operator,
        settings: Settings,
        now: DateTime<Utc>,
        terminal: Terminal<B>,
        size: (u16, u16),
    ) -> Headless<B> {
        let read_only = settings.read_only;
        let mut app = App::new(Settings { operator: operator.clone(), ..settings }, now, size);
        let executor = Executor::new(desk, operator, read_only, Clock::Fixed(now));
        let effects = app.start();
        let mut h = Headless { app, executor, terminal };
        h.run(effects).await;
        h.draw();
        h
    }

    /// The screen as plain text, one line per row.
    pub fn text(&self) -> String
    where
        B: HasBuffer,
    {
        let buffer = self.terminal.backend().buffer_ref();
        let width = buffer.area.width as usize;
        buffer
            .content
            .chunks(width)
            .map(|row| row.iter().map(|c| c.symbol()).collect::<String>().trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Apply an action, run the effects it asks for (and theirs) to completion, then draw.
    pub async fn dispatch(&mut self, action: Action) {
        let effects = self.app.update(action);
        self.run(effects).await;
        self.draw();
    }

    /// Press a key, as the terminal would deliver it.
    pub async fn press(&mut self, event: KeyEvent) {
        if let Some(action) = self.app.action_for_key(event) {
            self.dispatch(action).await;
        } else {
            self.draw();
        }
    }

    /// Press keys written as the keymap writes them, separated by spaces: "j j enter", "G", "ctrl-c".
    pub async fn keys(&mut self, spec: &str) {
        for word in spec.split_whitespace() {
            let key = Key::parse(word).unwrap_or_else(|e| panic!("{e}"));
            self.press(KeyEvent::new(key.code, key.modifiers)).await;
        }
    }

    /// Type text, one key per character.
    pub async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)).await;
        }
    }

    async fn run(&mut self, effects: Vec<Effect>) {
        let mut pending: VecDeque<Effect> = effects.into();
        while let Some(effect) = pending.pop_front() {
            let answer = self.executor.run(effect).await;
            pending.extend(self.app.update(answer));
        }
    }

    pub fn draw(&mut self) {
        let app = &self.app;
        if let Err(e) = self.terminal.draw(|f| view::draw(f, app)) {
            panic!("draw: {e}");
        }
        self.app.dirty = false;
    }
}

/// Backends whose screen can be read back.
pub trait HasBuffer {
    fn buffer_ref(&self) -> &ratatui::buffer::Buffer;
}

impl HasBuffer for TestBackend {
    fn buffer_ref(&self) -> &ratatui::buffer::Buffer {
        self.buffer()
    }
}
