-- PostgreSQL's 0003 turns the flag columns into BOOLEAN. SQLite stores booleans as 0/1 integers,
-- which its driver already reads as bool, so nothing changes here; the file keeps the versions in step.
SELECT 1;
