-- Deadlines that drive the sweeper and the supervisor's board. Same version and meaning as migrations/sqlite.

-- The deadline the department is working against now (NULL when the ball is not in its court); the
-- overdue list is "due_at < now" read in due_at order.
ALTER TABLE reports ADD COLUMN due_at BIGINT;
-- The next moment the sweeper must look at this item (NULL: nothing pending).
ALTER TABLE reports ADD COLUMN sweep_at BIGINT;
-- Which missed deadlines have already escalated, so a sweep is idempotent: the acknowledgement
-- deadline (0/1) and the response deadline value that was counted (a reopen sets a new one).
ALTER TABLE reports ADD COLUMN ack_missed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN respond_missed_due BIGINT;
-- The department whose supervisors an escalated item has reached.
ALTER TABLE reports ADD COLUMN escalated_to TEXT REFERENCES departments(code);
-- Waiting on the reporter: shown beside the deadlines, never subtracted from them.
ALTER TABLE reports ADD COLUMN awaiting_since BIGINT;
ALTER TABLE reports ADD COLUMN awaiting_secs BIGINT NOT NULL DEFAULT 0;

UPDATE reports SET due_at = CASE
    WHEN state = 'assigned' THEN acknowledge_due
    WHEN state = 'acknowledged' THEN respond_due
    WHEN state = 'transfer_requested' AND acknowledged_at IS NULL THEN acknowledge_due
    WHEN state = 'transfer_requested' THEN respond_due
    END;
UPDATE reports SET sweep_at = CASE
    WHEN state = 'responded' THEN confirm_due
    ELSE due_at
    END;

CREATE INDEX reports_sweep ON reports (sweep_at) WHERE sweep_at IS NOT NULL;
CREATE INDEX reports_due ON reports (due_at, department) WHERE due_at IS NOT NULL;
-- The board's open counts read only open states, from the index alone.
CREATE INDEX reports_board ON reports (state, department, due_at, escalation);
-- The board's 30-day figures are range scans on these covering indexes.
CREATE INDEX reports_acknowledged ON reports (acknowledged_at, department, dispatched_at) WHERE acknowledged_at IS NOT NULL;
CREATE INDEX reports_responded ON reports (responded_at, department, dispatched_at) WHERE responded_at IS NOT NULL;
CREATE INDEX reports_closed ON reports (closed_at, department, state, confirmed, reopens) WHERE closed_at IS NOT NULL;
