//! Validated free text from reporters and staff. Lengths count Unicode scalar values, after trimming.
use std::fmt;

/// Why a field was refused; the web layer words it in the user's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Missing,
    TooLong {
        max: usize,
    },
    Unknown,
    Invalid,
    OutOfRange {
        min: i64,
        max: i64,
    },
    /// Not one month, one calendar quarter or one calendar year.
    NotAPeriod,
    TooShort {
        min: usize,
    },
    /// Not the same as the field it repeats (a password typed twice).
    Mismatch,
    /// Names something that must be new but already exists (a username).
    Taken,
    /// Not what was expected (a password or a code that is not the right one).
    Wrong,
    /// Names the whole organisation (the county government itself as the department a report is
    /// about), which would leave no department to handle it.
    CoversAll,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing => write!(f, "is required and must not be empty"),
            Problem::TooLong { max } => write!(f, "must be at most {max} characters"),
            Problem::Unknown => write!(f, "names nothing that exists"),
            Problem::Invalid => write!(f, "is not valid"),
            Problem::OutOfRange { min, max } => write!(f, "must be between {min} and {max}"),
            Problem::NotAPeriod => write!(
                f,
                "must make, with the other end, one month, one calendar quarter or one calendar year"
            ),
            Problem::TooShort { min } => write!(f, "must be at least {min} characters"),
            Problem::Mismatch => write!(f, "does not match"),
            Problem::Taken => write!(f, "already exists"),
            Problem::Wrong => write!(f, "is not correct"),
            Problem::CoversAll => write!(
                f,
                "names the whole organisation, which would leave no department to handle it: \
                 choose the department concerned, or none"
            ),
        }
    }
}

/// Every input field an error can name, so that each has its words in both catalogs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Area,
    Body,
    Category,
    Code,
    CurrentPassword,
    Department,
    Email,
    File,
    Format,
    From,
    Of,
    Outcome,
    Password,
    PasswordConfirm,
    Reason,
    Role,
    Satisfaction,
    Schedule,
    Secret,
    State,
    SubjectDepartment,
    SuggestedDepartment,
    Title,
    To,
    Totp,
    Url,
    Username,
}

impl Field {
    pub const ALL: [Field; 27] = [
        Field::Area,
        Field::Body,
        Field::Category,
        Field::Code,
        Field::CurrentPassword,
        Field::Department,
        Field::Email,
        Field::File,
        Field::Format,
        Field::From,
        Field::Of,
        Field::Outcome,
        Field::Password,
        Field::PasswordConfirm,
        Field::Reason,
        Field::Role,
        Field::Satisfaction,
        Field::Schedule,
        Field::Secret,
        Field::State,
        Field::SubjectDepartment,
        Field::SuggestedDepartment,
        Field::Title,
        Field::To,
        Field::Totp,
        Field::Url,
        Field::Username,
    ];

    /// The name of the field in requests (JSON keys, form fields, query parameters).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Area => "area",
            Field::Body => "body",
            Field::Category => "category",
            Field::Code => "code",
            Field::CurrentPassword => "current_password",
            Field::Department => "department",
            Field::Email => "email",
            Field::Format => "format",
            Field::File => "file",
            Field::From => "from",
            Field::Of => "of",
            Field::Outcome => "outcome",
            Field::Password => "password",
            Field::PasswordConfirm => "password_confirm",
            Field::Reason => "reason",
            Field::Role => "role",
            Field::Satisfaction => "satisfaction",
            Field::Schedule => "schedule",
            Field::Secret => "secret",
            Field::State => "state",
            Field::SubjectDepartment => "subject_department",
            Field::SuggestedDepartment => "suggested_department",
            Field::Title => "title",
            Field::To => "to",
            Field::Totp => "totp",
            Field::Url => "url",
            Field::Username => "username",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field} {problem}")]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
}

impl FieldError {
    pub fn new(field: Field, problem: Problem) -> Self {
        FieldError { field, problem }
    }
}

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;
pub const REASON_MAX: usize = 2_000;

/// Trimmed text of 1..=max characters.
pub fn bounded(field: Field, input: &str, max: usize) -> Result<String, FieldError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, Problem::Missing));
    }
    if t.chars().count() > max {
        return Err(FieldError::new(field, Problem::TooLong { max }));
    }
    Ok(t.to_string())
}

/// The first character a text input may not hold, if any: every text that comes in (JSON strings and
/// keys, form fields, query parameters, path segments) passes this before anything reads it. Refused:
/// NUL and every other control character (Unicode category Cc: C0, DEL, C1) except the line break
/// `\n`, the tab `\t`, and a carriage return that begins a `\r\n` line break (browsers send textarea
/// lines that way).
pub fn refused_character(input: &str) -> Option<char> {
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        let allowed = match c {
            '\n' | '\t' => true,
            '\r' => chars.peek() == Some(&'\n'),
            c => !c.is_control(),
        };
        if !allowed {
            return Some(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_but_line_breaks_and_tabs_pass() {
        for fine in ["", "检查 ok", "a\nb\tc", "a\r\nb", "emoji 🙂", "\u{200b}"] {
            assert_eq!(refused_character(fine), None, "{fine:?}");
        }
        for (bad, c) in [
            ("a\0", '\0'),
            ("\u{1}", '\u{1}'),
            ("a\rb", '\r'),
            ("end\r", '\r'),
            ("\u{7f}", '\u{7f}'),
            ("x\u{85}", '\u{85}'),
            ("\u{1b}[31m", '\u{1b}'),
        ] {
            assert_eq!(refused_character(bad), Some(c), "{bad:?}");
        }
    }

    #[test]
    fn counts_characters_not_bytes() {
        let s = "检".repeat(200);
        assert_eq!(bounded(Field::Title, &s, TITLE_MAX).unwrap(), s);
        assert_eq!(
            bounded(Field::Title, &"检".repeat(201), TITLE_MAX),
            Err(FieldError::new(Field::Title, Problem::TooLong { max: 200 }))
        );
        assert_eq!(
            bounded(Field::Body, "  \n ", BODY_MAX),
            Err(FieldError::new(Field::Body, Problem::Missing))
        );
    }
}
