//! What a use case can fail with. No HTTP here: the web layer decides how each is shown.
use crate::domain::lifecycle::InvalidTransition;
use crate::domain::text::Field;
use crate::domain::text::{FieldError, Problem};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input field is missing, too long, unknown or otherwise not acceptable.
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error("the receipt is not valid")]
    InvalidReceipt,
    #[error("unknown username or wrong password")]
    InvalidCredentials,
    #[error("sign in first")]
    Unauthenticated,
    /// The account signs in with a second factor and none was sent (also the answer when the
    /// password is wrong, so that leaving the code out never tells whether the password was right).
    #[error("enter the six-digit code from your authenticator app, or one of your recovery codes")]
    TotpRequired,
    /// The code was right but has already been used: a code works once.
    #[error("this code has already been used; wait for the next one")]
    TotpReused,
    /// Password right, but the account has no second factor yet and the deployment requires one:
    /// it must be enrolled on the sign-in page first.
    #[error("two-factor sign-in is not set up for this account yet; sign in on the web page to set it up")]
    TotpEnrolmentRequired,
    /// Too many failed sign-ins for this username, or for the whole service: wait this many seconds.
    #[error("too many failed sign-ins; try again in {retry_after} seconds")]
    TooManyAttempts { retry_after: i64 },
    #[error("the setup code is not valid or has expired; ask an administrator for a new one")]
    InvalidSetupCode,
    /// Disabling or demoting the last administrator would leave nobody to administer.
    #[error("this is the last active administrator account")]
    LastAdmin,
    /// An organisation file that does not validate; nothing was changed.
    #[error("the organisation file was not applied: {0}")]
    InvalidOrg(crate::domain::org::OrgError),
    /// The organisation changed between the preview and the apply.
    #[error("the organisation was changed since the preview; preview the file again")]
    OrgChanged,
    #[error("your role may not do this")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    #[error("the item was changed by someone else at the same moment; reload and try again")]
    Conflict,
    /// No body outside the report's chain can receive a retaliation report: the organisation names
    /// none, or the one it names is the department the report was about, handled it, or is above.
    #[error("no body outside the report's chain can receive a retaliation report here")]
    NoRetaliationBody,
    /// A test message did not reach its channel; why, in the channel's words (never a secret).
    #[error("the message could not be delivered: {0}")]
    DeliveryFailed(String),
    /// A file was refused, or the files were too many or too large together; nothing was stored.
    #[error("{}", attachment_message(.0))]
    Attachment(super::AttachmentProblem),
    #[error("the service is temporarily unavailable; try again shortly")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

fn attachment_message(p: &super::AttachmentProblem) -> String {
    use super::AttachmentProblem as P;
    match p {
        P::Refused { file, refusal } => format!("the file {file:?} {refusal}; nothing was stored"),
        P::TooMany { max } => format!("at most {max} files may be attached"),
        P::TotalTooLarge { max } => {
            format!("the report's files together may take at most {max} bytes")
        }
    }
}

impl Error {
    pub fn field(field: Field, problem: Problem) -> Error {
        Error::Field(FieldError::new(field, problem))
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Error {
        Error::Internal(e.into())
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(e) => {
                // An operational event for whoever runs the service; the client gets a plain 503.
                tracing::warn!(error = %e, "database unavailable");
                Error::Unavailable
            }
            StoreError::Conflict => Error::Conflict,
            other => Error::Internal(other.into()),
        }
    }
}
