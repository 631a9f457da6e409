-- Safe to speak (issue 12). Same version and meaning as migrations/postgres.

-- A reporter's confirm, reopen, withdrawal or reply waits here until its random release time; only
-- then does it change the item, its messages and the audit log, all at once. Until then nothing staff
-- can read changes. `acted_on` is the start of the local day of the action, never the instant; a
-- reply's or a reopen's text is sealed (and padded) like every other message.
CREATE TABLE pending_actions (
    id            INTEGER PRIMARY KEY,
    report_id     TEXT NOT NULL REFERENCES reports(id),
    action        TEXT NOT NULL CHECK (action IN ('message', 'confirm', 'reopen', 'withdraw')),
    satisfaction  INTEGER,
    key_id        TEXT,
    body_sealed   BLOB,
    acted_on      INTEGER NOT NULL,
    release_at    INTEGER NOT NULL
);
CREATE INDEX pending_actions_due ON pending_actions (release_at);
CREATE INDEX pending_actions_report ON pending_actions (report_id, id);

-- The public checkpoint of the audit log, one per schedule slot (the slot's start, unix seconds):
-- the first instance to publish a slot stores the head it signed, and every instance publishes that
-- one for the whole slot. Ed25519 is deterministic, so the signature need not be stored.
CREATE TABLE checkpoints (
    slot  INTEGER PRIMARY KEY,
    size  INTEGER NOT NULL,
    head  BLOB NOT NULL
);

-- The approximate number of cadres who work in an area (the organisation file's `cadres`): staff see
-- an area only down to the deepest level with at least `--area-k` of them.
ALTER TABLE areas ADD COLUMN cadres INTEGER;

-- A retaliation report is an item of its own kind, linked to the report its reporter made before.
ALTER TABLE reports ADD COLUMN kind TEXT NOT NULL DEFAULT 'report' CHECK (kind IN ('report', 'retaliation'));
ALTER TABLE reports ADD COLUMN related_to TEXT REFERENCES reports(id);
CREATE INDEX reports_related ON reports (related_to) WHERE related_to IS NOT NULL;

-- The board's open items by area read only open states, from the index alone.
CREATE INDEX reports_open_area ON reports (state, department, area, due_at);
