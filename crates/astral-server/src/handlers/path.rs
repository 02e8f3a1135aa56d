//! The ids a route's path names, typed: `handler(…, guild: InPath<Guild>)`. Each kind of id
//! states once which path parameters carry it and what a segment that names nothing answers
//! (a guild's 404 / 10004, a member's 404 / 19001, …); the handlers no longer read the raw
//! segment themselves.
//!
//! Extracting an `InPath` never fails: the segment is read when the handler asks for it
//! (`guild.get()?`). A path is read after the token and the body, exactly where each handler
//! read it before, so an unauthenticated request or a bad body answers as it always did, even
//! with an id that names nothing (an extractor that failed at once would answer first: actix
//! polls a handler's extractors together, and the token lookup may still be waiting on the
//! database).

use std::collections::HashMap;
use std::future::{ready, Ready};
use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::Visitor;
use serde::{Deserialize, Deserializer};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::Required;
use utoipa::{IntoParams, PartialSchema};

use crate::error::ApiError;

/// A kind of id in a path.
pub(crate) trait PathKind {
    /// The route parameters that carry it (the first one the route has is read).
    const NAMES: &'static [&'static str];
    /// What the annotations say of it (`params(InPath<K>)`), under the first of [`Self::NAMES`].
    const DESCRIPTION: &'static str;
    /// What a segment reads as: the typed id, or the answer for one that names nothing.
    type Value;
    fn read(segment: &str) -> Self::Value;
}

/// The segment of the request's path that names a `K`, percent-decoded as `web::Path` does.
pub(crate) struct InPath<K> {
    segment: String,
    kind: PhantomData<K>,
}

impl<K: PathKind> InPath<K> {
    /// The id the path names, or what a segment naming nothing answers.
    pub(crate) fn get(&self) -> K::Value {
        K::read(&self.segment)
    }

    /// The segment as it was sent (decoded).
    pub(crate) fn segment(&self) -> &str {
        &self.segment
    }
}

impl<K: PathKind> FromRequest for InPath<K> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Decoded by actix's path deserializer, exactly as `web::Path<String>` decodes.
        let mut params: HashMap<ParamName, String> = req.match_info().load().unwrap_or_default();
        let segment = K::NAMES.iter().find_map(|name| params.remove(&ParamName((*name).into())));
        ready(match segment {
            Some(segment) => Ok(InPath { segment, kind: PhantomData }),
            // The route and the handler disagree: a bug, never the client's fault.
            None => Err(ApiError::internal(format!("no {:?} in the route", K::NAMES))),
        })
    }
}

/// `params(InPath<K>)` in an annotation: the kind's first route parameter, a string, with the
/// kind's description. A route that names it otherwise, or describes it otherwise, lists its
/// parameter itself.
impl<K: PathKind> IntoParams for InPath<K> {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let parameter = ParameterBuilder::new()
            .name(K::NAMES[0])
            .parameter_in(ParameterIn::Path)
            .description(Some(K::DESCRIPTION))
            .required(Required::True)
            .schema(Some(String::schema()));
        vec![parameter.build()]
    }
}

/// A route parameter's name: actix's path deserializer hands names over as identifiers only.
#[derive(PartialEq, Eq, Hash)]
struct ParamName(String);

impl<'de> Deserialize<'de> for ParamName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = ParamName;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a route parameter's name")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<ParamName, E> {
                Ok(ParamName(name.to_owned()))
            }
        }
        deserializer.deserialize_identifier(Name)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    enum Segment {}

    impl PathKind for Segment {
        const NAMES: &'static [&'static str] = &["user_id", "community_id"];
        const DESCRIPTION: &'static str = "A segment.";
        type Value = String;
        fn read(segment: &str) -> String {
            segment.to_owned()
        }
    }

    fn extract(name: &str, raw: &str) -> Result<String, ApiError> {
        let req = TestRequest::default().param(name.to_owned(), raw.to_owned()).to_http_request();
        InPath::<Segment>::extract(&req).into_inner().map(|path| path.get())
    }

    /// The segment is the route parameter's, under any of the kind's names, and decoded as
    /// `web::Path<String>` decodes it (`%2B` is `+`, `%2F` is `/`).
    #[test]
    fn reads_the_named_parameter_decoded() {
        assert_eq!(extract("user_id", "1234").unwrap(), "1234");
        assert_eq!(extract("community_id", "a%2Bb%2Fc").unwrap(), "a+b/c");
        let missing = extract("guild_id", "1234").unwrap_err();
        assert!(matches!(missing.kind, crate::error::ErrorKind::Internal), "{missing}");
    }
}
