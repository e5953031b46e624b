-- The units in force at a past moment (GET /api/v1/units?at=): every version of a level
-- and parent by when it began, so the past is read without a scan of all history.
CREATE INDEX admin_units_in_force ON admin_units (level, parent_code, valid_from);
