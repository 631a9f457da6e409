//! Page rendering: minijinja templates and the zh-CN / en catalogs, compiled into the binary so a
//! deployment is one file and nothing is loaded from elsewhere at run time.
use crate::web::error::{Error, Result};
use crate::web::lang::Lang;
use axum::response::Html;
use minijinja::{Environment, State, Value};
use std::collections::HashMap;

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../templates/", $name)))),*]
    };
}

/// Every template, named by its path under templates/: shared layout and partials, then one folder per
/// audience.
pub(super) const TEMPLATES: &[(&str, &str)] = embedded![
    "base.html",
    "error.html",
    "partials/alerts.html",
    "partials/item_filter.html",
    "partials/item_table.html",
    "partials/messages.html",
    "partials/rules.html",
    "partials/enrol_steps.html",
    "public/home.html",
    "public/stats.html",
    "reporter/new.html",
    "reporter/preview.html",
    "reporter/report_fields.html",
    "reporter/on_its_way.html",
    "reporter/retaliation.html",
    "reporter/receipt.html",
    "reporter/follow_enter.html",
    "reporter/follow_show.html",
    "reporter/withdraw_confirm.html",
    "reporter/lang_switch.html",
    "reporter/reply_form.html",
    "reporter/already_submitted.html",
    "staff/login.html",
    "staff/item.html",
    "staff/confirm.html",
    "staff/account.html",
    "staff/enrol.html",
    "staff/recovery_codes.html",
    "staff/setup_enter.html",
    "staff/setup.html",
    "desk/inbox.html",
    "oversight/list.html",
    "oversight/board.html",
    "admin/accounts.html",
    "admin/account.html",
    "admin/setup_code.html",
    "admin/org.html",
    "admin/org_preview.html",
];

pub const STYLESHEET: &str = include_str!("../../../templates/static/style.css");

const CATALOGS: &[(Lang, &str)] = &[
    (Lang::Zh, include_str!("../../../templates/i18n/zh-CN.toml")),
    (Lang::En, include_str!("../../../templates/i18n/en.toml")),
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

    /// One language's whole catalog.
    #[cfg(test)]
    pub(super) fn catalog(&self, lang: Lang) -> &toml::Table {
        &self.raw[&lang]
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
