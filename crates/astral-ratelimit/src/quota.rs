//! A bucket's size and refill period, written `BURST/PERIOD` (e.g. `10/2s`, `1/10s`).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// `burst` requests, refilled evenly over `period` (one every `period / burst`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub burst: u32,
    pub period: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} (expected BURST/PERIOD, e.g. 10/2s, 1/10s, 3/1s, 10000/10m)")]
pub struct QuotaError(pub String);

impl Quota {
    pub const fn new(burst: u32, period: Duration) -> Quota {
        Quota { burst, period }
    }

    /// Microseconds between two admissions at the sustained rate.
    pub fn interval_us(&self) -> u64 {
        (self.period.as_micros() as u64 / u64::from(self.burst.max(1))).max(1)
    }
}

impl FromStr for Quota {
    type Err = QuotaError;

    fn from_str(s: &str) -> Result<Quota, QuotaError> {
        let (burst, period) =
            s.trim().split_once('/').ok_or_else(|| QuotaError(format!("{s:?} has no `/`")))?;
        let burst: u32 = burst
            .trim()
            .parse()
            .map_err(|_| QuotaError(format!("{burst:?} is not a whole number")))?;
        if burst == 0 {
            return Err(QuotaError("the burst must be at least 1".into()));
        }
        let period = period.trim();
        let (number, unit) = period
            .find(|c: char| c.is_ascii_alphabetic())
            .map(|i| period.split_at(i))
            .ok_or_else(|| QuotaError(format!("{period:?} has no unit (ms, s, m, h)")))?;
        let number: f64 =
            number.parse().map_err(|_| QuotaError(format!("{number:?} is not a number")))?;
        let seconds = match unit {
            "ms" => number / 1000.0,
            "s" => number,
            "m" => number * 60.0,
            "h" => number * 3600.0,
            other => return Err(QuotaError(format!("unknown unit {other:?}"))),
        };
        if !(seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0) {
            return Err(QuotaError(format!("{period:?} must be above 0 and at most a day")));
        }
        Ok(Quota { burst, period: Duration::from_secs_f64(seconds) })
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.burst, self.period.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_seed_limits() {
        assert_eq!("10/2s".parse(), Ok(Quota::new(10, Duration::from_secs(2))));
        assert_eq!("1/10s".parse(), Ok(Quota::new(1, Duration::from_secs(10))));
        assert_eq!("3/1s".parse(), Ok(Quota::new(3, Duration::from_secs(1))));
        assert_eq!("10000/10m".parse(), Ok(Quota::new(10000, Duration::from_secs(600))));
        assert_eq!("5/500ms".parse(), Ok(Quota::new(5, Duration::from_millis(500))));
        assert_eq!(Quota::new(10, Duration::from_secs(2)).interval_us(), 200_000);
    }

    #[test]
    fn refuses_nonsense() {
        for bad in ["", "10", "0/1s", "x/1s", "10/", "10/1", "10/1y", "10/-1s", "10/0s", "10/2d"] {
            assert!(bad.parse::<Quota>().is_err(), "{bad}");
        }
    }
}
