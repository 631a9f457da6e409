//! Email through the configured SMTP relay (lettre).
use super::{Message, NotifyConfig, SendError};
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;

pub(super) struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    /// None when no relay is configured; an error (naming what is wrong, never a secret) when the
    /// URL or the sender does not parse.
    pub fn new(config: &NotifyConfig) -> Result<Option<Smtp>, String> {
        let Some(url) = &config.smtp_url else {
            return Ok(None);
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("--smtp-url: {e}"))?
            .timeout(Some(config.send_timeout));
        if let (Some(user), Some(password)) = (&config.smtp_username, &config.smtp_password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_string(),
            ));
        }
        let from = config
            .smtp_from
            .parse()
            .map_err(|e| format!("--smtp-from `{}`: {e}", config.smtp_from))?;
        Ok(Some(Smtp {
            transport: builder.build(),
            from,
        }))
    }

    pub async fn send(
        &self,
        config: &NotifyConfig,
        to: &str,
        message: &Message,
    ) -> Result<(), SendError> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| SendError(format!("the address `{to}` is not valid: {e}")))?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(message.text.clone())
            .map_err(|e| SendError(format!("the message could not be built: {e}")))?;
        match tokio::time::timeout(config.send_timeout, self.transport.send(email)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(SendError(format!("SMTP: {e}"))),
            Err(_) => Err(SendError("SMTP: timed out".into())),
        }
    }
}
