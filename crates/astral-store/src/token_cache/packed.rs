//! A token owner as the cache holds it, in about a quarter of the memory of the records it
//! stands for: the records' `String`s and `Option`s take 24 bytes each inline plus an allocation
//! apiece, and a user with their profile and account is some 30 fields. Here every text is one
//! allocation, flags are bits, and the rarely set collections are boxed apart. A cache of 100k
//! owners as records took ~0.9 KB each (docs/performance.md).
//!
//! [`PackedOwner::pack`] destructures every record exhaustively and [`PackedOwner::unpack`]
//! builds each with a struct literal, so a field added to a record fails to compile here until
//! it is packed too; the tests check the round trip field by field.

use astral_types::profile::{CustomPreferences, FieldEntry, ProfileField, PronounEntry};

use crate::tokens::{OwnProfile, OwnProfileRead};
use crate::users::{Json, ProfileColumns, UserIdColumn, UserRecord};
use crate::AccountRecord;

/// The texts, in this order, with the optional ones absent when their bit in `present` is clear.
const USERNAME: usize = 0;
const DISCRIMINATOR: usize = 1;
const GLOBAL_NAME: usize = 2;
const AVATAR: usize = 3;
const BANNER: usize = 4;
const LOCALE: usize = 5;
const EMAIL: usize = 6;
const SID: usize = 7;
const BIO: usize = 8;
const MEMBER_TITLE: usize = 9;
const TIMEZONE: usize = 10;
const PRONOUNS: usize = 11;
const TEXTS: usize = 12;

/// Texts concatenated; text `i` is `all[ends[i - 1]..ends[i]]`.
struct Texts {
    all: Box<str>,
    ends: [u16; TEXTS],
    present: u16,
}

struct TextsBuilder {
    all: String,
    ends: [u16; TEXTS],
    present: u16,
}

impl TextsBuilder {
    fn push(&mut self, slot: usize, text: Option<&str>) -> Option<()> {
        if let Some(text) = text {
            self.all.push_str(text);
            self.present |= 1 << slot;
        }
        self.ends[slot] = u16::try_from(self.all.len()).ok()?;
        Some(())
    }
}

impl Texts {
    fn get(&self, slot: usize) -> Option<String> {
        if self.present & (1 << slot) == 0 {
            return None;
        }
        let start = if slot == 0 { 0 } else { self.ends[slot - 1] as usize };
        Some(self.all[start..self.ends[slot] as usize].to_owned())
    }

    fn text(&self, slot: usize) -> String {
        self.get(slot).unwrap_or_default()
    }
}

/// What the lookup learnt of the owner's own answer ([`OwnProfileRead`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Own {
    NotRead,
    /// Read, with or without an account row.
    Read {
        account: bool,
    },
    HasLists,
}

/// The collections, boxed apart: absent when all are empty.
struct Collections {
    links: Vec<String>,
    names: Vec<FieldEntry>,
    pronoun_entries: Vec<PronounEntry>,
    fields: Vec<ProfileField>,
    custom_preferences: CustomPreferences,
    acls: Vec<String>,
    traits: Vec<String>,
}

/// Without the user's id, which the cache's map of owners keys them by (8 bytes, and a
/// smaller allocation: 144 bytes where it took 160).
pub(super) struct PackedOwner {
    flags: i64,
    badges: i64,
    /// `None` as [`ABSENT`] (an `Option<i64>` takes 16 bytes).
    last_sid_reroll_ms: i64,
    password_changed_ms: i64,
    /// `None` as [`ABSENT_COLOR`] (an `Option<i32>` takes 8 bytes).
    accent_color: i32,
    avatar_color: i32,
    premium_type: i32,
    bits: u32,
    own: Own,
    texts: Texts,
    collections: Option<Box<Collections>>,
}

// The flags in `bits`.
const VERIFIED: u32 = 1 << 0;
const BOT: u32 = 1 << 1;
const SYSTEM: u32 = 1 << 2;
const MFA_ENABLED: u32 = 1 << 3;
const IS_ADMIN: u32 = 1 << 4;
const LIST_PRIVATE: u32 = 1 << 5;
const PREMIUM_BADGE_HIDDEN: u32 = 1 << 6;
const PREMIUM_BADGE_MASKED: u32 = 1 << 7;
const PREMIUM_BADGE_TIMESTAMP_HIDDEN: u32 = 1 << 8;
const PREMIUM_BADGE_SEQUENCE_HIDDEN: u32 = 1 << 9;
const PREMIUM_ENABLED_OVERRIDE: u32 = 1 << 10;
const HAS_DISMISSED_PREMIUM_ONBOARDING: u32 = 1 << 11;
const HAS_UNREAD_GIFT_INVENTORY: u32 = 1 << 12;
const USED_MOBILE_CLIENT: u32 = 1 << 13;
const IS_STAFF: u32 = 1 << 14;
const EMAIL_BOUNCED: u32 = 1 << 15;

/// An absent `Option<i64>` in [`PackedOwner`].
const ABSENT: i64 = i64::MIN;

fn to_packed(value: Option<i64>) -> i64 {
    value.unwrap_or(ABSENT)
}

fn from_packed(value: i64) -> Option<i64> {
    (value != ABSENT).then_some(value)
}

/// An absent colour in [`PackedOwner`]: colours are 0 to 0xFFFFFF, and an owner with this one
/// stored is not cached ([`color_to_packed`]).
const ABSENT_COLOR: i32 = i32::MIN;

/// `None` when the colour is [`ABSENT_COLOR`] itself, which could not be told from `None`.
fn color_to_packed(value: Option<i32>) -> Option<i32> {
    match value {
        None => Some(ABSENT_COLOR),
        Some(ABSENT_COLOR) => None,
        Some(color) => Some(color),
    }
}

fn color_from_packed(value: i32) -> Option<i32> {
    (value != ABSENT_COLOR).then_some(value)
}

fn bit(on: bool, flag: u32) -> u32 {
    if on {
        flag
    } else {
        0
    }
}

impl PackedOwner {
    /// `None` when its texts are too long to pack (over 64 KiB together) or a colour is
    /// [`ABSENT_COLOR`]: such an owner is not cached.
    pub(super) fn pack(user: &UserRecord, read: &OwnProfileRead) -> Option<PackedOwner> {
        let UserRecord {
            id: _,
            username,
            discriminator,
            global_name,
            avatar,
            banner,
            accent_color,
            locale,
            email,
            verified,
            bot,
            system,
            mfa_enabled,
            flags,
            premium_type,
            sid,
            badges,
            is_admin,
            last_sid_reroll_ms,
        } = user;
        let mut texts = TextsBuilder { all: String::new(), ends: [0; TEXTS], present: 0 };
        texts.push(USERNAME, Some(username))?;
        texts.push(DISCRIMINATOR, Some(discriminator))?;
        texts.push(GLOBAL_NAME, global_name.as_deref())?;
        texts.push(AVATAR, avatar.as_deref())?;
        texts.push(BANNER, banner.as_deref())?;
        texts.push(LOCALE, Some(locale))?;
        texts.push(EMAIL, email.as_deref())?;
        texts.push(SID, Some(sid))?;
        let mut bits = bit(*verified, VERIFIED)
            | bit(*bot, BOT)
            | bit(*system, SYSTEM)
            | bit(*mfa_enabled, MFA_ENABLED)
            | bit(*is_admin, IS_ADMIN);
        let mut packed = PackedOwner {
            flags: *flags,
            badges: *badges,
            last_sid_reroll_ms: to_packed(*last_sid_reroll_ms),
            password_changed_ms: ABSENT,
            accent_color: color_to_packed(*accent_color)?,
            avatar_color: ABSENT_COLOR,
            premium_type: *premium_type,
            bits: 0,
            own: Own::NotRead,
            texts: Texts { all: Box::default(), ends: [0; TEXTS], present: 0 },
            collections: None,
        };
        let own = match read {
            OwnProfileRead::NotRead => Own::NotRead,
            OwnProfileRead::HasLists => Own::HasLists,
            OwnProfileRead::Read(own) => {
                let OwnProfile { profile, account } = &**own;
                let ProfileColumns {
                    bio,
                    member_title,
                    timezone,
                    list_private,
                    custom_preferences,
                    links,
                    names,
                    pronoun_entries,
                    fields,
                } = profile;
                texts.push(BIO, bio.as_deref())?;
                texts.push(MEMBER_TITLE, member_title.as_deref())?;
                texts.push(TIMEZONE, timezone.as_deref())?;
                bits |= bit(*list_private, LIST_PRIVATE);
                let mut collections = Collections {
                    links: links.0.clone(),
                    names: names.0.clone(),
                    pronoun_entries: pronoun_entries.0.clone(),
                    fields: fields.0.clone(),
                    custom_preferences: custom_preferences.0.clone(),
                    acls: Vec::new(),
                    traits: Vec::new(),
                };
                if let Some(account) = account {
                    let AccountRecord {
                        pronouns,
                        password_changed_ms,
                        premium_badge_hidden,
                        premium_badge_masked,
                        premium_badge_timestamp_hidden,
                        premium_badge_sequence_hidden,
                        premium_enabled_override,
                        has_dismissed_premium_onboarding,
                        has_unread_gift_inventory,
                        used_mobile_client,
                        is_staff,
                        email_bounced,
                        acls,
                        traits,
                        avatar_color,
                    } = account;
                    texts.push(PRONOUNS, pronouns.as_deref())?;
                    packed.password_changed_ms = to_packed(*password_changed_ms);
                    packed.avatar_color = color_to_packed(*avatar_color)?;
                    bits |= bit(*premium_badge_hidden, PREMIUM_BADGE_HIDDEN)
                        | bit(*premium_badge_masked, PREMIUM_BADGE_MASKED)
                        | bit(*premium_badge_timestamp_hidden, PREMIUM_BADGE_TIMESTAMP_HIDDEN)
                        | bit(*premium_badge_sequence_hidden, PREMIUM_BADGE_SEQUENCE_HIDDEN)
                        | bit(*premium_enabled_override, PREMIUM_ENABLED_OVERRIDE)
                        | bit(*has_dismissed_premium_onboarding, HAS_DISMISSED_PREMIUM_ONBOARDING)
                        | bit(*has_unread_gift_inventory, HAS_UNREAD_GIFT_INVENTORY)
                        | bit(*used_mobile_client, USED_MOBILE_CLIENT)
                        | bit(*is_staff, IS_STAFF)
                        | bit(*email_bounced, EMAIL_BOUNCED);
                    collections.acls = acls.0.clone();
                    collections.traits = traits.0.clone();
                }
                let empty = collections.links.is_empty()
                    && collections.names.is_empty()
                    && collections.pronoun_entries.is_empty()
                    && collections.fields.is_empty()
                    && collections.custom_preferences.is_empty()
                    && collections.acls.is_empty()
                    && collections.traits.is_empty();
                packed.collections = (!empty).then(|| Box::new(collections));
                Own::Read { account: account.is_some() }
            }
        };
        // Slots not reached above stay absent, ending where the last one did.
        for slot in 1..TEXTS {
            if texts.ends[slot] < texts.ends[slot - 1] {
                texts.ends[slot] = texts.ends[slot - 1];
            }
        }
        packed.bits = bits;
        packed.own = own;
        packed.texts =
            Texts { all: texts.all.into_boxed_str(), ends: texts.ends, present: texts.present };
        Some(packed)
    }

    /// Whether this owner was read with its own answer (`GET /users/@me`'s lookup).
    pub(super) fn lacks_own_answer(&self) -> bool {
        self.own == Own::NotRead
    }

    /// The records it was packed from, for the user `id`; with `own_profile` false, without
    /// the own answer.
    pub(super) fn unpack(&self, id: i64, own_profile: bool) -> (UserRecord, OwnProfileRead) {
        let t = &self.texts;
        let on = |flag: u32| self.bits & flag != 0;
        let user = UserRecord {
            id: UserIdColumn::from(id),
            username: t.text(USERNAME),
            discriminator: t.text(DISCRIMINATOR),
            global_name: t.get(GLOBAL_NAME),
            avatar: t.get(AVATAR),
            banner: t.get(BANNER),
            accent_color: color_from_packed(self.accent_color),
            locale: t.text(LOCALE),
            email: t.get(EMAIL),
            verified: on(VERIFIED),
            bot: on(BOT),
            system: on(SYSTEM),
            mfa_enabled: on(MFA_ENABLED),
            flags: self.flags,
            premium_type: self.premium_type,
            sid: t.text(SID),
            badges: self.badges,
            is_admin: on(IS_ADMIN),
            last_sid_reroll_ms: from_packed(self.last_sid_reroll_ms),
        };
        let read = match (own_profile, self.own) {
            (false, _) | (true, Own::NotRead) => OwnProfileRead::NotRead,
            (true, Own::HasLists) => OwnProfileRead::HasLists,
            (true, Own::Read { account }) => {
                let collections = self.collections.as_deref();
                let profile = ProfileColumns {
                    bio: t.get(BIO),
                    member_title: t.get(MEMBER_TITLE),
                    timezone: t.get(TIMEZONE),
                    list_private: on(LIST_PRIVATE),
                    custom_preferences: Json(
                        collections.map(|c| c.custom_preferences.clone()).unwrap_or_default(),
                    ),
                    links: Json(collections.map(|c| c.links.clone()).unwrap_or_default()),
                    names: Json(collections.map(|c| c.names.clone()).unwrap_or_default()),
                    pronoun_entries: Json(
                        collections.map(|c| c.pronoun_entries.clone()).unwrap_or_default(),
                    ),
                    fields: Json(collections.map(|c| c.fields.clone()).unwrap_or_default()),
                };
                let account = account.then(|| AccountRecord {
                    pronouns: t.get(PRONOUNS),
                    password_changed_ms: from_packed(self.password_changed_ms),
                    premium_badge_hidden: on(PREMIUM_BADGE_HIDDEN),
                    premium_badge_masked: on(PREMIUM_BADGE_MASKED),
                    premium_badge_timestamp_hidden: on(PREMIUM_BADGE_TIMESTAMP_HIDDEN),
                    premium_badge_sequence_hidden: on(PREMIUM_BADGE_SEQUENCE_HIDDEN),
                    premium_enabled_override: on(PREMIUM_ENABLED_OVERRIDE),
                    has_dismissed_premium_onboarding: on(HAS_DISMISSED_PREMIUM_ONBOARDING),
                    has_unread_gift_inventory: on(HAS_UNREAD_GIFT_INVENTORY),
                    used_mobile_client: on(USED_MOBILE_CLIENT),
                    is_staff: on(IS_STAFF),
                    email_bounced: on(EMAIL_BOUNCED),
                    acls: Json(collections.map(|c| c.acls.clone()).unwrap_or_default()),
                    traits: Json(collections.map(|c| c.traits.clone()).unwrap_or_default()),
                    avatar_color: color_from_packed(self.avatar_color),
                });
                OwnProfileRead::Read(Box::new(OwnProfile { profile, account }))
            }
        };
        (user, read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(full: bool) -> UserRecord {
        let some = |s: &str| full.then(|| s.to_owned());
        UserRecord {
            id: UserIdColumn::from(175_928_847_299_117_063),
            username: "wumpus".to_owned(),
            discriminator: "0".to_owned(),
            global_name: some("Wümpus ✨"),
            avatar: some("a_0123456789abcdef0123456789abcdef"),
            banner: some("fedcba9876543210fedcba9876543210"),
            accent_color: full.then_some(0x12_34_56),
            locale: "pt-BR".to_owned(),
            email: some("wumpus@example.com"),
            verified: full,
            bot: !full,
            system: full,
            mfa_enabled: !full,
            flags: 1 << 40 | 64,
            premium_type: 2,
            sid: "abcde".to_owned(),
            badges: 5,
            is_admin: full,
            last_sid_reroll_ms: full.then_some(1_700_000_000_000),
        }
    }

    fn own(full: bool, account: bool) -> OwnProfileRead {
        let some = |s: &str| full.then(|| s.to_owned());
        let mut preferences = CustomPreferences::new();
        if full {
            preferences.insert(
                "00000000-0000-4000-8000-000000000000".to_owned(),
                serde_json::from_value(serde_json::json!({
                    "icon": "heart", "tooltip": "love", "size": "large", "muted": false,
                    "favourite": true
                }))
                .unwrap(),
            );
        }
        let list = |value: serde_json::Value| if full { value } else { serde_json::json!([]) };
        let profile = ProfileColumns {
            bio: some("a bio\nwith lines"),
            member_title: some("Member"),
            timezone: some("Europe/Paris"),
            list_private: full,
            custom_preferences: Json(preferences),
            links: Json(if full { vec!["https://example.com".to_owned()] } else { Vec::new() }),
            names: Json(
                serde_json::from_value(list(serde_json::json!([
                    {"value": "Wumpus", "status": "favourite"}
                ])))
                .unwrap(),
            ),
            pronoun_entries: Json(
                serde_json::from_value(list(serde_json::json!([
                    {"pronouns": "they/them/their/theirs/themself", "display_text": "they/them", "status": "okay"}
                ])))
                .unwrap(),
            ),
            fields: Json(
                serde_json::from_value(list(serde_json::json!([
                    {"name": "Honorifics", "entries": [{"value": "Mx.", "status": "okay"}]}
                ])))
                .unwrap(),
            ),
        };
        let account = account.then(|| AccountRecord {
            pronouns: some("they/them"),
            password_changed_ms: full.then_some(1_700_000_000_001),
            premium_badge_hidden: full,
            premium_badge_masked: !full,
            premium_badge_timestamp_hidden: full,
            premium_badge_sequence_hidden: !full,
            premium_enabled_override: full,
            has_dismissed_premium_onboarding: !full,
            has_unread_gift_inventory: full,
            used_mobile_client: !full,
            is_staff: full,
            email_bounced: !full,
            acls: Json(if full { vec!["a".to_owned(), "b".to_owned()] } else { Vec::new() }),
            traits: Json(if full { vec!["t".to_owned()] } else { Vec::new() }),
            avatar_color: full.then_some(0x65_43_21),
        });
        OwnProfileRead::Read(Box::new(OwnProfile { profile, account }))
    }

    fn same(a: &OwnProfileRead, b: &OwnProfileRead) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    #[test]
    fn every_field_comes_back_as_it_went_in() {
        for full in [true, false] {
            let user = user(full);
            let reads = [
                own(full, true),
                own(full, false),
                OwnProfileRead::NotRead,
                OwnProfileRead::HasLists,
            ];
            for read in reads {
                let packed = PackedOwner::pack(&user, &read).unwrap();
                let id = user.user_id().as_i64();
                let (back, back_read) = packed.unpack(id, true);
                assert_eq!(back, user);
                assert!(same(&back_read, &read), "{back_read:?} != {read:?}");
                let (plain, not_read) = packed.unpack(id, false);
                assert_eq!(plain, user);
                assert!(matches!(not_read, OwnProfileRead::NotRead));
                assert_eq!(packed.lacks_own_answer(), matches!(read, OwnProfileRead::NotRead));
            }
        }
    }

    #[test]
    fn empty_texts_are_not_absent_ones() {
        let mut user = user(true);
        user.global_name = Some(String::new());
        user.email = None;
        let packed = PackedOwner::pack(&user, &OwnProfileRead::NotRead).unwrap();
        assert_eq!(packed.unpack(user.user_id().as_i64(), false).0, user);
    }

    /// The allocation the cache makes per owner: the record and the `Arc`'s two counts, at
    /// most 128 bytes, jemalloc's 128-byte class (the `astral` binary's allocator on Linux);
    /// at 136, with the colours as `Option<i32>`, it took the 160-byte class. glibc's malloc
    /// serves both from a 144-byte chunk (the request and an 8-byte header, rounded up to 16).
    #[test]
    fn an_owner_is_one_small_allocation_and_its_texts() {
        assert_eq!(std::mem::size_of::<std::sync::Arc<PackedOwner>>(), 8);
        let requested = std::mem::size_of::<PackedOwner>() + 16;
        assert!(requested <= 128, "{requested} bytes");
    }

    /// A colour equal to the packed record's "absent" could not be told from `None`: such an
    /// owner is not cached, and any other colour comes back as it went in.
    #[test]
    fn colours_round_trip_and_the_sentinel_is_not_packed() {
        for color in [None, Some(0), Some(0xFF_FF_FF), Some(-1), Some(i32::MAX)] {
            let mut user = user(true);
            user.accent_color = color;
            let packed = PackedOwner::pack(&user, &OwnProfileRead::NotRead).unwrap();
            assert_eq!(packed.unpack(user.user_id().as_i64(), false).0, user);
        }
        let mut user = user(true);
        user.accent_color = Some(ABSENT_COLOR);
        assert!(PackedOwner::pack(&user, &OwnProfileRead::NotRead).is_none());
        let mut read = own(true, true);
        let OwnProfileRead::Read(own) = &mut read else { unreachable!() };
        own.account.as_mut().unwrap().avatar_color = Some(ABSENT_COLOR);
        assert!(PackedOwner::pack(&self::user(true), &read).is_none());
    }

    #[test]
    fn texts_over_64_kib_are_not_packed() {
        let mut user = user(true);
        user.global_name = Some("x".repeat(70_000));
        assert!(PackedOwner::pack(&user, &OwnProfileRead::NotRead).is_none());
    }
}
