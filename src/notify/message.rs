//! A message's words: what a figure is called and how many, in Chinese then English, and a link
//! to the page that needs signing in. Nothing else: no item, no title, no date.
use crate::domain::notify::{Counts, Slot};

/// Whose page the link opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Desk,
    Oversight,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Desk => "desk",
            Audience::Oversight => "oversight",
        }
    }

    /// The audience of `as_str`; a desk's for anything else.
    pub fn parse(s: &str) -> Audience {
        match s {
            "oversight" => Audience::Oversight,
            _ => Audience::Desk,
        }
    }

    fn page(self) -> &'static str {
        match self {
            Audience::Desk => "/desk",
            Audience::Oversight => "/oversight",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Message {
    pub subject: String,
    pub text: String,
    pub counts: Counts,
    pub digest: &'static str,
    pub link: Option<String>,
}

impl Message {
    pub fn new(slot: Slot, counts: Counts, audience: Audience, link_base: Option<&str>) -> Message {
        let (zh, en) = match slot {
            Slot::Hourly(_) => ("直言 · 每小时提醒", "Zhiyan: hourly notice"),
            Slot::Daily(_) => ("直言 · 每日摘要", "Zhiyan: daily digest"),
        };
        Message::compose(zh, en, slot.kind(), counts, audience, link_base)
    }

    /// The message an administrator sends to try a channel.
    pub fn test(link_base: Option<&str>) -> Message {
        Message::compose(
            "直言 · 测试消息",
            "Zhiyan: test message",
            "test",
            Counts::default(),
            Audience::Desk,
            link_base,
        )
    }

    fn compose(
        zh: &str,
        en: &str,
        digest: &'static str,
        counts: Counts,
        audience: Audience,
        link_base: Option<&str>,
    ) -> Message {
        let link = link_base.map(|b| format!("{}{}", b.trim_end_matches('/'), audience.page()));
        let mut text = format!("{zh}\n");
        for (f, n) in &counts.0 {
            text.push_str(&format!("{}：{n}\n", f.label().0));
        }
        if counts.is_empty() {
            text.push_str("此渠道可以收到直言的通知。\n");
        }
        if let Some(l) = &link {
            text.push_str(&format!("登录查看：{l}\n"));
        }
        text.push_str(&format!("\n{en}\n"));
        for (f, n) in &counts.0 {
            text.push_str(&format!("{}: {n}\n", f.label().1));
        }
        if counts.is_empty() {
            text.push_str("This channel receives Zhiyan's notifications.\n");
        }
        if let Some(l) = &link {
            text.push_str(&format!("Sign in to see them: {l}\n"));
        }
        Message {
            subject: format!("{zh} / {en}"),
            text,
            counts,
            digest,
            link,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notify::Figure;

    #[test]
    fn counts_and_a_link_in_both_languages() {
        let counts = Counts(vec![(Figure::NewItems, 2), (Figure::Overdue, 1)]);
        let m = Message::new(
            Slot::Hourly(0),
            counts,
            Audience::Desk,
            Some("https://z.example/"),
        );
        assert!(m.text.contains("收件箱新事项：2"));
        assert!(m.text.contains("overdue: 1"));
        assert!(m.text.contains("https://z.example/desk"));
        assert!(!m.text.contains("1970"), "no date at all");
    }
}
