//! Every field a request schema documents is read by its reader, and nothing else: a field
//! that the contract promises but the server silently ignores (or the reverse) fails here.
//! Each reader is given an empty body or query and reads every field it knows regardless.

use std::collections::BTreeSet;

use serde_json::json;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, PartialSchema};

use crate::auth::{LoginRequest, RegisterRequest};
use crate::channel::CreatePrivateChannelRequest;
use crate::email::{
    ForgotPasswordRequest, ResetPasswordRequest, VerifyEmailCodeRequest, VerifyEmailRequest,
};
use crate::form::tests::names_read;
use crate::guild::{CreateGuildRequest, GuildListQuery, ProfileQuery};
use crate::member::{CreateProfileMemberRequest, MemberListQuery, ProfileMemberRequest};
use crate::pride_flag::{CreatePrideFlagRequest, UpdatePrideFlagRequest};
use crate::rules::UsernameRule;
use crate::user::{FriendRequest, PatchRelationship, PutRelationship, UpdateMyUserRequest};

/// A request type's name, the fields its schema documents, and the names its reader reads.
type Coverage = (&'static str, BTreeSet<String>, BTreeSet<String>);

/// The coverage of body type `T`, whose reader `read` runs on an empty body.
fn body<T: PartialSchema, R>(read: impl FnOnce() -> R) -> Coverage {
    let documented = match T::schema() {
        RefOr::T(Schema::Object(object)) => object.properties.keys().cloned().collect(),
        _ => panic!("not an object schema"),
    };
    coverage::<T, R>(documented, read)
}

/// The coverage of query type `T`, whose reader `read` runs on an empty query.
fn query<T: IntoParams, R>(read: impl FnOnce() -> R) -> Coverage {
    let documented = T::into_params(|| None).into_iter().map(|parameter| parameter.name).collect();
    coverage::<T, R>(documented, read)
}

fn coverage<T, R>(documented: BTreeSet<String>, read: impl FnOnce() -> R) -> Coverage {
    let name = std::any::type_name::<T>().rsplit("::").next().unwrap_or_default();
    (name, documented, names_read(|| drop(read())))
}

#[test]
fn every_documented_field_is_read_by_its_reader() {
    let empty = json!({});
    let rule = UsernameRule::default();
    let cases = [
        body::<RegisterRequest, _>(|| {
            RegisterRequest::read(&empty).map(|draft| draft.finish(&rule, None))
        }),
        body::<LoginRequest, _>(|| LoginRequest::read(&empty)),
        body::<UpdateMyUserRequest, _>(|| {
            UpdateMyUserRequest::read(&empty).map(|draft| draft.finish(&rule))
        }),
        body::<CreateGuildRequest, _>(|| CreateGuildRequest::read(&empty)),
        body::<CreatePrivateChannelRequest, _>(|| CreatePrivateChannelRequest::read(&empty)),
        body::<FriendRequest, _>(|| FriendRequest::read(&empty)),
        body::<PutRelationship, _>(|| PutRelationship::read(&empty)),
        body::<PatchRelationship, _>(|| PatchRelationship::read(&empty)),
        body::<CreatePrideFlagRequest, _>(|| {
            CreatePrideFlagRequest::read(&empty).map(|draft| draft.finish(Ok(())))
        }),
        body::<UpdatePrideFlagRequest, _>(|| UpdatePrideFlagRequest::read(&empty)),
        body::<CreateProfileMemberRequest, _>(|| {
            CreateProfileMemberRequest::read(&empty).map(|d| d.finish())
        }),
        body::<ProfileMemberRequest, _>(|| {
            ProfileMemberRequest::read(&empty, false).map(|d| d.finish())
        }),
        query::<MemberListQuery, _>(|| MemberListQuery::read(&[])),
        query::<GuildListQuery, _>(|| GuildListQuery::read(&[])),
        query::<ProfileQuery, _>(|| ProfileQuery::read(&[])),
        // issue 16 D
        body::<crate::guild::UpdateGuildRequest, _>(|| {
            crate::guild::UpdateGuildRequest::read(&empty)
        }),
        body::<crate::session::LogoutSessionsRequest, _>(|| {
            crate::session::LogoutSessionsRequest::read(&empty)
        }),
        body::<crate::session::AccountPasswordRequest, _>(|| {
            crate::session::AccountPasswordRequest::read(&empty)
        }),
        // issue 16 B
        body::<ForgotPasswordRequest, _>(|| ForgotPasswordRequest::read(&empty)),
        body::<ResetPasswordRequest, _>(|| ResetPasswordRequest::read(&empty)),
        body::<VerifyEmailRequest, _>(|| VerifyEmailRequest::read(&empty)),
        body::<VerifyEmailCodeRequest, _>(|| VerifyEmailCodeRequest::read(&empty)),
        // issue 16 C-l
        body::<crate::auth::VerifyMfaLoginRequest, _>(|| {
            crate::auth::VerifyMfaLoginRequest::read(&empty)
        }),
    ];
    for (name, documented, read) in cases {
        assert!(!documented.is_empty(), "{name}");
        assert_eq!(documented, read, "{name}: documented (left) vs read (right)");
    }
}

#[test]
fn a_registration_reports_every_field_at_once() {
    let body = json!({"username": "a", "password": "password", "email": "x", "global_name": ""});
    let draft = RegisterRequest::read(&body).unwrap();
    let refusal = draft.password_check().and_then(|check| check());
    let errors = draft.finish(&UsernameRule::default(), refusal).unwrap_err();
    for field in ["username", "password", "email", "global_name"] {
        assert!(errors.has_field(field), "{field}");
    }
    let body = json!({"username": "ada", "password": "correct horse battery"});
    let draft = RegisterRequest::read(&body).unwrap();
    let refusal = draft.password_check().and_then(|check| check());
    assert_eq!(refusal, None);
    let read = draft.finish(&UsernameRule::default(), refusal).unwrap();
    assert_eq!((read.username.as_str(), read.email), ("ada", None));
}

#[test]
fn a_user_update_is_refused_whole() {
    let body = json!({"username": "ok-name", "global_name": null, "locale": "xx"});
    let errors =
        UpdateMyUserRequest::read(&body).unwrap().finish(&UsernameRule::default()).unwrap_err();
    assert!(errors.has_field("locale") && !errors.has_field("username"));
    let body = json!({"global_name": null, "avatar": null});
    let mut draft = UpdateMyUserRequest::read(&body).unwrap();
    assert_eq!(draft.avatar, crate::form::Field::Null);
    draft.avatar = crate::form::Field::Absent;
    let update = draft.finish(&UsernameRule::default()).unwrap();
    assert_eq!(update.global_name, Some(None));
    assert_eq!(update.username, None);
}

#[test]
fn a_member_body_is_refused_whole_with_exact_paths() {
    let body = json!({
        "name": "ok",
        "fields": [{"name": "f", "entries": [
            {"value": "a", "status": "okay"}, {"value": "b", "status": "okay"},
            {"value": "c", "status": "okay"}, {"value": "", "status": "okay"}
        ]}],
        "pronouns": [{"pronouns": "they/them", "status": "nope"}],
        "links": ["x", ""],
        "hidden": "yes"
    });
    let errors = CreateProfileMemberRequest::read(&body).unwrap().finish().unwrap_err();
    let body = serde_json::to_value(errors.into_body()).unwrap();
    let e = &body["errors"];
    assert_eq!(
        e["fields"]["0"]["entries"]["3"]["value"]["_errors"][0]["code"],
        "BASE_TYPE_BAD_LENGTH"
    );
    assert_eq!(e["pronouns"]["0"]["status"]["_errors"][0]["code"], "BASE_TYPE_CHOICES");
    assert_eq!(e["links"]["1"]["_errors"][0]["code"], "BASE_TYPE_BAD_LENGTH");
    assert_eq!(e["hidden"]["_errors"][0]["code"], "BOOLEAN_TYPE_CONVERT");
    assert!(e.get("name").is_none(), "{e}");
    let missing = CreateProfileMemberRequest::read(&json!({})).unwrap().finish();
    assert!(missing.unwrap_err().has_field("name"));
    let patch = ProfileMemberRequest::read(&json!({"bio": null}), false).unwrap();
    assert_eq!(patch.finish().unwrap().bio, Some(None));
}
