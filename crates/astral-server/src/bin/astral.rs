use clap::Parser;

/// See the dependency's comment in this crate's Cargo.toml: peak memory, not speed.
#[cfg(all(target_os = "linux", not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
