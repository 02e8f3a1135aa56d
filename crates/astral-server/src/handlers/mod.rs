//! One handler per file, grouped by resource. Handlers are thin: read the body or query with
//! its request type's reader (`astral_types`: it answers the typed, checked value or every
//! field error), call the store through `AppState`, map the store's answer to the wire.

pub mod auth;
pub mod channels;
pub mod gateway;
pub mod guilds;
pub mod health;
pub mod images;
pub mod invites;
pub mod relationships;
pub mod users;
