//! Department webhooks: a JSON POST signed with the department's secret. Besides our generic body,
//! the text-message bodies of the group-chat robots Chinese offices use (WeCom, DingTalk).
use super::{Message, SendError};
use base64::Engine;
use ring::hmac;

/// The receiver checks `HMAC-SHA256(secret, "<timestamp>.<body>")`, hex, after `sha256=`.
pub const SIGNATURE_HEADER: &str = "x-zhiyan-signature";
/// Unix seconds of sending; receivers refuse old ones, so a captured request cannot be replayed.
pub const TIMESTAMP_HEADER: &str = "x-zhiyan-timestamp";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookFormat {
    /// `{"digest":…,"counts":{…},"link":…,"text":…}`
    Generic,
    /// WeCom (企业微信) group robot: `{"msgtype":"text","text":{"content":…}}`.
    Wecom,
    /// DingTalk (钉钉) group robot: the same text body; with its "加签" secret, the URL is signed
    /// as DingTalk asks (timestamp and sign parameters).
    Dingtalk,
}

impl WebhookFormat {
    pub const ALL: [WebhookFormat; 3] = [
        WebhookFormat::Generic,
        WebhookFormat::Wecom,
        WebhookFormat::Dingtalk,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Generic => "generic",
            WebhookFormat::Wecom => "wecom",
            WebhookFormat::Dingtalk => "dingtalk",
        }
    }

    pub fn parse(s: &str) -> Option<WebhookFormat> {
        WebhookFormat::ALL.into_iter().find(|f| f.as_str() == s)
    }

    fn body(self, m: &Message) -> String {
        match self {
            WebhookFormat::Generic => serde_json::json!({
                "service": "zhiyan",
                "digest": m.digest,
                "counts": m.counts.to_json(),
                "link": m.link,
                "text": m.text,
            }),
            WebhookFormat::Wecom | WebhookFormat::Dingtalk => serde_json::json!({
                "msgtype": "text",
                "text": { "content": m.text },
            }),
        }
        .to_string()
    }
}

/// `sha256=<hex>` of the HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(tag.as_ref()))
}

/// DingTalk's own URL signature: base64 of HMAC-SHA256(secret, "<ms>\n<secret>"), URL-encoded.
fn dingtalk_url(url: &str, secret: &str, now: i64) -> String {
    let ms = now * 1000;
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, format!("{ms}\n{secret}").as_bytes());
    let sign = base64::engine::general_purpose::STANDARD.encode(tag.as_ref());
    let sign = percent_encoding::utf8_percent_encode(&sign, percent_encoding::NON_ALPHANUMERIC);
    let join = if url.contains('?') { '&' } else { '?' };
    format!("{url}{join}timestamp={ms}&sign={sign}")
}

pub(super) async fn post(
    http: &reqwest::Client,
    url: &str,
    format: WebhookFormat,
    secret: &str,
    message: &Message,
    now: i64,
) -> Result<(), SendError> {
    let body = format.body(message);
    let target = match format {
        WebhookFormat::Dingtalk if !secret.is_empty() => dingtalk_url(url, secret, now),
        _ => url.to_string(),
    };
    let response = http
        .post(target)
        .header("content-type", "application/json; charset=utf-8")
        .header(TIMESTAMP_HEADER, now.to_string())
        .header(SIGNATURE_HEADER, sign(secret, now, &body))
        .body(body)
        .send()
        .await
        // Without the URL: a robot's URL carries its key.
        .map_err(|e| SendError(format!("webhook: {}", e.without_url())))?;
    let status = response.status();
    if !status.is_success() {
        return Err(SendError(format!(
            "webhook: the receiver answered {status}"
        )));
    }
    // The robots answer 200 with an error code in the body when they refuse a message.
    if matches!(format, WebhookFormat::Wecom | WebhookFormat::Dingtalk) {
        let text = response.text().await.unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        if let Some(code) = v.get("errcode").and_then(|c| c.as_i64()) {
            if code != 0 {
                let msg = v.get("errmsg").and_then(|m| m.as_str()).unwrap_or("");
                return Err(SendError(format!(
                    "webhook: the robot refused it ({code} {msg})"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_over_timestamp_and_body() {
        // Computed independently: printf '1.{}' | openssl dgst -sha256 -hmac k
        assert_eq!(
            sign("k", 1, "{}"),
            "sha256=3dd49b2593d0f9a349e9e71c4bde3e2b862c2be4003fe9b4ba81332029310158"
        );
        let u = dingtalk_url(
            "https://oapi.dingtalk.com/robot/send?access_token=x",
            "SEC1",
            1,
        );
        assert!(u.starts_with(
            "https://oapi.dingtalk.com/robot/send?access_token=x&timestamp=1000&sign="
        ));
    }
}
