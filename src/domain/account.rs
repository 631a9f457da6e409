//! Staff accounts: what a username and a password must be, where each role sits in the organisation,
//! and the one-time codes that stand in for a password an administrator never sees (setup codes) or
//! for a lost phone (recovery codes).
use super::access::Role;
use super::receipt::{encode_bits, grouped, read_symbols};
use super::text::{Field, FieldError, Problem};

/// Longest username.
pub const USERNAME_MAX: usize = 64;
/// Shortest password (NIST SP 800-63B asks for at least 8 when chosen by the user; long passphrases
/// are what resists guessing, and the second factor does the rest).
pub const PASSWORD_MIN: usize = 12;
/// Longest password: argon2 takes anything, but a megabyte of "password" is not one.
pub const PASSWORD_MAX: usize = 1024;
/// How long a setup code is valid.
pub const SETUP_CODE_TTL: i64 = 24 * 3600;
/// How many recovery codes an enrolment issues.
pub const RECOVERY_CODES: usize = 10;
/// How long a session that has the password but not yet a second factor lasts: long enough to
/// scan a QR code, not a working day.
pub const ENROLMENT_TTL: i64 = 15 * 60;

/// A username: ASCII letters, digits and `-_.`, 1–64 of them (it is typed, logged in audit events
/// and labels the authenticator entry, so nothing that needs escaping).
pub fn username(input: &str) -> Result<String, FieldError> {
    let name = input.trim();
    if name.is_empty() {
        return Err(FieldError::new(Field::Username, Problem::Missing));
    }
    if name.len() > USERNAME_MAX {
        return Err(FieldError::new(
            Field::Username,
            Problem::TooLong { max: USERNAME_MAX },
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(FieldError::new(Field::Username, Problem::Invalid));
    }
    Ok(name.to_string())
}

/// A new password, as typed twice: long enough, not absurdly long, and the same both times.
/// Passwords are taken as typed (no trimming: spaces are characters too).
pub fn new_password(field: Field, password: &str, confirm: Option<&str>) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n == 0 {
        return Err(FieldError::new(field, Problem::Missing));
    }
    if n < PASSWORD_MIN {
        return Err(FieldError::new(
            field,
            Problem::TooShort { min: PASSWORD_MIN },
        ));
    }
    if n > PASSWORD_MAX {
        return Err(FieldError::new(
            field,
            Problem::TooLong { max: PASSWORD_MAX },
        ));
    }
    if confirm.is_some_and(|c| c != password) {
        return Err(FieldError::new(Field::PasswordConfirm, Problem::Mismatch));
    }
    Ok(())
}

/// Where an account of `role` sits: desks and supervisors belong to a department (a desk's own, a
/// supervisor's subtree); an administrator to none, whatever was given.
pub fn placement(role: Role, department: Option<&str>) -> Result<Option<String>, FieldError> {
    let department = department.map(str::trim).filter(|d| !d.is_empty());
    match (role, department) {
        (Role::Admin, _) => Ok(None),
        (_, None) => Err(FieldError::new(Field::Department, Problem::Missing)),
        (_, Some(code)) => Ok(Some(code.to_string())),
    }
}

/// A one-time code a person types: Crockford base32 in groups of four, read leniently like a
/// receipt. Setup codes carry 100 random bits, recovery codes 80.
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimeCode(String);

// Never print a code by accident (logs, panics).
impl std::fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneTimeCode(..)")
    }
}

/// The two kinds, by length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    Setup,
    Recovery,
}

impl CodeKind {
    pub fn symbols(self) -> usize {
        match self {
            CodeKind::Setup => 20,
            CodeKind::Recovery => 16,
        }
    }

    /// Random bytes needed to draw one.
    pub const ENTROPY_BYTES: usize = 13;
}

impl OneTimeCode {
    pub fn from_entropy(kind: CodeKind, bytes: &[u8; CodeKind::ENTROPY_BYTES]) -> OneTimeCode {
        OneTimeCode(encode_bits(bytes, kind.symbols()))
    }

    pub fn parse(kind: CodeKind, input: &str) -> Option<OneTimeCode> {
        read_symbols(input, kind.symbols()).map(OneTimeCode)
    }

    /// What is hashed and stored.
    pub fn canonical(&self) -> &str {
        &self.0
    }

    /// How it is shown: XXXX-XXXX-….
    pub fn display(&self) -> String {
        grouped(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(username("  desk-civil.2_b ").unwrap(), "desk-civil.2_b");
        assert_eq!(username(" ").unwrap_err().problem, Problem::Missing);
        assert_eq!(username("张三").unwrap_err().problem, Problem::Invalid);
        assert_eq!(username("a b").unwrap_err().problem, Problem::Invalid);
        assert!(matches!(
            username(&"a".repeat(65)).unwrap_err().problem,
            Problem::TooLong { max: 64 }
        ));
    }

    #[test]
    fn passwords() {
        let f = Field::Password;
        assert!(new_password(f, "twelve chars", None).is_ok());
        assert!(new_password(
            f,
            "密码密码密码密码密码密码",
            Some("密码密码密码密码密码密码")
        )
        .is_ok());
        assert_eq!(
            new_password(f, "short", None).unwrap_err().problem,
            Problem::TooShort { min: 12 }
        );
        assert_eq!(
            new_password(f, "", None).unwrap_err().problem,
            Problem::Missing
        );
        let e = new_password(f, "twelve chars", Some("twelve chars!")).unwrap_err();
        assert_eq!(
            (e.field, e.problem),
            (Field::PasswordConfirm, Problem::Mismatch)
        );
        assert!(new_password(f, &"x".repeat(1025), None).is_err());
    }

    #[test]
    fn placements() {
        assert_eq!(placement(Role::Admin, Some("county")), Ok(None));
        assert_eq!(
            placement(Role::Desk, Some(" civil ")),
            Ok(Some("civil".to_string()))
        );
        assert_eq!(
            placement(Role::Supervisor, Some("")).unwrap_err().problem,
            Problem::Missing
        );
    }

    #[test]
    fn codes_round_trip_leniently() {
        let bytes = [0x5Au8; CodeKind::ENTROPY_BYTES];
        let setup = OneTimeCode::from_entropy(CodeKind::Setup, &bytes);
        assert_eq!(setup.display().len(), 24);
        let typed = setup.display().to_lowercase().replace('-', " ");
        assert_eq!(
            OneTimeCode::parse(CodeKind::Setup, &typed),
            Some(setup.clone())
        );
        let recovery = OneTimeCode::from_entropy(CodeKind::Recovery, &bytes);
        assert_eq!(recovery.display().len(), 19);
        assert!(OneTimeCode::parse(CodeKind::Setup, &recovery.display()).is_none());
        assert!(OneTimeCode::parse(CodeKind::Recovery, &setup.display()).is_none());
    }
}
