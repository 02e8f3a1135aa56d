//! Recording when each token was last used (`GET /auth/sessions`' `approx_last_used_time`),
//! off the request path.
//!
//! A request whose token's recorded use is more than `SESSION_TOUCH_MS` (5 minutes) old hands
//! the token to one writer thread through a bounded queue and goes on at once: with many
//! tokens in use (a benchmark's 100k, a busy instance's sessions) almost every token's first
//! request in a window would otherwise wait for a write, on SQLite for the one write lock. The
//! writer waits [`GATHER`] after a touch arrives, then records everything queued by then in one
//! transaction of conditional UPDATEs, so a burst (every session's first request after a
//! restart) costs a few writes a second, not a stream of them, and instances sharing the
//! database write each token once per window. On SQLite this matters to readers too: each
//! commit empties the page caches of the process's other connections (measured:
//! docs/performance.md).
//!
//! What this gives up, on purpose: a full queue drops the touch, and touches still queued when
//! the process ends are not written. Either only leaves `approx_last_used_time` older than it
//! could be, until the token's next request; it never loses anything a client was told.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;

use astral_store::Store;
use astral_types::TokenId;

use crate::handlers::sessions::SESSION_TOUCH_MS;

/// Touches waiting for the writer. At most this many; the rest are dropped (see above).
const QUEUE: usize = 4096;
/// How long the writer gathers touches after the first one arrives before writing them. Also
/// how much later than the request `approx_last_used_time` may be recorded.
const GATHER: std::time::Duration = std::time::Duration::from_millis(200);

/// The sending side; cheap to call from a request.
pub struct LastUseRecorder {
    queue: SyncSender<Touch>,
}

struct Touch {
    token: TokenId,
    now_ms: i64,
}

impl LastUseRecorder {
    /// Starts the writer thread (`astral-last-use`), which ends when the recorder is dropped.
    pub fn start(store: Arc<Store>) -> std::io::Result<LastUseRecorder> {
        let (queue, touches) = sync_channel(QUEUE);
        std::thread::Builder::new()
            .name("astral-last-use".to_owned())
            .spawn(move || write_touches(&store, &touches))?;
        Ok(LastUseRecorder { queue })
    }

    /// Records that `token` was used at `now_ms` if its recorded use (`last_used_ms`, or its
    /// issue time when never recorded) is a window old; otherwise does nothing. Answers
    /// whether it was a window old (the record was asked for, even if a full queue drops it).
    pub fn used(&self, token: TokenId, last_used_ms: Option<i64>, now_ms: i64) -> bool {
        // Never recorded: its issue time stands for it (a new token is not written at once).
        let issued_ms = i64::try_from(token.0.timestamp_ms()).unwrap_or(i64::MAX);
        if now_ms.saturating_sub(last_used_ms.unwrap_or(issued_ms)) < SESSION_TOUCH_MS {
            return false;
        }
        match self.queue.try_send(Touch { token, now_ms }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::debug!("the last-use queue is full: a session's last use is not recorded");
            }
            Err(TrySendError::Disconnected(_)) => {
                tracing::warn!(
                    "the last-use writer has stopped: sessions' last use is not recorded"
                );
            }
        }
        true
    }
}

fn write_touches(store: &Store, touches: &Receiver<Touch>) {
    while let Ok(first) = touches.recv() {
        std::thread::sleep(GATHER);
        let mut now_ms = first.now_ms;
        let mut tokens = vec![first.token];
        // At most what the queue holds, so a steady stream cannot keep the writer draining.
        while tokens.len() < QUEUE {
            let Ok(touch) = touches.try_recv() else { break };
            now_ms = now_ms.max(touch.now_ms);
            tokens.push(touch.token);
        }
        tokens.sort_unstable();
        tokens.dedup();
        if let Err(error) = store.touch_sessions(&tokens, now_ms, SESSION_TOUCH_MS) {
            tracing::warn!(%error, tokens = tokens.len(), "could not record sessions' last use");
        }
    }
}
