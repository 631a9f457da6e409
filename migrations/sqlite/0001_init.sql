-- Zhiyan schema, SQLite dialect. Same version numbers and meaning as migrations/postgres.
-- Times are unix seconds (UTC). Reporter-originated times are stored truncated to the start of the
-- local day, never exactly (anonymity invariant 4).

CREATE TABLE departments (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    name_en  TEXT,
    parent   TEXT REFERENCES departments(code),
    retired  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE areas (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    name_en  TEXT,
    parent   TEXT REFERENCES areas(code),
    retired  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE categories (
    code                TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    name_en             TEXT,
    acknowledge_within  INTEGER NOT NULL,
    respond_within      INTEGER NOT NULL,
    confirm_within      INTEGER NOT NULL,
    position            INTEGER NOT NULL DEFAULT 0,
    retired             INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE routing_rules (
    id          INTEGER PRIMARY KEY,
    category    TEXT REFERENCES categories(code),
    area        TEXT REFERENCES areas(code),
    department  TEXT NOT NULL REFERENCES departments(code),
    priority    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

CREATE TABLE staff (
    username       TEXT PRIMARY KEY,
    role           TEXT NOT NULL CHECK (role IN ('desk', 'supervisor', 'admin')),
    department     TEXT REFERENCES departments(code),
    password_hash  TEXT NOT NULL,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash  BLOB PRIMARY KEY,
    username    TEXT NOT NULL REFERENCES staff(username),
    csrf_token  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE reports (
    id                  TEXT PRIMARY KEY,
    receipt_mac         BLOB NOT NULL UNIQUE,
    category            TEXT NOT NULL REFERENCES categories(code),
    area                TEXT NOT NULL REFERENCES areas(code),
    subject_department  TEXT REFERENCES departments(code),
    department          TEXT NOT NULL REFERENCES departments(code),
    routed_to_triage    INTEGER NOT NULL DEFAULT 0,
    state               TEXT NOT NULL,
    confirmed           INTEGER,
    outcome             TEXT,
    satisfaction        INTEGER,
    key_id              TEXT NOT NULL,
    title_sealed        BLOB NOT NULL,
    body_sealed         BLOB NOT NULL,
    received_on         INTEGER NOT NULL,
    release_at          INTEGER NOT NULL,
    dispatched_at       INTEGER,
    acknowledge_due     INTEGER,
    respond_due         INTEGER,
    confirm_due         INTEGER,
    acknowledged_at     INTEGER,
    responded_at        INTEGER,
    closed_at           INTEGER,
    transfers           INTEGER NOT NULL DEFAULT 0,
    reopens             INTEGER NOT NULL DEFAULT 0,
    escalation          INTEGER NOT NULL DEFAULT 0,
    duplicate_of        TEXT REFERENCES reports(id),
    version             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX reports_department_state ON reports (department, state);
CREATE INDEX reports_pending_release ON reports (state, release_at);

CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    report_id    TEXT NOT NULL REFERENCES reports(id),
    author       TEXT NOT NULL CHECK (author IN ('reporter', 'department', 'supervisor')),
    kind         TEXT NOT NULL,
    internal     INTEGER NOT NULL DEFAULT 0,
    outcome      TEXT,
    key_id       TEXT NOT NULL,
    body_sealed  BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    release_at   INTEGER NOT NULL
);
CREATE INDEX messages_report ON messages (report_id, id);

-- The audit log: an append-only SHA-256 hash chain. seq is the chain position (1, 2, ...), assigned by
-- the writer that holds the chain lock, so a gap or a fork is a constraint violation, not a silent error.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    report_id   TEXT,
    kind        TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    actor       TEXT,
    department  TEXT,
    from_state  TEXT,
    to_state    TEXT,
    detail      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL
);
CREATE INDEX events_report ON events (report_id, seq);
