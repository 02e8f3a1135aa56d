//! Discord's locales (`AvailableLocalesEnum` in Discord's published spec).

pub const DEFAULT_LOCALE: &str = "en-US";

pub const LOCALES: &[&str] = &[
    "ar", "bg", "cs", "da", "de", "el", "en-GB", "en-US", "es-419", "es-ES", "fi", "fr", "he",
    "hi", "hr", "hu", "id", "it", "ja", "ko", "lt", "nl", "no", "pl", "pt-BR", "ro", "ru", "sv-SE",
    "th", "tr", "uk", "vi", "zh-CN", "zh-TW",
];

pub fn is_locale(s: &str) -> bool {
    LOCALES.contains(&s)
}

/// The OpenAPI schema of a locale: Discord's `AvailableLocalesEnum`, listing [`LOCALES`], so the
/// contract and the server's check share one list. Only a schema: locales travel as strings.
pub struct AvailableLocalesEnum;

impl utoipa::PartialSchema for AvailableLocalesEnum {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(LOCALES.iter().copied()))
            .description(Some("One of Discord's locales (Discord's `AvailableLocalesEnum`)."))
            .into()
    }
}

impl utoipa::ToSchema for AvailableLocalesEnum {}
