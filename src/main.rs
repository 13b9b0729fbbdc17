//! Parse the command line, run it, turn errors into a message and an exit code. Nothing else.

use clap::Parser;

fn main() {
    let cli = dsrdesk::cli::Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    if let Err(e) = runtime.block_on(dsrdesk::cli::run(cli)) {
        // Errors can quote input (a reference, a file's key, a server's answer): escaped, so that
        // nothing in them reaches the terminal as a command.
        eprintln!("dsrdesk: {}", dsrdesk::domain::text::escape_multiline(&e.to_string()));
        std::process::exit(e.exit_code());
    }
}
