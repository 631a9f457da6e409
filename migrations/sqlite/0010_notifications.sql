-- Notifications to desks and supervisors. Same version and meaning as migrations/postgres.
--
-- A staff member's own channel: an address and a schedule ('off', 'hourly': an hourly message when
-- something is new plus the daily digest, 'daily': the digest only).
ALTER TABLE staff ADD COLUMN email TEXT;
ALTER TABLE staff ADD COLUMN email_schedule TEXT NOT NULL DEFAULT 'off';

-- A department's webhook (a group-chat robot or any receiver). The signing secret is sealed with
-- the keyring like a TOTP secret (bound to "webhook/<department>").
CREATE TABLE department_webhooks (
    department     TEXT PRIMARY KEY REFERENCES departments(code),
    url            TEXT NOT NULL,
    format         TEXT NOT NULL,
    schedule       TEXT NOT NULL,
    secret_key_id  TEXT NOT NULL,
    secret_sealed  BLOB NOT NULL
);

-- The outbox of things to tell: written in the transaction of the change that owes it, deleted by
-- the scheduled message that counts it. It holds no time and no item: only what and whose.
CREATE TABLE notices (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    department  TEXT NOT NULL
);

-- Each scheduled slot is composed once, by whichever instance gets there first.
CREATE TABLE notification_slots (
    slot         INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    composed_at  INTEGER NOT NULL,
    PRIMARY KEY (slot, kind)
);

-- One message to one channel for one slot, until it is sent or given up. claimed_until is the
-- lease of the instance sending it; counts is the message's figures as JSON.
CREATE TABLE deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    channel          TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    slot             INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    counts           TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    claimed_until    INTEGER,
    last_error       TEXT,
    sent_at          INTEGER,
    UNIQUE (channel, recipient, slot, kind)
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);

-- Every attempt to send, for the record and the board.
CREATE TABLE delivery_attempts (
    delivery_id  INTEGER NOT NULL REFERENCES deliveries(id),
    attempt      INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    error        TEXT,
    PRIMARY KEY (delivery_id, attempt)
);
