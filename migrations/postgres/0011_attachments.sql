-- Attachments (issue 13). Same version and meaning as migrations/sqlite.

-- A file attached to a report (message_id and pending_id empty) or to a reporter's reply: while the
-- reply waits for its release, pending_id names it and staff see nothing; at the release the file
-- moves to the reply's message. Stored only after its metadata was removed; the file and what the
-- reporter was told about it (its type, size and what was removed) are sealed and padded like every
-- text, with the report id and "attachment:<idx>" bound. No name, size or type is stored in the
-- clear. Keyed by the report id, so that wiping a report's content wipes its files with it.
CREATE TABLE attachments (
    report_id    TEXT NOT NULL REFERENCES reports(id),
    idx          BIGINT NOT NULL,
    pending_id   BIGINT,
    message_id   BIGINT REFERENCES messages(id),
    key_id       TEXT NOT NULL,
    meta_sealed  BYTEA NOT NULL,
    body_sealed  BYTEA NOT NULL,
    PRIMARY KEY (report_id, idx)
);
CREATE INDEX attachments_pending ON attachments (pending_id) WHERE pending_id IS NOT NULL;
