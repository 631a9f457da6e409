//! Sending notifications: the SMTP relay and department webhooks. The service decides what is sent
//! and when (`service/notifications.rs`, from `domain/notify`); this module only says it, in words
//! (`message.rs`) over a channel (`email.rs`, `webhook.rs`). Nothing sent names an item, a title
//! or a date.
mod email;
mod message;
mod webhook;

pub use message::{Audience, Message};
pub use webhook::{sign, WebhookFormat, SIGNATURE_HEADER, TIMESTAMP_HEADER};

use secrecy::SecretString;
use std::time::Duration;

/// How notifications leave the service: the flags of `config.rs`, read once.
#[derive(Clone, Debug)]
pub struct NotifyConfig {
    /// smtp://host:port (plain), smtp://host:port?tls=required (STARTTLS), smtps://host:port.
    /// Without it no email is sent (webhooks still are).
    pub smtp_url: Option<String>,
    /// From the environment only, never a flag's value in a process list, never logged.
    pub smtp_username: Option<String>,
    pub smtp_password: Option<SecretString>,
    /// The sender address, e.g. `直言 <zhiyan@county.gov.cn>`.
    pub smtp_from: String,
    /// Where links in messages point (the public origin); messages carry no link without it.
    pub link_base: Option<String>,
    /// The daily digest's local time, in minutes after midnight.
    pub daily_minute: i64,
    /// One attempt to send gives up after this.
    pub send_timeout: Duration,
}

/// Why a message did not go out, in words fit for the board (never a secret).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SendError(pub String);

/// The channels, ready to send.
pub struct Notifier {
    config: NotifyConfig,
    smtp: Result<Option<email::Smtp>, String>,
    http: reqwest::Client,
}

impl Notifier {
    pub fn new(config: NotifyConfig) -> Notifier {
        let smtp = email::Smtp::new(&config).map_err(|e| e.to_string());
        if let Err(e) = &smtp {
            tracing::error!(error = %e, "the SMTP relay is misconfigured; no email will be sent");
        }
        let http = reqwest::Client::builder()
            .timeout(config.send_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client with a timeout and no redirects builds");
        Notifier { config, smtp, http }
    }

    pub async fn email(&self, to: &str, message: &Message) -> Result<(), SendError> {
        match &self.smtp {
            Ok(Some(smtp)) => smtp.send(&self.config, to, message).await,
            Ok(None) => Err(SendError("no SMTP relay is configured (--smtp-url)".into())),
            Err(e) => Err(SendError(format!("the SMTP relay is misconfigured: {e}"))),
        }
    }

    pub async fn webhook(
        &self,
        url: &str,
        format: WebhookFormat,
        secret: &str,
        message: &Message,
        now: i64,
    ) -> Result<(), SendError> {
        webhook::post(&self.http, url, format, secret, message, now).await
    }
}
