-- One-time form tokens (issue 15). Same version and meaning as migrations/postgres.

-- Every page form that changes something carries a random token; its first post claims it here, so a
-- reload or Back that posts it again is answered "already done" instead of acting twice. Only a keyed
-- digest of the token and the form's path is kept, with the local day of use (never the instant, no
-- report, no account, no address); rows older than a day are deleted as new ones arrive.
CREATE TABLE form_tokens (
    digest   BLOB PRIMARY KEY,
    used_on  INTEGER NOT NULL
);
CREATE INDEX form_tokens_used_on ON form_tokens (used_on);
