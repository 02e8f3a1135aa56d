//! Snowflake ids with Discord's layout, and typed ids over them.
//!
//! Layout (most significant first): 42 bits of milliseconds since the Discord epoch
//! (2015-01-01T00:00:00Z), 5 bits worker, 5 bits process, 12 bits increment. On the wire a
//! snowflake is always a decimal string, because JavaScript clients cannot hold 64-bit integers.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Milliseconds between the Unix epoch and 2015-01-01T00:00:00Z.
pub const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// A raw snowflake. Stored as `i64` in SQL (both backends lack unsigned 64-bit integers); every
/// snowflake we generate is below 2^63 until the year 2154.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Snowflake(pub u64);

impl Snowflake {
    /// Milliseconds since the Unix epoch at which this id was generated.
    pub fn timestamp_ms(self) -> u64 {
        (self.0 >> 22) + DISCORD_EPOCH_MS
    }

    /// The value as stored in SQL. Ids outside `i64` never come out of our generator, and
    /// parsing rejects them, so this cannot wrap for an id that exists.
    pub fn as_i64(self) -> i64 {
        i64::try_from(self.0).unwrap_or(i64::MAX)
    }

    /// Reads a stored value back. Negative values cannot be written by us; they map to 0, which
    /// is never a valid id.
    pub fn from_i64(v: i64) -> Self {
        Snowflake(u64::try_from(v).unwrap_or(0))
    }
}

impl fmt::Display for Snowflake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a string is not a snowflake.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a snowflake")]
pub struct InvalidSnowflake;

impl FromStr for Snowflake {
    type Err = InvalidSnowflake;

    /// Accepts exactly what Discord's `SnowflakeType` pattern `^(0|[1-9][0-9]*)$` accepts, within
    /// the range we can store (`i64`). `+1`, ` 1`, `01` and `1e3` are all refused.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if !matches_snowflake_pattern(s) {
            return Err(InvalidSnowflake);
        }
        let v: i64 = s.parse().map_err(|_| InvalidSnowflake)?;
        Ok(Snowflake::from_i64(v))
    }
}

/// Discord's `SnowflakeType` pattern, `^(0|[1-9][0-9]*)$`.
fn matches_snowflake_pattern(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

impl Snowflake {
    /// A bound rather than an id (`before` / `after` of a page): anything the pattern accepts.
    /// A value beyond the ids we can store (`i64`) lies past every id, so it becomes
    /// `i64::MAX` instead of being refused.
    pub fn parse_bound(s: &str) -> Result<Self, InvalidSnowflake> {
        if !matches_snowflake_pattern(s) {
            return Err(InvalidSnowflake);
        }
        Ok(Snowflake::from_i64(s.parse().unwrap_or(i64::MAX)))
    }
}

impl Serialize for Snowflake {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Snowflake {
    /// Strings are the wire format; integers are accepted too, as Discord does for request bodies.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Str(String),
            Int(u64),
        }
        match Repr::deserialize(d)? {
            Repr::Str(s) => s.parse().map_err(de::Error::custom),
            Repr::Int(i) if i64::try_from(i).is_ok() => Ok(Snowflake(i)),
            Repr::Int(_) => Err(de::Error::custom("snowflake out of range")),
        }
    }
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Snowflake);

        impl $name {
            pub fn as_i64(self) -> i64 {
                self.0.as_i64()
            }
            pub fn from_i64(v: i64) -> Self {
                Self(Snowflake::from_i64(v))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidSnowflake;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}

typed_id!(
    /// The id of a user (human or bot).
    UserId
);
typed_id!(
    /// The id of an issued API token (never the token itself).
    TokenId
);

/// Generates unique snowflakes for one process.
///
/// The worker id (0–31) distinguishes server instances sharing one database; the process id is the
/// low 5 bits of the OS pid, so two processes on one host with the same worker id still differ in
/// most cases. Within a process the 12-bit increment plus a monotonic timestamp guarantee
/// uniqueness: when the increment wraps inside one millisecond we move to the next millisecond.
#[derive(Debug)]
pub struct SnowflakeGenerator {
    worker_id: u64,
    process_id: u64,
    state: Mutex<GeneratorState>,
}

#[derive(Debug, Default)]
struct GeneratorState {
    last_ms: u64,
    increment: u64,
}

impl SnowflakeGenerator {
    pub fn new(worker_id: u8, process_id: u8) -> Self {
        SnowflakeGenerator {
            worker_id: u64::from(worker_id & 0x1f),
            process_id: u64::from(process_id & 0x1f),
            state: Mutex::new(GeneratorState::default()),
        }
    }

    /// A generator for this process: the given worker id and the low bits of the OS pid.
    pub fn for_this_process(worker_id: u8) -> Self {
        Self::new(worker_id, (std::process::id() & 0x1f) as u8)
    }

    pub fn next_id(&self) -> Snowflake {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(DISCORD_EPOCH_MS)
            .saturating_sub(DISCORD_EPOCH_MS);
        // A poisoned lock only means another thread panicked mid-update; the state is two
        // integers and always consistent, so keep going.
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // Never go backwards, even if the wall clock does.
        let mut ms = now.max(st.last_ms);
        if ms == st.last_ms {
            st.increment = (st.increment + 1) & 0xfff;
            if st.increment == 0 {
                ms += 1;
            }
        } else {
            st.increment = 0;
        }
        st.last_ms = ms;
        Snowflake((ms << 22) | (self.worker_id << 17) | (self.process_id << 12) | st.increment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn layout_matches_discord() {
        let g = SnowflakeGenerator::new(3, 7);
        let id = g.next_id();
        assert_eq!((id.0 >> 17) & 0x1f, 3);
        assert_eq!((id.0 >> 12) & 0x1f, 7);
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        assert!(now.abs_diff(id.timestamp_ms()) < 5_000);
    }

    #[test]
    fn ids_are_unique_and_increasing_across_increment_wrap() {
        let g = SnowflakeGenerator::new(0, 0);
        let mut seen = HashSet::new();
        let mut last = Snowflake(0);
        for _ in 0..20_000 {
            let id = g.next_id();
            assert!(id > last);
            assert!(seen.insert(id));
            last = id;
        }
    }

    #[test]
    fn parsing_is_strict() {
        assert_eq!("0".parse::<Snowflake>(), Ok(Snowflake(0)));
        assert_eq!("175928847299117063".parse::<Snowflake>(), Ok(Snowflake(175928847299117063)));
        for bad in [
            "",
            "01",
            "+1",
            "-1",
            " 1",
            "1 ",
            "1e3",
            "abc",
            "@me",
            "99999999999999999999",
            "9223372036854775808",
        ] {
            assert!(bad.parse::<Snowflake>().is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn a_bound_beyond_i64_lies_past_every_id() {
        let past = Snowflake(i64::MAX as u64);
        assert_eq!(Snowflake::parse_bound("9223372036854775808"), Ok(past));
        assert_eq!(Snowflake::parse_bound("99999999999999999999999999"), Ok(past));
        assert_eq!(Snowflake::parse_bound("42"), Ok(Snowflake(42)));
        for bad in ["", "01", "-1", "1e3", " 1"] {
            assert!(Snowflake::parse_bound(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn serializes_as_string() {
        let json = serde_json::to_string(&UserId(Snowflake(42))).unwrap();
        assert_eq!(json, "\"42\"");
        let back: UserId = serde_json::from_str("\"42\"").unwrap();
        assert_eq!(back, UserId(Snowflake(42)));
        let from_int: UserId = serde_json::from_str("42").unwrap();
        assert_eq!(from_int, back);
    }
}

/// A snowflake id as a request body may give it: a decimal string, as Discord documents it, or
/// a JSON number, as some libraries send it (discord.py's DM recipient). Only for the schema
/// and the generated client: the readers take either form (`channel::snowflake`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestSnowflake {
    /// The decimal string.
    String(Snowflake),
    /// The JSON number.
    Number(i64),
}

/// All typed ids share one OpenAPI component, `Snowflake`: Discord's `SnowflakeType`.
mod schema {
    use std::borrow::Cow;

    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
    use utoipa::openapi::{Ref, RefOr, Schema};
    use utoipa::{PartialSchema, ToSchema};

    use super::{Snowflake, TokenId, UserId};

    fn snowflake_schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::Custom("snowflake".into())))
            .pattern(Some("^(0|[1-9][0-9]*)$"))
            .description(Some("A Discord snowflake id, as a decimal string."))
            .into()
    }

    macro_rules! snowflake_schema_for {
        ($($t:ty),*) => {$(
            impl PartialSchema for $t {
                fn schema() -> RefOr<Schema> {
                    snowflake_schema()
                }
            }
            impl ToSchema for $t {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed("Snowflake")
                }
            }
        )*};
    }

    snowflake_schema_for!(Snowflake, UserId, TokenId);

    impl PartialSchema for super::RequestSnowflake {
        fn schema() -> RefOr<Schema> {
            OneOfBuilder::new()
                .item(Ref::from_schema_name("Snowflake"))
                .item(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                        .minimum(Some(0))
                        .maximum(Some(i64::MAX)),
                )
                .description(Some(
                    "A snowflake id: a decimal string, as Discord documents it, or a JSON number, \
                     as some libraries send it (discord.py).",
                ))
                .into()
        }
    }

    impl ToSchema for super::RequestSnowflake {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("RequestSnowflake")
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            schemas.push((Snowflake::name().into_owned(), Snowflake::schema()));
        }
    }
}
