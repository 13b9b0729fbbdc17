//! Open the terminal desk directly (what `dsrdesk` without a subcommand does once the CLI calls
//! `dsrdesk::tui::run`): `cargo run --example tui -- [--read-only] [--mono] [--keys FILE]`.
//! Uses `DATABASE_URL`, else the embedded cluster, like the CLI.

use dsrdesk::config::Config;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::store::{self, DatabaseTarget};
use dsrdesk::tui::{Options, ThemeChoice};

#[tokio::main]
async fn main() {
    let mut options = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--read-only" => options.read_only = true,
            "--mono" => options.theme = ThemeChoice::Mono,
            "--keys" => options.keys_file = args.next().map(Into::into),
            other => {
                eprintln!("unknown argument {other}; use --read-only, --mono, --keys FILE");
                std::process::exit(2);
            }
        }
    }
    let result = async {
        let config = Config::load(None)?;
        let pool = store::open(&DatabaseTarget::from_env("dsrdesk"), 8).await?;
        dsrdesk::tui::run(Desk::new(pool, config), Operator::from_os(), options).await
    }
    .await;
    if let Err(e) = result {
        eprintln!("dsrdesk: {e}");
        std::process::exit(e.exit_code());
    }
}
