//! Staff accounts, their second factor, setup and recovery codes, and their sessions.
use super::{Result, Store, Tx};
use crate::crypto::Sealed;
use crate::domain::access::Role;
use secrecy::{ExposeSecret, SecretString};

/// One account as the service works with it. `password_hash` is empty while the account has no
/// password (created with a setup code, or reset).
#[derive(Clone, Debug)]
pub struct StaffRow {
    pub username: String,
    pub role: Role,
    pub department: Option<String>,
    pub password_hash: SecretString,
    pub disabled: bool,
    /// The enrolled TOTP secret, sealed.
    pub totp: Option<Sealed>,
    /// A secret shown for enrolment, not yet confirmed with a code.
    pub totp_pending: Option<Sealed>,
    /// The last 30-second step whose code was accepted.
    pub totp_last_step: Option<i64>,
    pub created_at: i64,
}

impl StaffRow {
    /// A new account (no second factor yet).
    pub fn new(username: &str, role: Role, department: Option<String>, hash: String) -> StaffRow {
        StaffRow {
            username: username.to_string(),
            role,
            department,
            password_hash: hash.into(),
            disabled: false,
            totp: None,
            totp_pending: None,
            totp_last_step: None,
            created_at: 0,
        }
    }

    pub fn has_password(&self) -> bool {
        !self.password_hash.expose_secret().is_empty()
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    username: String,
    role: Role,
    department: Option<String>,
    password_hash: String,
    disabled: bool,
    totp_key_id: Option<String>,
    totp_sealed: Option<Vec<u8>>,
    totp_pending_key_id: Option<String>,
    totp_pending_sealed: Option<Vec<u8>>,
    totp_last_step: Option<i64>,
    created_at: i64,
}

fn sealed(key_id: Option<String>, blob: Option<Vec<u8>>) -> Option<Sealed> {
    Some(Sealed {
        key_id: key_id?,
        blob: blob?,
    })
}

impl From<Row> for StaffRow {
    fn from(r: Row) -> StaffRow {
        StaffRow {
            username: r.username,
            role: r.role,
            department: r.department,
            password_hash: r.password_hash.into(),
            disabled: r.disabled,
            totp: sealed(r.totp_key_id, r.totp_sealed),
            totp_pending: sealed(r.totp_pending_key_id, r.totp_pending_sealed),
            totp_last_step: r.totp_last_step,
            created_at: r.created_at,
        }
    }
}

const STAFF_COLUMNS: &str = "username, role, department, password_hash, disabled, totp_key_id, \
     totp_sealed, totp_pending_key_id, totp_pending_sealed, totp_last_step, created_at";

/// An account as the administrators' list shows it.
#[derive(Clone, Debug)]
pub struct AccountRow {
    pub staff: StaffRow,
    /// When the live setup code, if any, runs out.
    pub setup_expires: Option<i64>,
    pub recovery_codes_left: i64,
}

/// What kind of session: the page cookie, an API bearer token, or the half-way session of someone
/// who still has to enrol a second factor (it reaches only the enrolment page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKind {
    Page,
    Api,
    Enrolment,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Page => "page",
            SessionKind::Api => "api",
            SessionKind::Enrolment => "enrolment",
        }
    }

    fn parse(s: &str) -> SessionKind {
        match s {
            "api" => SessionKind::Api,
            "enrolment" => SessionKind::Enrolment,
            _ => SessionKind::Page,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SessionRow {
    pub token_hash: Vec<u8>,
    pub username: String,
    pub role: Role,
    pub department: Option<String>,
    pub csrf_token: SecretString,
    pub kind: SessionKind,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct RawSession {
    token_hash: Vec<u8>,
    username: String,
    role: Role,
    department: Option<String>,
    csrf_token: String,
    kind: String,
    created_at: i64,
    expires_at: i64,
}

impl From<RawSession> for SessionRow {
    fn from(r: RawSession) -> SessionRow {
        SessionRow {
            token_hash: r.token_hash,
            username: r.username,
            role: r.role,
            department: r.department,
            csrf_token: r.csrf_token.into(),
            kind: SessionKind::parse(&r.kind),
            created_at: r.created_at,
            expires_at: r.expires_at,
        }
    }
}

const SESSION_SELECT: &str =
    "SELECT s.token_hash, s.username, a.role, a.department, s.csrf_token, s.kind, \
     s.created_at, s.expires_at FROM sessions s JOIN staff a ON a.username = s.username";

impl Store {
    pub async fn staff(&self, username: &str) -> Result<Option<StaffRow>> {
        let sql = format!("SELECT {STAFF_COLUMNS} FROM staff WHERE username = $1");
        let row: Option<Row> =
            on_pool!(self, c => sqlx::query_as(&sql).bind(username).fetch_optional(c).await)?;
        Ok(row.map(StaffRow::from))
    }

    /// Every account, by username, with its live setup code's expiry and its unused recovery codes.
    pub async fn accounts(&self, now: i64) -> Result<Vec<AccountRow>> {
        let sql = format!("SELECT {STAFF_COLUMNS} FROM staff ORDER BY username");
        let rows: Vec<Row> = on_pool!(self, c => sqlx::query_as(&sql).fetch_all(c).await)?;
        let setup = "SELECT username, expires_at FROM setup_codes WHERE expires_at > $1";
        let setup: Vec<(String, i64)> =
            on_pool!(self, c => sqlx::query_as(setup).bind(now).fetch_all(c).await)?;
        let left = "SELECT username, COUNT(*) FROM recovery_codes WHERE used_at IS NULL \
                    GROUP BY username";
        let left: Vec<(String, i64)> =
            on_pool!(self, c => sqlx::query_as(left).fetch_all(c).await)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let staff = StaffRow::from(r);
                let of = |list: &[(String, i64)]| {
                    list.iter()
                        .find(|(u, _)| *u == staff.username)
                        .map(|(_, n)| *n)
                };
                AccountRow {
                    setup_expires: of(&setup),
                    recovery_codes_left: of(&left).unwrap_or(0),
                    staff,
                }
            })
            .collect())
    }

    /// Administrators who can still sign in (or will, once they use their setup code).
    pub async fn enabled_admins(&self) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM staff WHERE role = 'admin' AND disabled = FALSE";
        Ok(on_pool!(self, c => sqlx::query_scalar(sql).fetch_one(c).await)?)
    }

    /// The live session for a token hash, with its account (disabled accounts have none). Half-way
    /// enrolment sessions only when `enrolment` says so.
    pub async fn session(
        &self,
        token_hash: &[u8],
        now: i64,
        enrolment: bool,
    ) -> Result<Option<SessionRow>> {
        let kinds = if enrolment {
            ""
        } else {
            " AND s.kind <> 'enrolment'"
        };
        let sql = format!(
            "{SESSION_SELECT} WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled = FALSE{kinds}"
        );
        let row: Option<RawSession> = on_pool!(self, c => sqlx::query_as(&sql)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(c)
            .await)?;
        Ok(row.map(SessionRow::from))
    }

    /// An account's live sessions, newest first.
    pub async fn sessions_of(&self, username: &str, now: i64) -> Result<Vec<SessionRow>> {
        let sql = format!(
            "{SESSION_SELECT} WHERE s.username = $1 AND s.expires_at > $2 \
             ORDER BY s.created_at DESC, s.token_hash"
        );
        let rows: Vec<RawSession> = on_pool!(self, c => sqlx::query_as(&sql)
            .bind(username)
            .bind(now)
            .fetch_all(c)
            .await)?;
        Ok(rows.into_iter().map(SessionRow::from).collect())
    }

    /// The account a live setup code belongs to.
    pub async fn setup_code(&self, code_hash: &[u8], now: i64) -> Result<Option<String>> {
        let sql = "SELECT username FROM setup_codes WHERE code_hash = $1 AND expires_at > $2";
        Ok(on_pool!(self, c => sqlx::query_scalar(sql)
            .bind(code_hash)
            .bind(now)
            .fetch_optional(c)
            .await)?)
    }

    pub async fn recovery_codes_left(&self, username: &str) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM recovery_codes WHERE username = $1 AND used_at IS NULL";
        Ok(on_pool!(self, c => sqlx::query_scalar(sql).bind(username).fetch_one(c).await)?)
    }
}

impl Tx {
    pub async fn insert_staff(&mut self, row: &StaffRow, now: i64) -> Result<()> {
        let sql =
            "INSERT INTO staff (username, role, department, password_hash, disabled, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6)";
        on_tx!(self, c => sqlx::query(sql)
            .bind(&row.username)
            .bind(row.role)
            .bind(&row.department)
            .bind(row.password_hash.expose_secret())
            .bind(row.disabled)
            .bind(now)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Run one `UPDATE staff … WHERE username = $1` with `value` as $2; true when the account exists.
    async fn update_staff<T>(&mut self, set: &str, username: &str, value: T) -> Result<bool>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Sqlite>
            + sqlx::Type<sqlx::Sqlite>
            + for<'q> sqlx::Encode<'q, sqlx::Postgres>
            + sqlx::Type<sqlx::Postgres>
            + Send
            + 'static,
    {
        let sql = format!("UPDATE staff SET {set} WHERE username = $1");
        let n = on_tx!(self, c => sqlx::query(&sql)
            .bind(username)
            .bind(value)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    pub async fn set_password(&mut self, username: &str, hash: &str) -> Result<bool> {
        self.update_staff("password_hash = $2", username, hash.to_string())
            .await
    }

    pub async fn set_disabled(&mut self, username: &str, disabled: bool) -> Result<bool> {
        self.update_staff("disabled = $2", username, disabled).await
    }

    pub async fn set_placement(
        &mut self,
        username: &str,
        role: Role,
        department: Option<&str>,
    ) -> Result<bool> {
        let sql = "UPDATE staff SET role = $2, department = $3 WHERE username = $1";
        let n = on_tx!(self, c => sqlx::query(sql)
            .bind(username)
            .bind(role)
            .bind(department)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Take away the password, the second factor and the recovery codes (a reset): the account can
    /// sign in again only through a setup code.
    pub async fn clear_credentials(&mut self, username: &str) -> Result<bool> {
        let cleared = self
            .update_staff(
                "password_hash = $2, totp_key_id = NULL, totp_sealed = NULL, \
                 totp_pending_key_id = NULL, totp_pending_sealed = NULL, totp_last_step = NULL",
                username,
                String::new(),
            )
            .await?;
        self.replace_recovery_codes(username, &[]).await?;
        Ok(cleared)
    }

    /// Keep a secret shown for enrolment until it is confirmed with a code.
    pub async fn set_pending_totp(&mut self, username: &str, secret: &Sealed) -> Result<bool> {
        let sql = "UPDATE staff SET totp_pending_key_id = $2, totp_pending_sealed = $3 \
                   WHERE username = $1";
        let n = on_tx!(self, c => sqlx::query(sql)
            .bind(username)
            .bind(&secret.key_id)
            .bind(&secret.blob)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// The pending secret becomes the enrolled one, with `step` (whose code confirmed it) used.
    pub async fn activate_totp(&mut self, username: &str, step: i64) -> Result<bool> {
        self.update_staff(
            "totp_key_id = totp_pending_key_id, totp_sealed = totp_pending_sealed, \
             totp_pending_key_id = NULL, totp_pending_sealed = NULL, totp_last_step = $2",
            username,
            step,
        )
        .await
    }

    /// Record `step` as used, only if it is later than the last one used: false means someone used
    /// this step (or a later one) first, so the code is a replay.
    pub async fn use_totp_step(&mut self, username: &str, step: i64) -> Result<bool> {
        let sql = "UPDATE staff SET totp_last_step = $2 WHERE username = $1 \
                   AND (totp_last_step IS NULL OR totp_last_step < $2)";
        let n = on_tx!(self, c => sqlx::query(sql)
            .bind(username)
            .bind(step)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    pub async fn replace_recovery_codes(
        &mut self,
        username: &str,
        hashes: &[Vec<u8>],
    ) -> Result<()> {
        let delete = "DELETE FROM recovery_codes WHERE username = $1";
        on_tx!(self, c => sqlx::query(delete).bind(username).execute(c).await.map(|_| ()))?;
        let insert = "INSERT INTO recovery_codes (username, code_hash) VALUES ($1, $2)";
        for h in hashes {
            on_tx!(self, c => sqlx::query(insert)
                .bind(username)
                .bind(h)
                .execute(c)
                .await
                .map(|_| ()))?;
        }
        Ok(())
    }

    /// Use a recovery code: false when it is not one of the account's unused codes.
    pub async fn use_recovery_code(
        &mut self,
        username: &str,
        hash: &[u8],
        now: i64,
    ) -> Result<bool> {
        let sql = "UPDATE recovery_codes SET used_at = $3 \
                   WHERE username = $1 AND code_hash = $2 AND used_at IS NULL";
        let n = on_tx!(self, c => sqlx::query(sql)
            .bind(username)
            .bind(hash)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// The account's one setup code becomes `code_hash` (an earlier one stops working).
    pub async fn replace_setup_code(
        &mut self,
        username: &str,
        code_hash: &[u8],
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        self.delete_setup_codes(username).await?;
        let sql = "INSERT INTO setup_codes (code_hash, username, created_at, expires_at) \
                   VALUES ($1, $2, $3, $4)";
        on_tx!(self, c => sqlx::query(sql)
            .bind(code_hash)
            .bind(username)
            .bind(now)
            .bind(expires_at)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Use up a live setup code: the account it was for, or None when it is unknown, expired or was
    /// used a moment ago by someone else.
    pub async fn take_setup_code(&mut self, code_hash: &[u8], now: i64) -> Result<Option<String>> {
        let sql = "DELETE FROM setup_codes WHERE code_hash = $1 AND expires_at > $2 \
                   RETURNING username";
        Ok(on_tx!(self, c => sqlx::query_scalar(sql)
            .bind(code_hash)
            .bind(now)
            .fetch_optional(c)
            .await)?)
    }

    pub async fn delete_setup_codes(&mut self, username: &str) -> Result<()> {
        let sql = "DELETE FROM setup_codes WHERE username = $1";
        on_tx!(self, c => sqlx::query(sql).bind(username).execute(c).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn insert_session(
        &mut self,
        token_hash: &[u8],
        username: &str,
        csrf_token: &str,
        kind: SessionKind,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        // Expired sessions are swept here, on the rare write path, rather than by another job.
        let sweep = "DELETE FROM sessions WHERE expires_at <= $1";
        on_tx!(self, c => sqlx::query(sweep).bind(now).execute(c).await.map(|_| ()))?;
        let sql =
            "INSERT INTO sessions (token_hash, username, csrf_token, kind, created_at, expires_at) \
                   VALUES ($1, $2, $3, $4, $5, $6)";
        on_tx!(self, c => sqlx::query(sql)
            .bind(token_hash)
            .bind(username)
            .bind(csrf_token)
            .bind(kind.as_str())
            .bind(now)
            .bind(expires_at)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// An enrolment session becomes a page session once the second factor is enrolled.
    pub async fn complete_session(&mut self, token_hash: &[u8], expires_at: i64) -> Result<()> {
        let sql = "UPDATE sessions SET kind = 'page', expires_at = $2 \
                   WHERE token_hash = $1 AND kind = 'enrolment'";
        on_tx!(self, c => sqlx::query(sql)
            .bind(token_hash)
            .bind(expires_at)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn delete_session(&mut self, token_hash: &[u8]) -> Result<bool> {
        let sql = "DELETE FROM sessions WHERE token_hash = $1";
        let n = on_tx!(self, c => sqlx::query(sql)
            .bind(token_hash)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// End every session of `username` but `keep` (the caller's own, when it changes its password).
    pub async fn delete_sessions_of(&mut self, username: &str, keep: Option<&[u8]>) -> Result<u64> {
        let keep = keep.map(<[u8]>::to_vec).unwrap_or_default();
        let sql = "DELETE FROM sessions WHERE username = $1 AND token_hash <> $2";
        let n = on_tx!(self, c => sqlx::query(sql)
            .bind(username)
            .bind(&keep)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n)
    }
}
