-- Personal staff accounts with a second factor. Same version and meaning as migrations/sqlite.
--
-- password_hash is '' while an account has no password yet (created with a setup code, or reset):
-- such an account cannot sign in until its holder uses the setup code.
-- The TOTP secret is sealed with the keyring like report text (bound to "staff/<username>"); the
-- pending one is a secret shown for enrolment and not yet confirmed with a code. totp_last_step is
-- the highest 30-second step whose code was accepted: a code is never accepted twice.
ALTER TABLE staff ADD COLUMN totp_key_id TEXT;
ALTER TABLE staff ADD COLUMN totp_sealed BYTEA;
ALTER TABLE staff ADD COLUMN totp_pending_key_id TEXT;
ALTER TABLE staff ADD COLUMN totp_pending_sealed BYTEA;
ALTER TABLE staff ADD COLUMN totp_last_step BIGINT;

-- Ten single-use codes per account for when the phone is lost; only their SHA-256 is kept.
CREATE TABLE recovery_codes (
    username   TEXT NOT NULL REFERENCES staff(username),
    code_hash  BYTEA NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (username, code_hash)
);

-- One live setup code per account (SHA-256 only): valid 24 hours, used once to set a password and
-- enrol two-factor sign-in. No administrator ever sees or sets a password.
CREATE TABLE setup_codes (
    code_hash   BYTEA PRIMARY KEY,
    username    TEXT NOT NULL UNIQUE REFERENCES staff(username),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

-- What a session is: 'page' (the cookie), 'api' (a bearer token), or 'enrolment' (password checked,
-- second factor not yet enrolled: it reaches only the enrolment page).
ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'page';
CREATE INDEX sessions_username ON sessions (username);
-- Sign-in now needs the second factor: sessions opened without one end here.
DELETE FROM sessions;
