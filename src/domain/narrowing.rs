//! Clues in a report's text that could narrow down who wrote it: an apparent personal name, a phone
//! number, an ID-card number or a job title. The report form's preview shows them to the reporter
//! before anything is stored, with a plain warning; nothing is removed or refused, since only the
//! reporter can judge whether a detail is needed.
//!
//! These are heuristics for zh-CN text and will miss things (a name with no title beside it, a
//! place only one person works at) and flag a few harmless ones. They make the risk visible; they
//! do not make a text safe.
use serde::Serialize;

/// What kind of clue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Clue {
    /// A surname with a title (李主任, 张建国书记), 同志, an introduction (我叫…) or a nickname (老王).
    Name,
    /// A mobile number (11 digits from 13–19) or a landline with its area code (0…).
    Phone,
    /// An 18-character resident ID number whose check character is right.
    IdCard,
    /// A post, as they are named at township and village level (书记, 镇长, 村支书, 主任…).
    JobTitle,
}

impl Clue {
    pub const ALL: [Clue; 4] = [Clue::Name, Clue::Phone, Clue::IdCard, Clue::JobTitle];
}

/// One clue as it appears in the text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Finding {
    pub clue: Clue,
    pub text: String,
}

/// Posts, longer ones first where one contains another, so the longest is reported.
const TITLES: &[&str] = &[
    "大学生村官",
    "第一书记",
    "驻村干部",
    "包村干部",
    "武装部长",
    "人大主席",
    "党委委员",
    "纪委书记",
    "村支书",
    "副书记",
    "副镇长",
    "副乡长",
    "副县长",
    "副主任",
    "副局长",
    "副科长",
    "村主任",
    "网格员",
    "选调生",
    "书记",
    "支书",
    "镇长",
    "乡长",
    "县长",
    "村长",
    "主任",
    "局长",
    "科长",
    "股长",
    "站长",
    "所长",
    "部长",
    "委员",
    "组长",
    "队长",
    "会计",
    "文书",
    "出纳",
    "专干",
    "秘书",
];

/// Common surnames. Left out on purpose: characters that are far more often a preposition or a
/// word of their own in this kind of text (向, 于, 时, 师…).
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金廖贾夏韦付邹孟熊秦邱尹薛闫段雷侯龙陶黎贺顾毛郝龚邵钱严覃武戴莫孔汤";
const COMPOUND_SURNAMES: &[&str] = &["欧阳", "司马", "诸葛", "上官", "令狐", "皇甫", "慕容"];
/// Nicknames (老王, 小李) use only the most common surnames: 老/小 before a rarer one is usually a
/// word (老师, 小时).
const NICKNAME_SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭林罗郑梁谢宋唐韩冯邓曹彭曾";
/// Characters that do not occur inside a given name in these texts but do sit between a surname-like
/// character and a title ("张某书记" is already anonymous; "村委主任" is not a name).
const NOT_IN_NAMES: &str = "某的和与及是在了镇乡县村局委区市省党支部会室所站组队处科股办中心副";
const INTRODUCTIONS: &[&str] = &["我叫", "本人叫", "我的名字是", "我的名字叫", "署名"];

/// Every clue in `text`, each distinct one once, in the order they first appear.
pub fn findings(text: &str) -> Vec<Finding> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<(usize, Finding)> = Vec::new();
    numbers(&chars, &mut out);
    titles_and_names(&chars, &mut out);
    introductions_and_nicknames(&chars, &mut out);
    out.sort_by_key(|(at, _)| *at);
    let mut seen = std::collections::HashSet::new();
    out.into_iter()
        .map(|(_, f)| f)
        .filter(|f| seen.insert(f.clone()))
        .collect()
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

fn is_surname(c: char) -> bool {
    SURNAMES.contains(c)
}

fn digit(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        // Full-width digits, as Chinese input methods type them.
        '０'..='９' => Some(c as u32 - '０' as u32),
        _ => None,
    }
}

/// Runs of digits, allowing single spaces or hyphens inside (138-1234-5678) and a final X for an ID.
fn numbers(chars: &[char], out: &mut Vec<(usize, Finding)>) {
    let mut i = 0;
    while i < chars.len() {
        if digit(chars[i]).is_none() {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = String::new();
        let mut end = i;
        while end < chars.len() {
            if let Some(d) = digit(chars[end]) {
                digits.push(char::from_digit(d, 10).unwrap_or('0'));
                end += 1;
            } else if matches!(chars[end], '-' | ' ' | '－')
                && chars.get(end + 1).and_then(|c| digit(*c)).is_some()
            {
                end += 1;
            } else {
                break;
            }
        }
        let mut id_x = false;
        if digits.len() == 17 && matches!(chars.get(end), Some('X' | 'x' | 'Ｘ')) {
            id_x = true;
            end += 1;
        }
        // A digit run glued to a Latin letter is a code of some kind, not a number to dial.
        let glued = chars.get(end).is_some_and(|c| c.is_ascii_alphanumeric());
        let snippet: String = chars[start..end].iter().collect();
        let clue = if id_x {
            id_check(&digits, 'X').then_some(Clue::IdCard)
        } else if glued {
            None
        } else if digits.len() == 18 {
            let check = digits.chars().last().unwrap_or('0');
            id_check(&digits[..17], check).then_some(Clue::IdCard)
        } else if is_mobile(&digits) || is_landline(&digits) {
            Some(Clue::Phone)
        } else {
            None
        };
        if let Some(clue) = clue {
            out.push((
                start,
                Finding {
                    clue,
                    text: snippet,
                },
            ));
        }
        i = end;
    }
}

/// 11 digits: 1, then 3–9 (the mobile prefixes).
fn is_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// An area code (0 and two or three digits) and a local number: 10 to 12 digits in all.
fn is_landline(digits: &str) -> bool {
    (10..=12).contains(&digits.len()) && digits.starts_with('0')
}

/// The resident ID check character (GB 11643-1999) of 17 digits.
fn id_check(first17: &str, check: char) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CODES: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    if first17.len() != 17 {
        return false;
    }
    let sum: u32 = first17
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    CODES[(sum % 11) as usize] == check.to_ascii_uppercase()
}

/// Titles, and names written with one: a surname just before the title (李主任), or a surname and a
/// one- or two-character given name before it (张建国书记), or before 同志.
fn titles_and_names(chars: &[char], out: &mut Vec<(usize, Finding)>) {
    let mut i = 0;
    while i < chars.len() {
        let matched = TITLES
            .iter()
            .map(|t| t.chars().collect::<Vec<char>>())
            .chain(std::iter::once("同志".chars().collect()))
            .find(|t| chars[i..].starts_with(t));
        let Some(title) = matched else {
            i += 1;
            continue;
        };
        let is_title = title != ['同', '志'];
        if is_title {
            out.push((
                i,
                Finding {
                    clue: Clue::JobTitle,
                    text: title.iter().collect(),
                },
            ));
        }
        if let Some(start) = name_before(chars, i) {
            let name: String = chars[start..i + title.len()].iter().collect();
            out.push((
                start,
                Finding {
                    clue: Clue::Name,
                    text: name,
                },
            ));
        }
        i += title.len();
    }
}

/// Where a name ends just before `at` starts: a compound or single surname, then up to two given-name
/// characters.
fn name_before(chars: &[char], at: usize) -> Option<usize> {
    for given in 0..=2 {
        let Some(surname_end) = at.checked_sub(given) else {
            break;
        };
        let between = &chars[surname_end..at];
        if between
            .iter()
            .any(|c| !is_han(*c) || NOT_IN_NAMES.contains(*c))
        {
            break;
        }
        for compound in COMPOUND_SURNAMES {
            let c: Vec<char> = compound.chars().collect();
            if surname_end >= c.len() && chars[surname_end - c.len()..surname_end] == c[..] {
                return Some(surname_end - c.len());
            }
        }
        if surname_end >= 1 && is_surname(chars[surname_end - 1]) {
            return Some(surname_end - 1);
        }
    }
    None
}

/// 我叫张伟, 署名李明; 老王, 小李.
fn introductions_and_nicknames(chars: &[char], out: &mut Vec<(usize, Finding)>) {
    for i in 0..chars.len() {
        for intro in INTRODUCTIONS {
            let p: Vec<char> = intro.chars().collect();
            if !chars[i..].starts_with(&p) {
                continue;
            }
            let start = i + p.len();
            let surname_len = COMPOUND_SURNAMES
                .iter()
                .map(|c| c.chars().collect::<Vec<char>>())
                .find(|c| chars[start..].starts_with(c))
                .map(|c| c.len())
                .or_else(|| chars.get(start).filter(|c| is_surname(**c)).map(|_| 1));
            if let Some(n) = surname_len {
                let given = chars[start + n..]
                    .iter()
                    .take(2)
                    .take_while(|c| is_han(**c) && !NOT_IN_NAMES.contains(**c))
                    .count();
                if given > 0 {
                    let name: String = chars[start..start + n + given].iter().collect();
                    out.push((
                        start,
                        Finding {
                            clue: Clue::Name,
                            text: name,
                        },
                    ));
                }
            }
        }
        if matches!(chars[i], '老' | '小')
            && chars.get(i + 1).is_some_and(|c| NICKNAME_SURNAMES.contains(*c))
            // 老王 ends there: not 小张家口, not 老李子树.
            && chars.get(i + 2).is_none_or(|c| !is_han(*c) || "说讲讲让要也和跟对在是的找".contains(*c))
        {
            out.push((
                i,
                Finding {
                    clue: Clue::Name,
                    text: chars[i..i + 2].iter().collect(),
                },
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(Clue, String)> {
        findings(text)
            .into_iter()
            .map(|f| (f.clue, f.text))
            .collect()
    }

    fn has(text: &str, clue: Clue, what: &str) -> bool {
        found(text).contains(&(clue, what.to_string()))
    }

    #[test]
    fn names_with_titles_and_titles_alone() {
        let t = "上周李主任和新河镇张建国书记又来检查，村支书只好再做一遍台账。";
        assert!(has(t, Clue::Name, "李主任"));
        assert!(has(t, Clue::Name, "张建国书记"));
        assert!(has(t, Clue::JobTitle, "主任"));
        assert!(has(t, Clue::JobTitle, "书记"));
        assert!(has(t, Clue::JobTitle, "村支书"));
        // The longest title only: 村支书 is not also reported as 支书.
        assert!(!has(t, Clue::JobTitle, "支书"));
        assert!(has("王副县长说要重新填报。", Clue::Name, "王副县长"));
        assert!(has("欧阳镇长来了", Clue::Name, "欧阳镇长"));
        assert!(has("感谢刘明同志", Clue::Name, "刘明同志"));
    }

    #[test]
    fn offices_and_anonymous_mentions_are_not_names() {
        for t in [
            "镇党委书记要求每周报表",
            "县民政局局长批示",
            "张某书记要求",
            "村委主任说",
            "我们村的主任",
        ] {
            assert!(
                !found(t).iter().any(|(c, _)| *c == Clue::Name),
                "{t}: {:?}",
                found(t)
            );
        }
    }

    #[test]
    fn introductions_and_nicknames() {
        assert!(has("我叫王小明，在镇里工作", Clue::Name, "王小明"));
        assert!(has("老王说这个表格要每天填", Clue::Name, "老王"));
        assert!(has("小李，", Clue::Name, "小李"));
        assert!(!found("老师和小时工").iter().any(|(c, _)| *c == Clue::Name));
    }

    #[test]
    fn phone_numbers() {
        assert!(has("有事打13812345678找我", Clue::Phone, "13812345678"));
        assert!(has("电话 138-1234-5678。", Clue::Phone, "138-1234-5678"));
        assert!(has("办公室0755-12345678", Clue::Phone, "0755-12345678"));
        assert!(has(
            "手机１３９１２３４５６７８",
            Clue::Phone,
            "１３９１２３４５６７８"
        ));
        // Amounts, dates, counts and codes are not phone numbers.
        for t in [
            "共12345678元",
            "2024年3月",
            "第11次检查",
            "文件编号13812345678A",
            "12812345678",
        ] {
            assert!(!found(t).iter().any(|(c, _)| *c == Clue::Phone), "{t}");
        }
    }

    #[test]
    fn id_numbers_need_a_right_check_character() {
        // 11010519491231002X is the standard's example number.
        assert!(has(
            "身份证11010519491231002X",
            Clue::IdCard,
            "11010519491231002X"
        ));
        assert!(!found("110105194912310021")
            .iter()
            .any(|(c, _)| *c == Clue::IdCard));
        // A valid all-digit one: 440524188001010014.
        assert!(has(
            "440524188001010014",
            Clue::IdCard,
            "440524188001010014"
        ));
    }

    #[test]
    fn plain_text_has_no_clues() {
        assert!(found("县里三个部门先后来检查同一项工作，每次都要重新准备材料。").is_empty());
        assert!(found("").is_empty());
    }
}
