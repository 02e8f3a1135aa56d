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
