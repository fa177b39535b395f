//! meshscope's binary: parse the command line, run, exit with the contract's code.
//! Everything it prints goes through [`output`], which escapes control characters.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use meshscope::cli::{Cli, Command, DemoArgs};
use meshscope::commands::{self, output, CommandError};
use meshscope::launch;

fn main() -> ExitCode {
    if let Err(e) = color_eyre::install() {
        eprintln!("meshscope: {e}");
    }
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("meshscope: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(out) => {
            let mut stdout = output::stdout();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = stdout.write_all(out.as_bytes());
            let _ = stdout.finish();
            ExitCode::SUCCESS
        }
        Err(e) => {
            let mut stderr = output::stderr();
            let _ = writeln!(stderr, "meshscope: {e}");
            let _ = stderr.finish();
            ExitCode::from(u8::try_from(e.code).unwrap_or(2))
        }
    }
}

async fn run(cli: Cli) -> Result<String, CommandError> {
    let theme = cli.theme.as_deref();
    match cli.command {
        Some(Command::Pc(args)) => commands::pc::run(&args).await,
        Some(Command::Zc(args)) => commands::zc::run(&args, &cli.kube).await,
        Some(Command::Stats(args)) => commands::stats::run(&args).await,
        Some(Command::Demo(args)) if args.command.is_some() => commands::demo::run(&args),
        Some(Command::Demo(args)) if args.serve => serve(&args).await,
        Some(Command::Demo(args)) => launch::demo(&args, theme).await.map(|_| String::new()),
        Some(Command::Open { bundle, list: true }) => launch::open_list(&bundle),
        Some(Command::Open { bundle, .. }) => {
            launch::open(&bundle, theme).await.map(|_| String::new())
        }
        Some(Command::Diff(args)) => commands::diff::run(&args, &cli.kube).await,
        Some(Command::Istiod(args)) => commands::istiod::istiod(&args).await,
        Some(Command::Logs(args)) => commands::logs::run(&args, &cli.kube).await,
        Some(Command::Check(args)) => commands::check::run(&args, &cli.kube).await,
        Some(Command::Ps(args)) => commands::istiod::ps(&args).await,
        Some(Command::Route(args)) => commands::route::run(&args, &cli.kube).await,
        Some(Command::Snapshot {
            source,
            pod,
            output,
            timeout,
        }) => {
            let timeout = std::time::Duration::from_secs_f64(timeout);
            commands::snapshot::run(&source, &pod, &output, timeout).await
        }
        None if cli.source.admin.is_some() || cli.source.agent.is_some() => {
            launch::admin(&cli.source, cli.log_file.as_deref(), theme)
                .await
                .map(|_| String::new())
        }
        None => launch::kube(&cli.kube, cli.pod.as_deref(), theme)
            .await
            .map(|_| String::new()),
    }
}

/// `meshscope demo --serve`: headless until Ctrl-C; the manifest goes to stdout.
async fn serve(args: &DemoArgs) -> Result<String, CommandError> {
    let opts = launch::serve_options(args)?;
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    meshscope::sources::demo::run_headless_with(opts, shutdown, |m| {
        let mut out = output::stdout();
        let _ = writeln!(out, "{}", m.to_json());
        let _ = out.finish();
    })
    .await
    .map(|_| String::new())
    .map_err(|e| CommandError::usage(e.to_string()))
}
