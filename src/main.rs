//! meshscope's binary: parse the command line, run, exit with the contract's code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use meshscope::cli::{Cli, Command};
use meshscope::commands::{self, CommandError};

fn main() -> ExitCode {
    if let Err(e) = color_eyre::install() {
        eprintln!("meshscope: {e}");
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = stdout.write_all(out.as_bytes());
            let _ = stdout.flush();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("meshscope: {e}");
            ExitCode::from(u8::try_from(e.code).unwrap_or(2))
        }
    }
}

fn run(cli: Cli) -> Result<String, CommandError> {
    match cli.command {
        Some(Command::Pc(args)) => commands::pc::run(&args),
        Some(Command::Demo(args)) => commands::demo::run(&args),
        None => Err(CommandError::usage(
            "the interactive TUI is not built yet; try `meshscope pc clusters --file DUMP`",
        )),
    }
}
