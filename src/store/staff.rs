//! Staff accounts and their sessions.
use super::{Result, Store, Tx};
use crate::domain::access::Role;
use secrecy::{ExposeSecret, SecretString};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StaffRow {
    pub username: String,
    pub role: Role,
    pub department: Option<String>,
    #[sqlx(try_from = "String")]
    pub password_hash: SecretString,
    pub disabled: bool,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub username: String,
    pub role: Role,
    pub department: Option<String>,
    #[sqlx(try_from = "String")]
    pub csrf_token: SecretString,
    pub expires_at: i64,
}

impl Store {
    pub async fn staff(&self, username: &str) -> Result<Option<StaffRow>> {
        let sql = "SELECT username, role, department, password_hash, disabled FROM staff WHERE username = $1";
        Ok(on_pool!(self, c => sqlx::query_as(sql).bind(username).fetch_optional(c).await)?)
    }

    /// The live session for a token hash, with its account (disabled accounts have none).
    pub async fn session(&self, token_hash: &[u8], now: i64) -> Result<Option<SessionRow>> {
        let sql = "SELECT s.username, a.role, a.department, s.csrf_token, s.expires_at \
                   FROM sessions s JOIN staff a ON a.username = s.username \
                   WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled = FALSE";
        Ok(
            on_pool!(self, c => sqlx::query_as(sql).bind(token_hash).bind(now).fetch_optional(c).await)?,
        )
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

    pub async fn insert_session(
        &mut self,
        token_hash: &[u8],
        username: &str,
        csrf_token: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        // Expired sessions are swept here, on the rare write path, rather than by another job.
        let sweep = "DELETE FROM sessions WHERE expires_at <= $1";
        on_tx!(self, c => sqlx::query(sweep).bind(now).execute(c).await.map(|_| ()))?;
        let sql =
            "INSERT INTO sessions (token_hash, username, csrf_token, created_at, expires_at) \
                   VALUES ($1, $2, $3, $4, $5)";
        on_tx!(self, c => sqlx::query(sql)
            .bind(token_hash)
            .bind(username)
            .bind(csrf_token)
            .bind(now)
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
}
