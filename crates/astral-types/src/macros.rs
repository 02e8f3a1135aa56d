//! The declaration rules several wire types share, each stated once.

/// Declares a struct whose optional fields are left out of its JSON when `None`: what a request
/// body did not send (a PATCH leaves it unchanged) or what an answer was not asked for or does
/// not carry (`with_counts`, a group DM's `name`, a self-only field). Each `Option` field gets
/// `#[serde(default, skip_serializing_if = "Option::is_none")]` (serde's attributes for
/// it; utoipa's schema is the same with or without them, an `Option` being optional there
/// anyway), and an `Option<T>` with no `#[schema(...)]` of its own is documented as absent but
/// never `null` (`nullable = false`); an `Option<Option<T>>` may be `null` (utoipa's default).
///
/// A field whose `#[schema(...)]` begins with `required = true` is a nullable field that is
/// always sent, `null` when unset (as on Discord's objects), and is declared as written; so is
/// every field that is not an `Option`. A field's own `#[serde(...)]` (a rename) goes between
/// its doc comment and its `#[schema(...)]`; an `Option` field written otherwise is refused at
/// compile time rather than silently sent as `null`.
///
/// A group of fields several structs share is written once, in a macro of its own that passes
/// it first in braces: `{ group } #[attrs] pub struct Name { own }` declares the group's fields
/// first, then the struct's own (`discord_user!`); `{ group } #[attrs] pub struct Name { before }
/// label { after }` declares them between the struct's own (`request_with_profile_lists!`),
/// `label` naming for the reader what goes there.
macro_rules! optional_fields {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident { $($fields:tt)* }
    ) => {
        $crate::macros::optional_fields!(@field [$(#[$meta])* $vis struct $name] [] $($fields)*);
    };
    (
        { $($group:tt)* }
        $(#[$meta:meta])*
        $vis:vis struct $name:ident { $($own:tt)* }
    ) => {
        $crate::macros::optional_fields!(@field [$(#[$meta])* $vis struct $name] []
            $($group)* $($own)*);
    };
    (
        { $($group:tt)* }
        $(#[$meta:meta])*
        $vis:vis struct $name:ident { $($before:tt)* } $label:ident { $($after:tt)* }
    ) => {
        $crate::macros::optional_fields!(@field [$(#[$meta])* $vis struct $name] []
            $($before)* $($group)* $($after)*);
    };
    (@field [$($head:tt)*] [$($done:tt)*]) => {
        $($head)* { $($done)* }
    };
    // `@field` tells what one field needs; `@push` appends it, with those attributes after its own.
    // Always sent (`null` when unset): as written.
    (@field $head:tt $done:tt
        $(#[doc = $doc:literal])* #[schema(required = true $($schema:tt)*)] $($rest:tt)*
    ) => {
        $crate::macros::optional_fields!(@push $head $done []
            $(#[doc = $doc])* #[schema(required = true $($schema)*)] $($rest)*);
    };
    // Optional, with its own schema (and maybe its own serde attribute, a rename).
    (@field $head:tt $done:tt
        $(#[doc = $doc:literal])* $(#[serde($($serde:tt)*)])? #[schema($($schema:tt)*)]
        $fvis:vis $field:ident : Option<$($rest:tt)*
    ) => {
        $crate::macros::optional_fields!(@push $head $done [#[serde(default, skip_serializing_if = "Option::is_none")]]
            $(#[doc = $doc])* $(#[serde($($serde)*)])? #[schema($($schema)*)]
            $fvis $field: Option<$($rest)*);
    };
    // Optional and nullable: absent, `null` or a value.
    (@field $head:tt $done:tt
        $(#[doc = $doc:literal])* $fvis:vis $field:ident : Option<Option<$($rest:tt)*
    ) => {
        $crate::macros::optional_fields!(@push $head $done [#[serde(default, skip_serializing_if = "Option::is_none")]]
            $(#[doc = $doc])* $fvis $field: Option<Option<$($rest)*);
    };
    // Optional: absent or a value, never `null`.
    (@field $head:tt $done:tt
        $(#[doc = $doc:literal])* $fvis:vis $field:ident : Option<$($rest:tt)*
    ) => {
        $crate::macros::optional_fields!(@push $head $done
            [#[serde(default, skip_serializing_if = "Option::is_none")] #[schema(nullable = false)]]
            $(#[doc = $doc])* $fvis $field: Option<$($rest)*);
    };
    (@field $head:tt $done:tt $(#[$attr:meta])* $fvis:vis $field:ident : Option<$($rest:tt)*) => {
        compile_error!(concat!(
            "optional_fields!: `", stringify!($field), "`: write an optional field's attributes as \
             doc comment, then `#[serde(...)]` if any, then `#[schema(...)]` if any"
        ));
    };
    // Not an `Option`: as written.
    (@field $head:tt $done:tt $($rest:tt)*) => {
        $crate::macros::optional_fields!(@push $head $done [] $($rest)*);
    };
    (@push $head:tt [$($done:tt)*] [$($added:tt)*]
        $(#[$attr:meta])* $fvis:vis $field:ident : $ty:ty, $($rest:tt)*
    ) => {
        $crate::macros::optional_fields!(@field $head [$($done)*
            $(#[$attr])* $($added)* $fvis $field: $ty,
        ] $($rest)*);
    };
}
pub(crate) use optional_fields;
