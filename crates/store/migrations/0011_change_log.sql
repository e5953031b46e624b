-- The change log: one row for each version written or closed, by any writer (the API, an
-- upload, a revert, an operator's plain SQL), added by the database in the writing
-- transaction, so that nothing is logged that did not commit and nothing commits unlogged.
--
-- Its ids increase in commit order, so that a reader that has seen id N has seen every
-- change before it. Each write first stages its entry (change_log_pending, by a trigger
-- that runs with the statement: the previous version, the extent, the author); as the
-- transaction commits, a deferred trigger moves each staged entry into the log under a lock
-- held until the commit is visible, and only then takes its id. Writers queue on that lock
-- only for those moves, not for their whole transaction nor for the work of staging.
CREATE SEQUENCE change_log_id_seq;

CREATE TABLE change_log (
    id             bigint      PRIMARY KEY,
    at             timestamptz NOT NULL,
    entity         text        NOT NULL,  -- the table
    kind           text,                  -- a unit's level, a document's kind
    feature_id     text        NOT NULL,
    operation      text        NOT NULL CHECK (operation IN ('create', 'update', 'lift', 'delete', 'revert')),
    org_id         text        NOT NULL,
    version_before bigint,
    version_after  bigint,
    -- The extent touched (before and after, WGS 84); none for what has no place.
    west           double precision,
    south          double precision,
    east           double precision,
    north          double precision,
    CHECK (version_before IS NOT NULL OR version_after IS NOT NULL)
);
CREATE INDEX change_log_at ON change_log (at);

-- Retention drops the oldest changes; a follower that last saw one of them has missed some.
CREATE TABLE change_log_trimmed (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    through  bigint  NOT NULL DEFAULT 0
);
INSERT INTO change_log_trimmed DEFAULT VALUES;

CREATE FUNCTION covidmap_change_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the change log is append-only (change %); old changes are dropped only by retention', OLD.id;
END $$;
CREATE TRIGGER change_log_append_only BEFORE UPDATE ON change_log
    FOR EACH ROW EXECUTE FUNCTION covidmap_change_log_append_only();

-- Entries being written by transactions in progress (never seen committed: each is moved
-- into the log, or dropped, before its transaction commits).
CREATE TABLE change_log_pending (
    pending_id     bigserial PRIMARY KEY,
    at             timestamptz NOT NULL,
    entity         text        NOT NULL,
    key_column     text        NOT NULL,
    kind           text,
    feature_id     text        NOT NULL,
    operation      text        NOT NULL,
    org_id         text        NOT NULL,
    version_before bigint,
    version_after  bigint,
    west           double precision,
    south          double precision,
    east           double precision,
    north          double precision
);

-- Stages one version: written (INSERT), or closed (UPDATE of valid_to: a deletion unless a
-- new version replaces it by the commit). Arguments: the key column, and where the change
-- took place: 'geom' (the rows' own geometry), 'unit:<column>' (the unit whose code the
-- column holds), 'province' or 'none'.
CREATE FUNCTION covidmap_stage_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    key_column text := TG_ARGV[0];
    place      text := TG_ARGV[1];
    row_       jsonb := to_jsonb(NEW) - 'geom' - 'pdf';
    feature    text := row_ ->> key_column;
    previous   jsonb;
    operation_ text;
    at_        timestamptz;
    before_id  bigint;
    after_id   bigint;
    extent     box2d;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.valid_to IS NOT NULL OR NEW.valid_to IS NULL THEN
            RETURN NULL;
        END IF;
        operation_ := 'delete';
        before_id := NEW.version_id;
        at_ := NEW.valid_to;
    ELSE
        after_id := NEW.version_id;
        at_ := NEW.valid_from;
        EXECUTE format('SELECT to_jsonb(t) - ''geom'' - ''pdf'' FROM %I t WHERE %I = $1 AND version_id < $2
                        ORDER BY version_id DESC LIMIT 1', TG_TABLE_NAME, key_column)
            INTO previous USING feature, NEW.version_id;
        -- An earlier version closed when this one began is replaced; one closed before was
        -- deleted, and this is a new creation.
        IF previous IS NOT NULL AND (previous ->> 'valid_to')::timestamptz >= NEW.valid_from THEN
            before_id := (previous ->> 'version_id')::bigint;
        ELSE
            previous := NULL;
        END IF;
        operation_ := CASE
            WHEN before_id IS NULL THEN 'create'
            WHEN row_ ->> 'status' = 'lifted' AND previous ->> 'status' IS DISTINCT FROM 'lifted' THEN 'lift'
            ELSE 'update' END;
    END IF;

    IF place = 'geom' THEN
        EXECUTE format('SELECT ST_Extent(geom) FROM %I WHERE version_id IN ($1, $2)', TG_TABLE_NAME)
            INTO extent USING before_id, after_id;
    ELSIF place LIKE 'unit:%' THEN
        SELECT ST_Extent(u.geom) INTO extent FROM admin_units u
        WHERE u.code = row_ ->> substr(place, 6) AND u.valid_to IS NULL;
    ELSIF place = 'province' THEN
        SELECT ST_Extent(u.geom) INTO extent FROM admin_units u
        WHERE u.level = 'province' AND u.valid_to IS NULL;
    END IF;

    INSERT INTO change_log_pending (at, entity, key_column, kind, feature_id, operation, org_id,
                                    version_before, version_after, west, south, east, north)
    VALUES (at_, TG_TABLE_NAME, key_column,
            CASE TG_TABLE_NAME WHEN 'admin_units' THEN row_ ->> 'level' WHEN 'documents' THEN row_ ->> 'kind' END,
            feature, operation_,
            -- Who: the organisation named by changed_by, else the upload's author, else as
            -- written; the writer's audit entry, read at the commit, has the last word.
            coalesce(
                (SELECT o.id FROM organisations o
                 WHERE o.id = row_ ->> 'changed_by' OR o.name = row_ ->> 'changed_by'
                 ORDER BY o.id = row_ ->> 'changed_by' DESC LIMIT 1),
                (SELECT up.uploaded_by FROM uploads up WHERE up.id = (row_ ->> 'upload_id')::bigint),
                row_ ->> 'changed_by',
                session_user),
            before_id, after_id,
            ST_XMin(extent), ST_YMin(extent), ST_XMax(extent), ST_YMax(extent));
    RETURN NULL;
END $$;

-- Moves one staged entry into the log as its transaction commits: a closed version that a
-- new one replaced is dropped (the new one's entry tells it); the writer's audit entry, made
-- in the same transaction, names the operation and the organisation; then, under the lock,
-- the entry takes its id.
CREATE FUNCTION covidmap_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    replaced   boolean;
    operation_ text := NEW.operation;
    org        text := NEW.org_id;
    audited    text;
    audit_org  text;
BEGIN
    IF NEW.operation = 'delete' THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1 AND valid_to IS NULL)',
                       NEW.entity, NEW.key_column)
            INTO replaced USING NEW.feature_id;
        IF replaced THEN
            DELETE FROM change_log_pending WHERE pending_id = NEW.pending_id;
            RETURN NULL;
        END IF;
    END IF;
    IF NEW.entity = 'admin_units' THEN
        -- Units are written by an upload, or its revert: one audit entry for all of them.
        SELECT a.action, a.org_id INTO audited, audit_org
        FROM audit_log a
        WHERE a.entity_type = 'boundaries' AND a.at = now() AND a.action IN ('upload', 'revert_upload')
        ORDER BY a.id DESC LIMIT 1;
        IF audited = 'revert_upload' THEN
            operation_ := 'revert';
        END IF;
    ELSE
        SELECT a.action, a.org_id INTO audited, audit_org
        FROM audit_log a
        WHERE a.entity_type = NEW.entity AND a.entity_id = NEW.feature_id AND a.at = now()
          AND a.action IN ('create', 'update', 'lift', 'delete', 'revert')
        ORDER BY a.id DESC LIMIT 1;
        operation_ := coalesce(audited, operation_);
    END IF;
    org := coalesce(audit_org, org);

    PERFORM pg_advisory_xact_lock(hashtext('covidmap.change_log'));
    INSERT INTO change_log (id, at, entity, kind, feature_id, operation, org_id, version_before,
                            version_after, west, south, east, north)
    VALUES (nextval('change_log_id_seq'), NEW.at, NEW.entity, NEW.kind, NEW.feature_id, operation_, org,
            NEW.version_before, NEW.version_after, NEW.west, NEW.south, NEW.east, NEW.north);
    DELETE FROM change_log_pending WHERE pending_id = NEW.pending_id;
    -- A hint for followers to read the log now rather than at their next look; one per
    -- transaction (equal payloads are sent once), and nothing is lost if it is missed.
    PERFORM pg_notify('covidmap_changes', '');
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER change_log_pending_logged AFTER INSERT ON change_log_pending
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION covidmap_log_change();

-- The statement triggers that notified by table give way to the log.
DROP TRIGGER admin_units_changed ON admin_units;
DROP TRIGGER unit_changes_changed ON unit_changes;
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['lockdown_zones', 'lockdown_points', 'checkpoints', 'quarantine_camps',
                             'testing_sites', 'essential_services', 'commune_levels'] LOOP
        EXECUTE format('DROP TRIGGER %1$s_changed ON %1$s', t);
    END LOOP;
END $$;
DROP FUNCTION covidmap_notify_change();

DO $$
DECLARE
    logged text[][] := ARRAY[
        ['admin_units', 'code', 'geom'],
        ['lockdown_zones', 'id', 'geom'],
        ['lockdown_points', 'id', 'geom'],
        ['checkpoints', 'id', 'geom'],
        ['quarantine_camps', 'id', 'geom'],
        ['testing_sites', 'id', 'geom'],
        ['essential_services', 'id', 'geom'],
        ['commune_levels', 'id', 'unit:id'],
        ['daily_figures', 'id', 'unit:commune_code'],
        ['returning_workers', 'id', 'unit:commune_code'],
        ['documents', 'id', 'province'],
        ['unit_changes', 'id', 'unit:successor_code']];
    t text[];
BEGIN
    FOREACH t SLICE 1 IN ARRAY logged LOOP
        EXECUTE format('CREATE TRIGGER %1$s_logged AFTER INSERT OR UPDATE ON %1$s
                        FOR EACH ROW EXECUTE FUNCTION covidmap_stage_change(%2$L, %3$L)', t[1], t[2], t[3]);
    END LOOP;
END $$;
