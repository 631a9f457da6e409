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
    "partials/attachment_list.html",
    "partials/item_filter.html",
    "partials/pager.html",
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
    "admin/notifications.html",
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
        env.add_filter("when", when);
        env.add_filter("due", due);
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

/// `{{ t|when }}`: an RFC 3339 time as people read it, in the page's language and the time's own
/// zone: "12月4日 03:21" / "4 Dec 03:21" (with the year when it is not this year's). A bare date
/// reads "12月4日" / "4 Dec". Anything else is shown as it is.
fn when(state: &State, v: Value) -> String {
    let text = v.as_str().unwrap_or_default().to_string();
    let en = is_en(state);
    let now = now_of(state);
    if let Ok(t) =
        time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
    {
        let this_year = time::OffsetDateTime::from_unix_timestamp(now)
            .map(|n| n.to_offset(t.offset()).year())
            .unwrap_or(t.year());
        return readable(
            t.date(),
            Some((t.hour(), t.minute())),
            t.year() != this_year,
            en,
        );
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(&text, date_format) {
        Ok(d) => {
            let this_year = time::OffsetDateTime::from_unix_timestamp(now)
                .map(|n| n.year())
                .unwrap_or(d.year());
            readable(d, None, d.year() != this_year, en)
        }
        Err(_) => text,
    }
}

/// `{{ t|due }}`: a deadline as `when` shows it, with how long is left or how late it is:
/// "12月4日 03:21（还剩2天）" / "4 Dec 03:21 (2 days left)".
fn due(state: &State, v: Value) -> String {
    let text = v.as_str().unwrap_or_default().to_string();
    let shown = when(state, v);
    let Ok(t) = time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
    else {
        return shown;
    };
    let left = t.unix_timestamp() - now_of(state);
    let en = is_en(state);
    let span = span(left.abs(), en);
    match (en, left >= 0) {
        (true, true) => format!("{shown} ({span} left)"),
        (true, false) => format!("{shown} ({span} late)"),
        (false, true) => format!("{shown}（还剩{span}）"),
        (false, false) => format!("{shown}（已超过{span}）"),
    }
}

/// A length of time in its largest whole unit: days, then hours, then "under an hour".
pub fn span(secs: i64, en: bool) -> String {
    let (days, hours) = (secs / 86_400, secs / 3_600);
    match (en, days, hours) {
        (true, 1, _) => "1 day".to_string(),
        (true, d, _) if d > 1 => format!("{d} days"),
        (true, _, h) if h >= 1 => format!("{h} h"),
        (true, _, _) => "<1 h".to_string(),
        (false, d, _) if d >= 1 => format!("{d}天"),
        (false, _, h) if h >= 1 => format!("{h}小时"),
        (false, _, _) => "不到1小时".to_string(),
    }
}

fn readable(d: time::Date, hm: Option<(u8, u8)>, with_year: bool, en: bool) -> String {
    let clock = hm
        .map(|(h, m)| format!(" {h:02}:{m:02}"))
        .unwrap_or_default();
    if en {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let month = MONTHS[u8::from(d.month()) as usize - 1];
        let year = if with_year {
            format!(" {}", d.year())
        } else {
            String::new()
        };
        format!("{} {month}{year}{clock}", d.day())
    } else {
        let year = if with_year {
            format!("{}年", d.year())
        } else {
            String::new()
        };
        format!("{year}{}月{}日{clock}", u8::from(d.month()), d.day())
    }
}

fn is_en(state: &State) -> bool {
    state
        .lookup("lang")
        .is_some_and(|l| l.as_str() == Some("en"))
}

/// The page's `now` (unix seconds, from the service's clock); 0 when a page has none.
fn now_of(state: &State) -> i64 {
    state
        .lookup("now")
        .and_then(|n| i64::try_from(n).ok())
        .unwrap_or(0)
}
