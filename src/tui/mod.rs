//! The terminal desk: the product's main screen, on the same service layer as the CLI.
//!
//! The shape (STYLE.md): keys become [`Action`]s through the [`Keymap`]; [`App::update`] is the
//! one place state changes and returns [`Effect`]s; the [`Executor`] carries those out against the
//! [`Desk`] off the render path and reports back through a channel; [`view::draw`] draws from the
//! state alone. [`headless::Headless`] runs the same loop without a terminal for tests.
//!
//! The terminal is always given back: on quit, on error, on panic (a hook restores it before the
//! message is printed), on SIGTERM, SIGHUP and SIGINT; Ctrl-Z restores it, stops the process and
//! sets it up again on `fg`.

pub mod action;
pub mod app;
pub mod commands;
pub mod effects;
pub mod headless;
pub mod keymap;
pub mod layout;
pub mod listen;
mod mutation;
pub mod theme;
pub mod view;
pub mod words;

pub use action::Action;
pub use app::{App, Effect, Settings};
pub use effects::{Clock, Executor};
pub use keymap::Keymap;
pub use theme::{Theme, ThemeChoice};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::service::{Desk, Operator};
use chrono::Utc;
use crossterm::event::{Event, EventStream};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use crossterm::{cursor, execute};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{Stdout, stdout};
use std::path::PathBuf;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::unbounded_channel;
use tokio::task::JoinSet;

/// How the desk is opened.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// For auditors: nothing can be changed; the actions are neither offered nor carried out.
    pub read_only: bool,
    /// Colours: `Auto` follows `NO_COLOR`.
    pub theme: ThemeChoice,
    /// The keys file; None looks in the default place (see [`keymap`]).
    pub keys_file: Option<PathBuf>,
}

impl Options {
    /// The settings the app runs with: the keymap loaded (an unreadable or inconsistent keys file
    /// is an error before the terminal is touched) and the theme chosen.
    pub fn settings(&self, operator: &Operator, config: &Config) -> Result<Settings> {
        let keymap = Keymap::load(self.keys_file.as_deref()).map_err(Error::Invalid)?;
        Ok(Settings {
            config: config.clone(),
            operator: operator.clone(),
            read_only: self.read_only,
            keymap,
            theme: self.theme.resolve(),
        })
    }
}

/// Open the desk in the terminal and run it until the operator quits.
///
/// The front end for `dsrdesk` without a subcommand (and `dsrdesk demo`): call it inside the
/// tokio runtime with the desk, `Operator::from_os()` and the options from the command line.
pub async fn run(desk: Desk, operator: Operator, options: Options) -> Result<()> {
    let settings = options.settings(&operator, desk.config())?;
    let on_replica = crate::store::replica::is_hot_standby(desk.pool()).await?;
    if on_replica && !settings.read_only {
        // Every change, the worker and the outbox would be refused one by one: say it once.
        return Err(Error::Invalid(
            "this database is a read-only replica (hot standby): open the desk with --read-only, or point DATABASE_URL at the primary".into(),
        ));
    }
    if !crossterm::tty::IsTty::is_tty(&stdout()) {
        return Err(Error::Invalid(
            "the desk needs a terminal; for scripts use the subcommands (dsrdesk list, show, ...)".into(),
        ));
    }
    let mut terminal = TerminalGuard::enter().map_err(terminal_error)?;
    let result = event_loop(&mut terminal, desk, operator, settings, on_replica).await;
    drop(terminal);
    result
}

fn terminal_error(e: std::io::Error) -> Error {
    Error::Invalid(format!("terminal: {e}"))
}

async fn event_loop(
    terminal: &mut TerminalGuard,
    desk: Desk,
    operator: Operator,
    settings: Settings,
    on_replica: bool,
) -> Result<()> {
    let size = terminal.terminal.size().map_err(terminal_error)?;
    let read_only = settings.read_only;
    let mut app = App::new(settings, Utc::now(), (size.width, size.height));
    let executor = Executor::new(desk.clone(), operator.clone(), read_only, Clock::System);
    let (tx, mut rx) = unbounded_channel::<Action>();
    // A standby hears no NOTIFY: there the desk polls the replica's replay position.
    let listener = if on_replica {
        listen::spawn_replica_watch(desk.pool().clone(), tx.clone(), listen::REPLICA_POLL)
    } else {
        listen::spawn_listener(desk.pool().clone(), tx.clone())
    };
    // Follow-up erasures fall due while the desk is open; an auditor's desk changes nothing.
    let worker = (!read_only).then(|| {
        effects::spawn_erasure_worker(
            desk.clone(),
            // The history says the worker did it, on behalf of whose desk it ran in.
            Operator { user: format!("{} (worker)", operator.user), ..operator.clone() },
            Clock::System,
            effects::WORKER_PERIOD,
            tx.clone(),
        )
    });
    let _outbox = (!read_only)
        .then(|| {
            effects::spawn_outbox_sender(
                desk.clone(),
                &operator,
                Clock::System,
                effects::OUTBOX_PERIOD,
                tx.clone(),
            )
        })
        .flatten();
    // Mail keeps arriving while the desk is open (issue 16): the mailboxes are read here too.
    let mail =
        if read_only { Vec::new() } else { crate::mail::inbox::fetch::spawn_in_background(&desk, &operator) };
    let mut tasks = Tasks { executor: executor.clone(), tx: tx.clone(), must_finish: JoinSet::new() };

    let result = run_loop(terminal, &mut app, &mut tasks, &mut rx).await;

    // However the loop ended (quit, SIGTERM, SIGHUP when the SSH connection dropped, a terminal
    // that is gone), what the operator did is kept: the draft typed since the last autosave is
    // saved, and changes already confirmed are waited for rather than cut off mid-way.
    listener.abort();
    mail.iter().for_each(|m| m.abort());
    if let Some(worker) = worker {
        worker.abort();
    }
    let flush = app.flush();
    tasks.spawn(flush);
    let _ =
        tokio::time::timeout(CLOSING_WAIT, async { while tasks.must_finish.join_next().await.is_some() {} })
            .await;
    // The operator looked: move the last-seen mark to the newest change the overview showed.
    if let Some(effect) = app.on_exit() {
        let _ = tokio::time::timeout(Duration::from_secs(2), executor.run(effect)).await;
    }
    // A claim made just before quitting is still told to the other desks.
    let _ = tokio::time::timeout(Duration::from_secs(2), desk.flush_announcements()).await;
    result
}

/// How long a closing desk waits for its confirmed changes and the last draft to be written.
const CLOSING_WAIT: Duration = Duration::from_secs(10);

/// Effects in flight: each runs as a task and reports back on `tx`.
struct Tasks {
    executor: Executor,
    tx: tokio::sync::mpsc::UnboundedSender<Action>,
    /// Those the desk waits for when closing ([`Effect::must_finish`]); reads are left to go.
    must_finish: JoinSet<()>,
}

impl Tasks {
    fn spawn(&mut self, effects: Vec<Effect>) {
        // Forget the ones that are done.
        while self.must_finish.try_join_next().is_some() {}
        for effect in effects {
            let keep = effect.must_finish();
            let executor = self.executor.clone();
            let tx = self.tx.clone();
            let task = async move {
                let _ = tx.send(executor.run(effect).await);
            };
            if keep {
                self.must_finish.spawn(task);
            } else {
                tokio::spawn(task);
            }
        }
    }
}

async fn run_loop(
    terminal: &mut TerminalGuard,
    app: &mut App,
    tasks: &mut Tasks,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Action>,
) -> Result<()> {
    tasks.spawn(app.start());
    terminal.draw(app)?;

    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sigterm = signal(SignalKind::terminate()).map_err(terminal_error)?;
    let mut sighup = signal(SignalKind::hangup()).map_err(terminal_error)?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(terminal_error)?;
    loop {
        let action = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => app.action_for_key(key),
                Some(Ok(Event::Resize(w, h))) => Some(Action::Resize(w, h)),
                Some(Ok(_)) => None,
                Some(Err(e)) => return Err(terminal_error(e)),
                None => break,
            },
            Some(action) = rx.recv() => Some(action),
            _ = tick.tick() => Some(Action::Tick(Utc::now())),
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
            _ = sigint.recv() => break,
        };
        if let Some(action) = action {
            tasks.spawn(app.update(action));
        }
        // Take whatever else is waiting before drawing once.
        while let Ok(action) = rx.try_recv() {
            tasks.spawn(app.update(action));
        }
        if app.quit {
            break;
        }
        if app.suspend {
            app.suspend = false;
            terminal.suspend()?;
            // The window may have changed size while we were stopped.
            if let Ok((w, h)) = crossterm::terminal::size() {
                tasks.spawn(app.update(Action::Resize(w, h)));
            }
            app.dirty = true;
        }
        if app.dirty {
            terminal.draw(app)?;
        }
        if let Some(sequence) = app.clipboard.take() {
            // The copy asked for in the passphrase dialog (allowed by `[desk] osc52_clipboard`):
            // written beside the frame, never into a cell.
            terminal.write_raw(&sequence)?;
        }
    }
    Ok(())
}

/// Raw mode and the alternate screen for as long as it lives; dropped, the terminal is as it was.
struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

static PANIC_HOOK: Once = Once::new();

/// Whether the desk has the terminal (raw mode, alternate screen) right now.
static TAKEN: AtomicBool = AtomicBool::new(false);

/// Give the terminal back: leave raw mode and the alternate screen, show the cursor. Only the
/// first call after taking it acts: leaving the alternate screen twice would move the cursor back
/// over what was printed in between (a panic's message).
pub fn restore_terminal() {
    if TAKEN.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(stdout(), LeaveAlternateScreen, cursor::Show);
    }
}

fn take_terminal() -> std::io::Result<()> {
    TAKEN.store(true, Ordering::SeqCst);
    enable_raw_mode()?;
    execute!(stdout(), EnterAlternateScreen, cursor::Hide)
}

impl TerminalGuard {
    fn enter() -> std::io::Result<TerminalGuard> {
        PANIC_HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore_terminal();
                previous(info);
                // A panic in any task (the executor, the listener) would leave the desk drawing
                // into a restored terminal that no longer reads `q`: end the process instead,
                // with Rust's panic exit code.
                std::process::exit(101);
            }));
        });
        if let Err(e) = take_terminal() {
            restore_terminal();
            return Err(e);
        }
        match Terminal::new(CrosstermBackend::new(stdout())) {
            Ok(terminal) => Ok(TerminalGuard { terminal }),
            Err(e) => {
                restore_terminal();
                Err(e)
            }
        }
    }

    fn draw(&mut self, app: &mut App) -> Result<()> {
        self.terminal.draw(|f| view::draw(f, app)).map_err(terminal_error)?;
        app.dirty = false;
        Ok(())
    }

    /// Write a control sequence straight to the terminal (OSC 52), outside the drawing.
    fn write_raw(&mut self, sequence: &str) -> Result<()> {
        use std::io::Write;
        let mut out = stdout();
        out.write_all(sequence.as_bytes()).and_then(|()| out.flush()).map_err(terminal_error)
    }

    /// Ctrl-Z: give the terminal back, stop (SIGTSTP, as the shell expects), and on `fg` take it
    /// again and redraw everything.
    fn suspend(&mut self) -> Result<()> {
        restore_terminal();
        signal_hook::low_level::raise(signal_hook::consts::SIGTSTP).map_err(terminal_error)?;
        take_terminal().map_err(terminal_error)?;
        self.terminal.clear().map_err(terminal_error)?;
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}
