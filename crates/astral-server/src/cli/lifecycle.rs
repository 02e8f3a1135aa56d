//! `astral accounts …` (issue 16 D): the account lifecycle's operator commands.

use clap::Subcommand;
use serde_json::json;

use super::DatabaseArgs;

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Purge the accounts whose deletion is due (`POST /users/@me/delete` plus
    /// `deletion_grace_hours`), as `astral serve` does every `purge_interval_secs`; for cron
    /// when that is 0. Prints `{"purged": N, "skipped": [ids]}` (skipped: still own guilds).
    Purge {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub fn accounts(command: AccountsCommand) -> Result<(), String> {
    match command {
        AccountsCommand::Purge { database } => {
            let (_, store) = database.open()?;
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            let report = store.purge_due_accounts(now_ms).map_err(|e| e.to_string())?;
            crate::app::log_purge(&report);
            let skipped: Vec<String> = report.skipped.iter().map(ToString::to_string).collect();
            println!("{}", json!({"purged": report.purged.len(), "skipped": skipped}));
            Ok(())
        }
    }
}
