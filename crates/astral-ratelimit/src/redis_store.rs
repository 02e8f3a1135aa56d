//! The shared store: each bucket's TAT in Redis, checked and charged by one Lua script, so
//! several server instances share one budget per token. The script uses Redis's own clock
//! (`TIME`), so instances with skewed clocks still agree.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::{decide, Bucket, Decision};

/// KEYS: the buckets. ARGV: per bucket its interval, burst and whether it is charged (0/1).
/// Returns `[now_us, tat_1, …, tat_n]`: the stored TATs *before* this request (0 = unused),
/// from which the caller derives every number with the same arithmetic as the memory store.
/// Charges the charged buckets if every bucket admits, none otherwise, with exactly the
/// admission rule of `gcra::decide`.
const SCRIPT: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local stored = {}
local nexts = {}
local all = true
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[3 * i - 2])
  local burst = tonumber(ARGV[3 * i - 1])
  local tat = tonumber(redis.call('GET', key) or '0')
  stored[i] = tat
  if tat < now then tat = now end
  nexts[i] = tat + interval
  if nexts[i] - now > interval * burst then all = false end
end
if all then
  for i, key in ipairs(KEYS) do
    if ARGV[3 * i] == '1' then
      local ttl_ms = math.ceil((nexts[i] - now) / 1000) + 1000
      redis.call('SET', key, string.format('%d', nexts[i]), 'PX', ttl_ms)
    end
  end
end
local out = { now }
for i = 1, #KEYS do out[i + 1] = stored[i] end
return out
"#;

/// KEYS: the buckets. ARGV: per bucket its interval. Moves each TAT back one interval, never
/// before now (as `MemoryStore::refund`).
const REFUND_SCRIPT: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for i, key in ipairs(KEYS) do
  local tat = tonumber(redis.call('GET', key) or '0')
  local back = tat - tonumber(ARGV[i])
  if back > now then
    redis.call('SET', key, string.format('%d', back), 'PX', math.ceil((back - now) / 1000) + 1000)
  elseif tat > 0 then
    redis.call('DEL', key)
  end
end
return 0
"#;

pub struct RedisStore {
    manager: ConnectionManager,
    script: redis::Script,
    refund_script: redis::Script,
    /// Redis I/O runs here, not on the caller's runtime: actix runs one single-threaded runtime
    /// per worker, and the connection's driver task must not depend on one worker's lifetime.
    /// Always `Some` until dropped.
    runtime: Option<tokio::runtime::Runtime>,
}

impl RedisStore {
    /// Does not connect: the connection is made on first use and remade after failures.
    pub fn new(url: &str, timeout: Duration) -> Result<RedisStore, String> {
        let client = redis::Client::open(url).map_err(|e| format!("invalid Redis URL: {e}"))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("astral-redis")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the Redis runtime: {e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let manager = {
            let _entered = runtime.enter();
            ConnectionManager::new_lazy_with_config(client, config).map_err(|e| e.to_string())?
        };
        Ok(RedisStore {
            manager,
            script: redis::Script::new(SCRIPT),
            refund_script: redis::Script::new(REFUND_SCRIPT),
            runtime: Some(runtime),
        })
    }

    /// Like `MemoryStore::check`, atomically across instances.
    pub async fn check(&self, buckets: &[Bucket]) -> Result<Vec<Decision>, String> {
        let runtime = self.runtime.as_ref().ok_or("the Redis store is shut down")?;
        let script = self.script.clone();
        let args = buckets.to_vec();
        let mut manager = self.manager.clone();
        let reply: Vec<u64> = runtime
            .spawn(async move {
                let mut invocation = script.prepare_invoke();
                for b in &args {
                    invocation
                        .key(&b.key)
                        .arg(b.quota.interval_us())
                        .arg(b.quota.burst)
                        .arg(u8::from(b.charge));
                }
                invocation.invoke_async(&mut manager).await
            })
            .await
            .map_err(|e| format!("Redis task failed: {e}"))?
            .map_err(|e| e.to_string())?;
        let (now, stored) = reply
            .split_first()
            .filter(|(_, rest)| rest.len() == buckets.len())
            .ok_or_else(|| format!("unexpected reply from the rate-limit script: {reply:?}"))?;
        Ok(buckets
            .iter()
            .zip(stored)
            .map(|(b, tat)| decide(b.quota, *tat, *now, b.charge))
            .collect())
    }
}

impl RedisStore {
    /// Like `MemoryStore::refund`.
    pub async fn refund(&self, buckets: &[Bucket]) -> Result<(), String> {
        let runtime = self.runtime.as_ref().ok_or("the Redis store is shut down")?;
        let script = self.refund_script.clone();
        let args = buckets.to_vec();
        let mut manager = self.manager.clone();
        runtime
            .spawn(async move {
                let mut invocation = script.prepare_invoke();
                for b in &args {
                    invocation.key(&b.key).arg(b.quota.interval_us());
                }
                invocation.invoke_async::<i64>(&mut manager).await
            })
            .await
            .map_err(|e| format!("Redis task failed: {e}"))?
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

impl RedisStore {
    /// A `PING` round trip (the metrics' health gauge); `Err` when Redis does not answer
    /// within the connection's timeout.
    pub async fn ping(&self) -> Result<(), String> {
        let runtime = self.runtime.as_ref().ok_or("the Redis store is shut down")?;
        let mut manager = self.manager.clone();
        runtime
            .spawn(async move { redis::cmd("PING").query_async::<String>(&mut manager).await })
            .await
            .map_err(|e| format!("Redis task failed: {e}"))?
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

impl Drop for RedisStore {
    fn drop(&mut self) {
        // Dropping a runtime inside another runtime panics; hand it to a plain thread.
        if let Some(runtime) = self.runtime.take() {
            std::thread::spawn(move || drop(runtime));
        }
    }
}
