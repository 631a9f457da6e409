//! The page language: `?lang=` if given, else Accept-Language, else Simplified Chinese. Nothing is
//! remembered between requests (no cookie), so every link carries the choice.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::convert::Infallible;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn tag(self) -> &'static str {
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
    /// Query string that keeps this language on a link or form action.
    pub fn query(self) -> &'static str {
        match self {
            Lang::Zh => "?lang=zh-CN",
            Lang::En => "?lang=en",
        }
    }

    pub fn from_parts(parts: &Parts) -> Lang {
        let from_query = parts.uri.query().and_then(|q| {
            q.split('&').find_map(|kv| match kv.split_once('=') {
                Some(("lang", v)) => Some(v.to_ascii_lowercase()),
                _ => None,
            })
        });
        if let Some(v) = from_query {
            return if v.starts_with("en") {
                Lang::En
            } else {
                Lang::Zh
            };
        }
        let accept = parts
            .headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // The first of zh / en named wins (browsers list preferences in order; q-values rarely reorder).
        for tag in accept.split(',') {
            let t = tag.trim().to_ascii_lowercase();
            if t.starts_with("zh") {
                return Lang::Zh;
            }
            if t.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::Zh
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_parts(parts))
    }
}
