//! The page texts in Chinese and English (`templates/pages/i18n/*.toml`, embedded), the
//! choice of language (cookie, else Accept-Language, else Chinese) and date formats.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use actix_web::HttpRequest;
use chrono::{FixedOffset, NaiveDateTime};

const ZH: &str = include_str!("../../../templates/pages/i18n/zh.toml");
const EN: &str = include_str!("../../../templates/pages/i18n/en.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn html_code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The switch (cookie) wins; then the browser's preference; Chinese by default.
    pub fn of_request(req: &HttpRequest) -> Lang {
        let chosen = req
            .app_data::<actix_web::web::Data<crate::state::AppState>>()
            .and_then(|s| crate::routes::cookies::read(req, &s.settings, super::ctx::LANG_COOKIE));
        if let Some(l) = chosen.as_deref().and_then(Lang::parse) {
            return l;
        }
        req.headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|h| h.to_str().ok())
            .map(Lang::of_accept_language)
            .unwrap_or(Lang::Zh)
    }

    /// The best-weighted of zh / en in an Accept-Language header.
    pub fn of_accept_language(h: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in h.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = it
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.parse().ok()))
                .unwrap_or(1.0f32);
            let lang = if tag == "zh" || tag.starts_with("zh-") {
                Lang::Zh
            } else if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or(Lang::Zh)
    }
}

fn parse(src: &str) -> BTreeMap<String, String> {
    toml::from_str(src).unwrap_or_else(|e| panic!("page text catalogue is malformed: {e}"))
}

pub fn catalogue(lang: Lang) -> &'static BTreeMap<String, String> {
    static ZH_MAP: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    static EN_MAP: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    match lang {
        Lang::Zh => ZH_MAP.get_or_init(|| parse(ZH)),
        Lang::En => EN_MAP.get_or_init(|| parse(EN)),
    }
}

pub fn get(lang: Lang, key: &str) -> Option<&'static str> {
    catalogue(lang).get(key).map(String::as_str)
}

/// A text of the catalogue; the key itself if missing (a unit test keeps both complete).
pub fn text(lang: Lang, key: &str) -> &'static str {
    match get(lang, key) {
        Some(s) => s,
        None => {
            tracing::warn!(key, "page text missing");
            ""
        }
    }
}

/// A stored UTC time as China local time: 2026年11月28日 14:30 / 28 Nov 2026 14:30.
pub fn datetime(lang: Lang, t: NaiveDateTime) -> String {
    let local = t.and_utc().with_timezone(&china());
    match lang {
        Lang::Zh => local.format("%Y年%-m月%-d日 %H:%M").to_string(),
        Lang::En => local.format("%-d %b %Y %H:%M").to_string(),
    }
}

pub fn date(lang: Lang, t: NaiveDateTime) -> String {
    let local = t.and_utc().with_timezone(&china());
    match lang {
        Lang::Zh => local.format("%Y年%-m月%-d日").to_string(),
        Lang::En => local.format("%-d %b %Y").to_string(),
    }
}

/// The time of day in China (14:30): for what happened today.
pub fn time(_lang: Lang, t: NaiveDateTime) -> String {
    t.and_utc()
        .with_timezone(&china())
        .format("%H:%M")
        .to_string()
}

fn china() -> FixedOffset {
    // 8 hours is always a valid offset; UTC is only the compiler's fallback.
    FixedOffset::east_opt(8 * 3600).unwrap_or(chrono::Utc.fix())
}

use chrono::Offset;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_have_the_same_keys_and_no_empty_text() {
        let zh = catalogue(Lang::Zh);
        let en = catalogue(Lang::En);
        let zk: Vec<_> = zh.keys().collect();
        let ek: Vec<_> = en.keys().collect();
        assert_eq!(zk, ek, "zh.toml and en.toml must have the same keys");
        assert!(zh.values().chain(en.values()).all(|v| !v.trim().is_empty()));
        // English texts carry no Chinese characters (no mixed-language pages), except
        // the switch, which names the other language in that language.
        for (k, v) in en.iter().filter(|(k, _)| *k != "lang_switch") {
            assert!(
                !v.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "en.toml {k} has Chinese text"
            );
        }
    }

    #[test]
    fn every_text_a_template_uses_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/pages");
        let zh = catalogue(Lang::Zh);
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("html") {
                continue;
            }
            let src = std::fs::read_to_string(&path).unwrap();
            for (i, _) in src.match_indices("t.") {
                let prev = src[..i].chars().last().unwrap_or(' ');
                if prev.is_alphanumeric() || prev == '_' || prev == '.' {
                    continue;
                }
                let key: String = src[i + 2..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    key.is_empty() || zh.contains_key(&key),
                    "{} uses t.{key}, missing from the catalogue",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn language_follows_accept_language_weights() {
        assert_eq!(Lang::of_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(
            Lang::of_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Lang::Zh
        );
        assert_eq!(Lang::of_accept_language("en;q=0.5,zh;q=0.9"), Lang::Zh);
        assert_eq!(Lang::of_accept_language("fr"), Lang::Zh);
        assert_eq!(Lang::of_accept_language(""), Lang::Zh);
    }

    #[test]
    fn chinese_dates_on_chinese_pages() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
            .unwrap()
            .and_hms_opt(6, 30, 0)
            .unwrap();
        assert_eq!(datetime(Lang::Zh, t), "2026年11月28日 14:30");
        assert_eq!(datetime(Lang::En, t), "28 Nov 2026 14:30");
    }
}
