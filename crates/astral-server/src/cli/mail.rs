//! `astral mail outbox`: the account mail kept in the database when no SMTP server is
//! configured (issue 16 B, `crate::mail`).

use std::time::{SystemTime, UNIX_EPOCH};

use clap::Subcommand;
use serde_json::json;

use super::DatabaseArgs;

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Print the mail waiting in the outbox (live mails, oldest first; expired ones are
    /// deleted). Each mail holds a verification token, an email-change code or a reset token
    /// in clear: hand it to its recipient only.
    Outbox {
        /// Print one JSON object per mail and line instead of text.
        #[arg(long)]
        json: bool,
        /// Delete the mails printed, so each is handed out once.
        #[arg(long)]
        take: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub fn mail(command: MailCommand) -> Result<(), String> {
    match command {
        MailCommand::Outbox { json, take, database } => {
            let (_, store) = database.open()?;
            let now_ms = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .unwrap_or(0);
            let mails = store.outbox(now_ms, take).map_err(|e| e.to_string())?;
            for mail in &mails {
                if json {
                    let line = json!({
                        "id": mail.id.to_string(),
                        "to": mail.recipient,
                        "kind": mail.kind,
                        "subject": mail.subject,
                        "body": mail.body,
                        "expires_ms": mail.expires_ms,
                    });
                    println!("{line}");
                } else {
                    println!(
                        "To: {}\nKind: {}\nSubject: {}\n\n{}",
                        mail.recipient, mail.kind, mail.subject, mail.body
                    );
                }
            }
            if !json {
                eprintln!("{} mail(s){}", mails.len(), if take { ", taken" } else { "" });
            }
            Ok(())
        }
    }
}
