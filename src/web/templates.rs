//! Page rendering: minijinja templates and the zh-CN / en catalogs, compiled into the binary so a
//! deployment is one file and nothing is loaded from elsewhere at run time.
use super::lang::Lang;
use crate::web::error::{Error, Result};
use axum::response::Html;
use minijinja::{Environment, State, Value};
use std::collections::HashMap;

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = embedded![
    "base.html",
    "home.html",
    "report_new.html",
    "receipt.html",
    "follow_enter.html",
    "follow_show.html",
    "login.html",
    "desk_inbox.html",
    "oversight_list.html",
    "oversight_board.html",
    "stats.html",
    "item.html",
    "error.html",
];

pub const STYLESHEET: &str = include_str!("../../templates/static/style.css");

const CATALOGS: &[(Lang, &str)] = &[
    (Lang::Zh, include_str!("../../templates/i18n/zh-CN.toml")),
    (Lang::En, include_str!("../../templates/i18n/en.toml")),
];

pub struct Templates {
    env: Environment<'static>,
    catalogs: HashMap<Lang, Value>,
    raw: HashMap<Lang, toml::Table>,
}

impl Templates {
    pub fn new() -> anyhow::Result<Templates> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        env.add_filter("loc", loc);
        let mut catalogs = HashMap::new();
        let mut raw = HashMap::new();
        for (lang, text) in CATALOGS {
            let table: toml::Table = toml::from_str(text)?;
            catalogs.insert(*lang, Value::from_serialize(&table));
            raw.insert(*lang, table);
        }
        Ok(Templates { env, catalogs, raw })
    }

    /// Render `name` with `ctx` plus what every page has: `tr` (the catalog), `lang`, `lang_q` (the query
    /// string that keeps the language on links, "" or "?lang=en") and `other_lang`.
    pub fn render(&self, name: &str, lang: Lang, ctx: Value) -> Result<Html<String>> {
        let tmpl = self.env.get_template(name).map_err(Error::internal)?;
        let full = minijinja::context! {
            tr => self.catalogs[&lang].clone(),
            lang => lang.tag(),
            lang_q => lang.query(),
            other_lang => lang.other().tag(),
            other_lang_q => lang.other().query(),
            ..ctx
        };
        tmpl.render(full).map(Html).map_err(Error::internal)
    }

    /// A catalog string by dotted key ("errors.not_found"), for text built outside templates.
    pub fn text(&self, lang: Lang, key: &str) -> Option<String> {
        let mut parts = key.split('.');
        let mut cur = self.raw[&lang].get(parts.next()?)?;
        for p in parts {
            cur = cur.as_table()?.get(p)?;
        }
        cur.as_str().map(str::to_string)
    }
}

/// `{{ thing|loc }}`: the English name of a catalog entry on English pages when it has one.
fn loc(state: &State, v: Value) -> String {
    let en = state
        .lookup("lang")
        .is_some_and(|l| l.as_str() == Some("en"));
    if en {
        if let Ok(n) = v.get_attr("name_en") {
            if let Some(s) = n.as_str() {
                return s.to_string();
            }
        }
    }
    v.get_attr("name")
        .ok()
        .and_then(|n| n.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(prefix: &str, t: &toml::Table, out: &mut Vec<String>) {
        for (k, v) in t {
            let path = format!("{prefix}{k}");
            match v.as_table() {
                Some(sub) => keys(&format!("{path}."), sub, out),
                None => out.push(path),
            }
        }
    }

    /// Templates fail on an undefined value, so a key missing from one language is a broken page.
    #[test]
    fn both_catalogs_have_the_same_keys() {
        let t = Templates::new().unwrap();
        let (mut zh, mut en) = (Vec::new(), Vec::new());
        keys("", &t.raw[&Lang::Zh], &mut zh);
        keys("", &t.raw[&Lang::En], &mut en);
        zh.sort();
        en.sort();
        let only_zh: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !zh.contains(k)).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "zh only: {only_zh:?}; en only: {only_en:?}"
        );
    }
}
