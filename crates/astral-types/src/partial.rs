//! Partial updates: a change sets some fields and leaves the rest as they are.
//!
//! Whether a change sets nothing is derived from its field list by [`partial_update!`], so a
//! field added to a change cannot be forgotten in its `is_empty` (an update that would then be
//! skipped as empty, its new field silently dropped).

/// A field of a partial update that may be left unset.
pub trait Unset {
    /// Whether the change leaves this field as it is.
    fn is_unset(&self) -> bool;
}

/// `None` leaves a field unchanged; `Some(None)` (an `Option<Option<T>>`) clears it, a change.
impl<T> Unset for Option<T> {
    fn is_unset(&self) -> bool {
        self.is_none()
    }
}

/// Declares a partial update and its `is_empty()`: true when every field is unset (an `Option`
/// is `None`, a nested partial update is empty). Fields after `spelled_as` only record how the
/// body spelled a field (`pronouns` for `pronoun_entries`), for the path of an error: they are
/// not changes and do not count.
#[macro_export]
macro_rules! partial_update {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident : $ty:ty),* $(,)?
        }
        $(spelled_as {
            $($(#[$note_meta:meta])* $note_vis:vis $note:ident : $note_ty:ty),* $(,)?
        })?
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$field_meta])* $field_vis $field: $ty,)*
            $($($(#[$note_meta])* $note_vis $note: $note_ty,)*)?
        }

        impl $crate::partial::Unset for $name {
            fn is_unset(&self) -> bool {
                true $(&& $crate::partial::Unset::is_unset(&self.$field))*
            }
        }

        impl $name {
            /// Whether this change sets nothing.
            pub fn is_empty(&self) -> bool {
                $crate::partial::Unset::is_unset(self)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::partial_update! {
        #[derive(Default)]
        struct Inner {
            colour: Option<Option<i32>>,
        }
    }

    crate::partial_update! {
        #[derive(Default)]
        struct Change {
            name: Option<String>,
            inner: Inner,
        }
        spelled_as {
            name_key: &'static str,
        }
    }

    #[test]
    fn a_change_is_empty_only_when_every_field_and_nested_change_is_unset() {
        assert!(Change::default().is_empty());
        // How a field was spelled is no change.
        let spelled = Change { name_key: "name", ..Change::default() };
        assert!(spelled.is_empty() && spelled.name_key == "name");
        assert!(!Change { name: Some("x".into()), ..Change::default() }.is_empty());
        // Clearing a nested field (`Some(None)`) is a change.
        let clear = Change { inner: Inner { colour: Some(None) }, ..Change::default() };
        assert!(!clear.is_empty() && !clear.inner.is_empty());
    }
}
