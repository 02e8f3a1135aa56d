//! Shapes several record types share, each stated once. Declared before the modules that use
//! them (`#[macro_use]` in lib.rs).

/// The typed ids of a row a user owns (a guild, a pride flag, a profile member): the row's
/// own id under the name its kind gives it (`guild_id`, `flag_id`, `member_id`) and its
/// owner, read from the stored `i64`s one way for every such record.
///
/// `owned_record_ids!(GuildRecord { guild_id: id, owner: owner_id });`
macro_rules! owned_record_ids {
    ($record:ident { $id_fn:ident: id, owner: $owner_column:ident }) => {
        impl $record {
            pub fn $id_fn(&self) -> astral_types::Snowflake {
                astral_types::Snowflake::from_i64(self.id)
            }
            pub fn owner(&self) -> astral_types::UserId {
                astral_types::UserId::from_i64(self.$owner_column)
            }
        }
    };
}

/// A record read from a table that keeps pronouns.cc's profile lists (`users` for a user's
/// profile, `profile_members` for a member's): the record's own fields, then the four list
/// columns, stored as JSON text on both backends and read through [`crate::Json`]. Users and
/// members store their lists alike, so the columns and how they are read are declared here once.
macro_rules! record_with_profile_lists {
    (
        $(#[$meta:meta])*
        pub struct $record:ident {
            $($(#[$field_meta:meta])* pub $field:ident: $field_ty:ty,)*
        }
    ) => {
        $(#[$meta])*
        pub struct $record {
            $($(#[$field_meta])* pub $field: $field_ty,)*
            #[diesel(deserialize_as = String)]
            pub links: $crate::Json<Vec<String>>,
            #[diesel(deserialize_as = String)]
            pub names: $crate::Json<Vec<astral_types::profile::FieldEntry>>,
            #[diesel(deserialize_as = String)]
            pub pronoun_entries: $crate::Json<Vec<astral_types::profile::PronounEntry>>,
            #[diesel(deserialize_as = String)]
            pub fields: $crate::Json<Vec<astral_types::profile::ProfileField>>,
        }
    };
}
