//! Parse the command line, run it, turn errors into a message and an exit code. Nothing else.

use clap::{CommandFactory, FromArgMatches};

fn main() {
    let matches = dsrdesk::cli::Cli::command().get_matches();
    let mut cli = dsrdesk::cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // The subcommand's name only (`outbox send`): its arguments may carry a requester's data.
    let mut invoked = Vec::new();
    let mut level = &matches;
    while let Some((name, sub)) = level.subcommand() {
        invoked.push(name);
        level = sub;
    }
    cli.invoked = if invoked.is_empty() { "desk".to_string() } else { invoked.join(" ") };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    if let Err(e) = runtime.block_on(dsrdesk::cli::run(cli)) {
        dsrdesk::logging::failure("command", &e);
        // Errors can quote input (a reference, a file's key, a server's answer): escaped, so that
        // nothing in them reaches the terminal as a command.
        eprintln!("dsrdesk: {}", dsrdesk::domain::text::escape_multiline(&e.to_string()));
        std::process::exit(e.exit_code());
    }
}
