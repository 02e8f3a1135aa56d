use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = astral_server::cli::Cli::parse();
    match astral_server::cli::main_with_args(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("astral: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
