//! `dsrdesk completions SHELL` and `dsrdesk man`: generated from the same clap definition the
//! program parses with, so they never drift from the real commands (issue 18). The Debian package
//! ships both (scripts/package); neither needs the configuration or the database.

use super::Cli;
use crate::error::{Error, Result};
use clap::CommandFactory;
use clap_complete::Shell;
use std::io::Write;

/// The shells the completions are written for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

pub fn completions(shell: CompletionShell) -> Result<()> {
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "dsrdesk", &mut out);
    write_all(&out)
}

/// The manual page (roff, section 1): the top-level help with every subcommand listed.
pub fn man() -> Result<()> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| Error::Invalid(format!("cannot render the manual page: {e}")))?;
    write_all(&out)
}

fn write_all(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(()),
        // `dsrdesk man | head`: the reader took what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Invalid(format!("cannot write the answer: {e}"))),
    }
}
