//! The CDN routes' own limit: one GCRA bucket per client address (IPv6 per /64), checked first
//! in each image handler, before any store or image work. The CDN routes live at the server
//! root, outside the rate-limited `/api` scopes, and need no token, so the address is all
//! there is to key on: the client address as the API scopes read it (the trusted-proxy rules,
//! IPv6 per /64; `crate::ratelimit::client_address`, `astral_ratelimit::address_subject`). A
//! refusal is Discord's 429 body with `Retry-After`.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, ResponseError};
use astral_ratelimit::{address_subject, Bucket, Clock, IpNet, MemoryStore, Quota, SystemClock};

use crate::error::{ApiError, ErrorKind, RateLimit};
use crate::state::AppState;

pub struct AddressLimit {
    store: MemoryStore,
    quota: Quota,
    /// Proxies whose forwarding headers name the client (the `trusted_proxies` setting).
    trusted_proxies: Vec<IpNet>,
}

impl AddressLimit {
    pub fn new(quota: Quota, trusted_proxies: Vec<IpNet>) -> AddressLimit {
        Self::with_clock(quota, trusted_proxies, Arc::new(SystemClock))
    }

    pub fn with_clock(
        quota: Quota,
        trusted_proxies: Vec<IpNet>,
        clock: Arc<dyn Clock>,
    ) -> AddressLimit {
        AddressLimit { store: MemoryStore::new(clock), quota, trusted_proxies }
    }

    /// Charges one request to `ip`; when its bucket is empty, the microseconds until it is
    /// full again.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let decision =
            self.store.check(&[Bucket { key: key(ip), quota: self.quota, charge: true }])[0];
        if decision.admitted {
            Ok(())
        } else {
            Err(decision.retry_after_us)
        }
    }
}

/// Per client address, IPv6 per /64: the API scopes' grouping, under a prefix of its own.
fn key(ip: IpAddr) -> String {
    format!("cdn:{}", address_subject(ip))
}

/// `None` when the request may go on; otherwise the 429 to answer.
pub(crate) fn refuse(state: &AppState, req: &HttpRequest) -> Option<HttpResponse> {
    let limit = state.image_rate_limit.as_ref()?;
    let ip =
        crate::ratelimit::client_address(req.peer_addr(), req.headers(), &limit.trusted_proxies);
    let retry_after_us = limit.check(ip).err()?;
    let limit = RateLimit::after_micros(retry_after_us, false);
    let mut response = ApiError::new(ErrorKind::RateLimited(limit)).error_response();
    response.extensions_mut().insert(crate::metrics::RefusedBy("cdn_address"));
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use astral_ratelimit::ManualClock;
    use std::time::Duration;

    #[test]
    fn one_bucket_per_ipv4_address_and_per_ipv6_64() {
        let clock = ManualClock::new(1_000_000);
        let limit = AddressLimit::with_clock(
            Quota::new(2, Duration::from_secs(10)),
            Vec::new(),
            clock.clone(),
        );
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limit.check(a).is_ok() && limit.check(a).is_ok());
        assert_eq!(limit.check(a), Err(10_000_000));
        assert!(limit.check(b).is_ok());
        let v6: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limit.check(v6).is_ok() && limit.check(same_64).is_ok());
        assert!(limit.check(same_64).is_err());
        assert!(limit.check(other_64).is_ok());
        clock.advance_us(10_000_000);
        assert!(limit.check(a).is_ok());
    }
}
