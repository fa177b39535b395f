//! `meshscope demo`: the simulated mesh and its tools.

use std::fs::File;
use std::io::{BufWriter, Write};

use super::CommandError;
use crate::cli::{DemoArgs, DemoCommand, DumpShape};
use crate::sources::demo;

/// Runs `demo`.
pub fn run(args: &DemoArgs) -> Result<String, CommandError> {
    match &args.command {
        Some(DemoCommand::GenerateDump {
            services,
            seed,
            shape,
            output,
        }) => {
            let shape = match shape {
                DumpShape::SharedPorts => demo::DumpShape::SharedPorts,
                DumpShape::Mesh => demo::DumpShape::Mesh,
            };
            let fail = |e: std::io::Error| CommandError::usage(format!("{}: {e}", output.display()));
            if output.as_os_str() == "-" {
                let stdout = super::output::stdout();
                let mut w = BufWriter::with_capacity(1 << 20, stdout);
                demo::generate_dump_shaped(*services, *seed, shape, &mut w).map_err(fail)?;
                w.flush().map_err(fail)?;
            } else {
                let mut w = BufWriter::with_capacity(1 << 20, File::create(output).map_err(fail)?);
                demo::generate_dump_shaped(*services, *seed, shape, &mut w).map_err(fail)?;
                w.flush().map_err(fail)?;
            }
            Ok(String::new())
        }
        None => Err(CommandError::usage(
            "the demo TUI arrives with the demo-mesh issue (#3); `meshscope demo generate-dump` works now",
        )),
    }
}
