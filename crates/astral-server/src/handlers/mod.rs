//! One handler per file, grouped by resource. Handlers are thin: read the body with the form
//! reader, validate with [`validate`], call the store through `AppState`, map the store's
//! answer to the wire.

pub mod auth;
pub mod channels;
pub mod gateway;
pub mod guilds;
pub mod health;
pub mod images;
pub mod invites;
pub mod relationships;
pub mod users;
pub mod validate;
