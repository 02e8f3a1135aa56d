//! `astral-bench-seed --database-url URL --users N --guilds G --out DIR`: opens and migrates the
//! store, then seeds it for `cargo xtask bench` (astral-store's `bench_seed`): N people with one
//! token each, one more person in G guilds, and a DM between the first two people. Writes what
//! the load generator needs into DIR:
//!
//! - `tokens.txt`: the N people's `Authorization` values, one per line;
//! - `user_ids.txt`: their ids, in the same order;
//! - `guild_user.txt`: the guild member's `Authorization` value, then the id of the guild 9/10
//!   into their list (the `after=` of a page deep in the list);
//! - `dm.txt`: the first person's `Authorization` value, then the second person's id (the DM
//!   between them exists, so `POST /users/@me/channels` finds it).
//!
//! Prints one JSON line: what was seeded and how long it took.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use astral_store::{Store, StoreConfig};
use astral_types::token::new_token;
use clap::Parser;

#[derive(Parser)]
#[command(name = "astral-bench-seed", about = "Seeds a database for cargo xtask bench")]
struct Args {
    #[arg(long)]
    database_url: String,
    /// People, each with one token.
    #[arg(long, default_value_t = 100_000)]
    users: usize,
    /// Guilds the one extra person is a member of.
    #[arg(long, default_value_t = 10_000)]
    guilds: usize,
    /// Where the token and id files are written.
    #[arg(long)]
    out: PathBuf,
}

fn write_lines(path: &Path, lines: &[String]) -> Result<(), String> {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn seed(args: &Args) -> Result<String, String> {
    if args.users < 2 || args.guilds < 1 {
        return Err("--users must be at least 2 (the DM) and --guilds at least 1".to_owned());
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let store = Store::open(&StoreConfig::new(&args.database_url)).map_err(|e| e.to_string())?;
    store.migrate().map_err(|e| e.to_string())?;

    let started = Instant::now();
    let mut tokens = Vec::with_capacity(args.users);
    let people = store
        .seed_people(args.users, |id| {
            // Made as the server makes them (astral_types::token).
            let issued = new_token(id);
            tokens.push(issued.token);
            issued.secret_hash
        })
        .map_err(|e| format!("seeding people: {e}"))?;
    let people_ms = started.elapsed().as_millis();

    let mut member_token = Vec::with_capacity(1);
    let member = store
        .seed_people(1, |id| {
            let issued = new_token(id);
            member_token.push(issued.token);
            issued.secret_hash
        })
        .map_err(|e| format!("seeding the guild member: {e}"))?;
    let member = *member.first().ok_or("no guild member was seeded")?;
    let member_token = member_token.pop().ok_or("no guild member token")?;
    let guilds =
        store.seed_guilds(member, args.guilds).map_err(|e| format!("seeding guilds: {e}"))?;
    let deep = guilds[(args.guilds * 9 / 10).saturating_sub(1)];

    // The DM through the store's own use case, as the first `POST /users/@me/channels` would.
    let (me, other) = (people[0], people[1]);
    match store.open_dm(me, other) {
        Ok(Ok(_)) => {}
        Ok(Err(refusal)) => return Err(format!("the DM was refused: {refusal:?}")),
        Err(e) => return Err(format!("opening the DM: {e}")),
    }
    let total_ms = started.elapsed().as_millis();

    write_lines(&args.out.join("tokens.txt"), &tokens)?;
    let ids: Vec<String> = people.iter().map(|id| id.to_string()).collect();
    write_lines(&args.out.join("user_ids.txt"), &ids)?;
    write_lines(&args.out.join("guild_user.txt"), &[member_token, deep.to_string()])?;
    write_lines(&args.out.join("dm.txt"), &[tokens[0].clone(), other.to_string()])?;
    Ok(format!(
        "{{\"users\":{},\"guilds\":{},\"people_ms\":{people_ms},\"total_ms\":{total_ms}}}",
        args.users, args.guilds
    ))
}

fn main() -> ExitCode {
    let args = Args::parse();
    match seed(&args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("astral-bench-seed: {e}");
            ExitCode::FAILURE
        }
    }
}
