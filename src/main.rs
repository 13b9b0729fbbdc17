//! Parse the command line, run it, turn errors into a message and an exit code. Nothing else.

use clap::Parser;

fn main() {
    let cli = dsrdesk::cli::Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    if let Err(e) = runtime.block_on(dsrdesk::cli::run(cli)) {
        eprintln!("dsrdesk: {e}");
        std::process::exit(e.exit_code());
    }
}
