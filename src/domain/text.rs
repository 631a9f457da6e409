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
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field} {problem}")]
pub struct FieldError {
    pub field: &'static str,
    pub problem: Problem,
}

impl FieldError {
    pub fn new(field: &'static str, problem: Problem) -> Self {
        FieldError { field, problem }
    }
}

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;
pub const REASON_MAX: usize = 2_000;

/// Trimmed text of 1..=max characters.
pub fn bounded(field: &'static str, input: &str, max: usize) -> Result<String, FieldError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, Problem::Missing));
    }
    if t.chars().count() > max {
        return Err(FieldError::new(field, Problem::TooLong { max }));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        let s = "检".repeat(200);
        assert_eq!(bounded("title", &s, TITLE_MAX).unwrap(), s);
        assert_eq!(
            bounded("title", &"检".repeat(201), TITLE_MAX),
            Err(FieldError::new("title", Problem::TooLong { max: 200 }))
        );
        assert_eq!(
            bounded("body", "  \n ", BODY_MAX),
            Err(FieldError::new("body", Problem::Missing))
        );
    }
}
