-- Issue 19: a case whose certificate could not be drawn at the last approval (a
-- character no font of the chain has) stays with the office, flagged: the characters,
-- named with their code points. NULL once the case moves on (issued, returned …).
ALTER TABLE applications ADD COLUMN issue_blocked TEXT;
