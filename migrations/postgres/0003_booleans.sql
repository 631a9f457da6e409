-- Flags become BOOLEAN, so the native driver decodes them as bool. SQLite keeps 0/1 integers, which
-- its driver already reads as bool; its 0003 changes nothing, to keep the versions in step.
ALTER TABLE departments ALTER COLUMN retired DROP DEFAULT;
ALTER TABLE departments ALTER COLUMN retired TYPE BOOLEAN USING retired <> 0;
ALTER TABLE departments ALTER COLUMN retired SET DEFAULT FALSE;
ALTER TABLE areas ALTER COLUMN retired DROP DEFAULT;
ALTER TABLE areas ALTER COLUMN retired TYPE BOOLEAN USING retired <> 0;
ALTER TABLE areas ALTER COLUMN retired SET DEFAULT FALSE;
ALTER TABLE categories ALTER COLUMN retired DROP DEFAULT;
ALTER TABLE categories ALTER COLUMN retired TYPE BOOLEAN USING retired <> 0;
ALTER TABLE categories ALTER COLUMN retired SET DEFAULT FALSE;
ALTER TABLE staff ALTER COLUMN disabled DROP DEFAULT;
ALTER TABLE staff ALTER COLUMN disabled TYPE BOOLEAN USING disabled <> 0;
ALTER TABLE staff ALTER COLUMN disabled SET DEFAULT FALSE;
ALTER TABLE reports ALTER COLUMN routed_to_triage DROP DEFAULT;
ALTER TABLE reports ALTER COLUMN routed_to_triage TYPE BOOLEAN USING routed_to_triage <> 0;
ALTER TABLE reports ALTER COLUMN routed_to_triage SET DEFAULT FALSE;
ALTER TABLE reports ALTER COLUMN confirmed TYPE BOOLEAN USING confirmed <> 0;
ALTER TABLE reports ALTER COLUMN ack_missed DROP DEFAULT;
ALTER TABLE reports ALTER COLUMN ack_missed TYPE BOOLEAN USING ack_missed <> 0;
ALTER TABLE reports ALTER COLUMN ack_missed SET DEFAULT FALSE;
ALTER TABLE messages ALTER COLUMN internal DROP DEFAULT;
ALTER TABLE messages ALTER COLUMN internal TYPE BOOLEAN USING internal <> 0;
ALTER TABLE messages ALTER COLUMN internal SET DEFAULT FALSE;
