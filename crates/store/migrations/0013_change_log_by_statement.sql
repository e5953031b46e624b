-- The change log staged by statement, not by row: a bulk write (an upload of thousands of
-- units) stages its entries with one query a statement over the statement's transition
-- tables, and its commit moves all of its transaction's entries into the log with one query,
-- under the lock. What is logged is as before (migration 0011).

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['admin_units', 'lockdown_zones', 'lockdown_points', 'checkpoints',
                             'quarantine_camps', 'testing_sites', 'essential_services', 'commune_levels',
                             'daily_figures', 'returning_workers', 'documents', 'unit_changes'] LOOP
        EXECUTE format('DROP TRIGGER %1$s_logged ON %1$s', t);
    END LOOP;
END $$;
DROP FUNCTION covidmap_stage_change();

-- Stages a statement's versions: written (INSERT), or closed (UPDATE of valid_to: a
-- deletion unless a new version replaces it by the commit). Arguments: the key column, and
-- where the change took place: 'geom' (the rows' own geometry), 'unit:<column>' (the unit
-- whose code the column holds), 'province' or 'none'.
CREATE FUNCTION covidmap_stage_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    key_column text := TG_ARGV[0];
    place      text := TG_ARGV[1];
    t          text := TG_TABLE_NAME;
    kind_of    text := CASE t WHEN 'admin_units' THEN 'n.level' WHEN 'documents' THEN 'n.kind' ELSE 'NULL::text' END;
    -- Who: the organisation named by changed_by, else the upload's author, else as written;
    -- the writer's audit entry, read at the commit, has the last word.
    org_of     text := CASE t
        WHEN 'admin_units' THEN
            'coalesce((SELECT up.uploaded_by FROM uploads up WHERE up.id = n.upload_id), session_user)'
        ELSE
            'coalesce((SELECT o.id FROM organisations o WHERE o.id = n.changed_by OR o.name = n.changed_by
                       ORDER BY o.id = n.changed_by DESC LIMIT 1), n.changed_by)'
        END;
    status_of  text := CASE WHEN t IN ('lockdown_zones', 'lockdown_points') THEN 't.status' ELSE 'NULL::text' END;
    lifted     text := CASE WHEN t IN ('lockdown_zones', 'lockdown_points')
                            THEN 'n.status = ''lifted'' AND p.status IS DISTINCT FROM ''lifted''' ELSE 'false' END;
    box_of     text;
    box_before text := CASE WHEN place = 'geom' THEN 'box2d(t.geom)' ELSE 'NULL::box2d' END;
BEGIN
    box_of := CASE
        WHEN place = 'geom' THEN 'box2d(n.geom)'
        WHEN place LIKE 'unit:%' THEN format('(SELECT box2d(u.geom) FROM admin_units u WHERE u.code = n.%I AND u.valid_to IS NULL LIMIT 1)', substr(place, 6))
        WHEN place = 'province' THEN '(SELECT box2d(u.geom) FROM admin_units u WHERE u.level = ''province'' AND u.valid_to IS NULL LIMIT 1)'
        ELSE 'NULL::box2d' END;
    IF TG_OP = 'INSERT' THEN
        -- The version before: the latest one, if it was closed when this one began (one
        -- closed before was deleted, and this is a new creation).
        EXECUTE format($q$
            INSERT INTO change_log_pending (at, entity, key_column, kind, feature_id, operation, org_id,
                                            version_before, version_after, west, south, east, north)
            SELECT n.valid_from, %1$L, %2$L, %3$s, n.%2$I,
                   CASE WHEN p.version_id IS NULL THEN 'create' WHEN %4$s THEN 'lift' ELSE 'update' END,
                   %5$s, p.version_id, n.version_id,
                   least(ST_XMin(b.box), ST_XMin(p.box)), least(ST_YMin(b.box), ST_YMin(p.box)),
                   greatest(ST_XMax(b.box), ST_XMax(p.box)), greatest(ST_YMax(b.box), ST_YMax(p.box))
            FROM new_rows n
            CROSS JOIN LATERAL (SELECT %6$s AS box) b
            LEFT JOIN LATERAL (
                SELECT t.version_id, t.valid_to, %7$s AS status, %8$s AS box FROM %1$I t
                WHERE t.%2$I = n.%2$I AND t.version_id < n.version_id
                ORDER BY t.version_id DESC LIMIT 1
            ) p ON p.valid_to >= n.valid_from
            ORDER BY n.version_id $q$,
            t, key_column, kind_of, lifted, org_of, box_of, status_of, box_before);
    ELSE
        EXECUTE format($q$
            INSERT INTO change_log_pending (at, entity, key_column, kind, feature_id, operation, org_id,
                                            version_before, version_after, west, south, east, north)
            SELECT n.valid_to, %1$L, %2$L, %3$s, n.%2$I, 'delete', %4$s, n.version_id, NULL,
                   ST_XMin(b.box), ST_YMin(b.box), ST_XMax(b.box), ST_YMax(b.box)
            FROM new_rows n
            JOIN old_rows o ON o.version_id = n.version_id
            CROSS JOIN LATERAL (SELECT %5$s AS box) b
            WHERE o.valid_to IS NULL AND n.valid_to IS NOT NULL
            ORDER BY n.version_id $q$,
            t, key_column, kind_of, org_of, box_of);
    END IF;
    RETURN NULL;
END $$;

-- Moves the transaction's staged entries into the log as it commits: the first entry's
-- deferred trigger moves them all (the others find theirs gone). A closed version that a
-- new one replaced is dropped (the new one's entry tells it); the writers' audit entries,
-- made in the same transaction, name the operations and the organisations; then, under the
-- lock, the entries take their ids, in the order they were staged.
CREATE OR REPLACE FUNCTION covidmap_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    closed record;
    moving bigint;
    first  bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM change_log_pending WHERE pending_id = NEW.pending_id) THEN
        RETURN NULL;
    END IF;
    FOR closed IN SELECT DISTINCT entity, key_column FROM change_log_pending WHERE operation = 'delete' LOOP
        EXECUTE format('DELETE FROM change_log_pending p WHERE p.entity = %L AND p.operation = ''delete''
                        AND EXISTS (SELECT 1 FROM %I t WHERE t.%I = p.feature_id AND t.valid_to IS NULL)',
                       closed.entity, closed.entity, closed.key_column);
    END LOOP;
    WITH audited AS (
        SELECT p.pending_id, a.action, a.org_id
        FROM change_log_pending p
        CROSS JOIN LATERAL (
            SELECT a.action, a.org_id FROM audit_log a
            WHERE a.entity_type = p.entity AND a.entity_id = p.feature_id AND a.at = now()
              AND a.action IN ('create', 'update', 'lift', 'delete', 'revert')
            ORDER BY a.id DESC LIMIT 1) a
        WHERE p.entity <> 'admin_units')
    UPDATE change_log_pending p SET operation = audited.action, org_id = audited.org_id
    FROM audited WHERE p.pending_id = audited.pending_id;
    -- Units are written by an upload, or its revert: one audit entry for all of them.
    UPDATE change_log_pending p
    SET org_id = a.org_id, operation = CASE WHEN a.action = 'revert_upload' THEN 'revert' ELSE p.operation END
    FROM (SELECT action, org_id FROM audit_log
          WHERE entity_type = 'boundaries' AND at = now() AND action IN ('upload', 'revert_upload')
          ORDER BY id DESC LIMIT 1) a
    WHERE p.entity = 'admin_units';

    PERFORM pg_advisory_xact_lock(hashtext('covidmap.change_log'));
    SELECT count(*) INTO moving FROM change_log_pending;
    IF moving > 0 THEN
        -- Ids taken as one block (no other writer takes one while the lock is held).
        first := nextval('change_log_id_seq');
        PERFORM setval('change_log_id_seq', first + moving - 1);
        WITH gone AS (DELETE FROM change_log_pending RETURNING *)
        INSERT INTO change_log (id, at, entity, kind, feature_id, operation, org_id, version_before,
                                version_after, west, south, east, north)
        SELECT first - 1 + row_number() OVER (ORDER BY pending_id), at, entity, kind, feature_id,
               operation, org_id, version_before, version_after, west, south, east, north
        FROM gone;
        -- A hint for followers to read the log now rather than at their next look.
        PERFORM pg_notify('covidmap_changes', '');
    END IF;
    RETURN NULL;
END $$;

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
        EXECUTE format('CREATE TRIGGER %1$s_logged AFTER INSERT ON %1$s REFERENCING NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION covidmap_stage_changes(%2$L, %3$L)', t[1], t[2], t[3]);
        EXECUTE format('CREATE TRIGGER %1$s_closed AFTER UPDATE ON %1$s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION covidmap_stage_changes(%2$L, %3$L)', t[1], t[2], t[3]);
    END LOOP;
END $$;
