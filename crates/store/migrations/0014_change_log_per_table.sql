-- The change log's staging, cheaper (what is logged is as in migration 0013):
-- - each logged table gets its own staging functions, written out with its names, so that
--   PostgreSQL plans their statements once per connection instead of parsing a dynamic
--   statement at every write (that was most of what the log added to a one-row write);
-- - the writer says who writes, and whether it reverts, in two settings of its transaction
--   (`covidmap.org`, `covidmap.operation`, set with `set_config(…, true)`), read as the
--   change is staged; the mover no longer matches audit entries by their time. A plain SQL
--   statement by an operator sets neither: its entries name the row's author as before.
--
-- A table is logged by `SELECT covidmap_log_table(table, key column, place)`; place is
-- 'geom' (the rows' own geometry), 'unit:<column>' (the unit whose code the column holds),
-- 'province' or 'none'. A new layer's migration calls it too.

CREATE FUNCTION covidmap_log_table(t text, key_column text, place text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    kind_of    text := CASE t WHEN 'admin_units' THEN 'n.level' WHEN 'documents' THEN 'n.kind' ELSE 'NULL::text' END;
    -- Who: the writer's organisation, else the organisation named by changed_by, else the
    -- upload's author, else as written.
    org_of     text := CASE t
        WHEN 'admin_units' THEN
            'coalesce(nullif(current_setting(''covidmap.org'', true), ''''),
                      (SELECT up.uploaded_by FROM uploads up WHERE up.id = n.upload_id), session_user)'
        ELSE
            'coalesce(nullif(current_setting(''covidmap.org'', true), ''''),
                      (SELECT o.id FROM organisations o WHERE o.id = n.changed_by OR o.name = n.changed_by
                       ORDER BY o.id = n.changed_by DESC LIMIT 1), n.changed_by)'
        END;
    status_of  text := CASE WHEN t IN ('lockdown_zones', 'lockdown_points') THEN 't.status' ELSE 'NULL::text' END;
    lifted     text := CASE WHEN t IN ('lockdown_zones', 'lockdown_points')
                            THEN 'n.status = ''lifted'' AND p.status IS DISTINCT FROM ''lifted''' ELSE 'false' END;
    box_before text := CASE WHEN place = 'geom' THEN 'box2d(t.geom)' ELSE 'NULL::box2d' END;
    box_of     text := CASE
        WHEN place = 'geom' THEN 'box2d(n.geom)'
        WHEN place LIKE 'unit:%' THEN format('(SELECT box2d(u.geom) FROM admin_units u WHERE u.code = n.%I AND u.valid_to IS NULL LIMIT 1)', substr(place, 6))
        WHEN place = 'province' THEN '(SELECT box2d(u.geom) FROM admin_units u WHERE u.level = ''province'' AND u.valid_to IS NULL LIMIT 1)'
        ELSE 'NULL::box2d' END;
BEGIN
    -- Written versions. The version before: the latest one, if it was closed when this one
    -- began (one closed before was deleted, and this is a new creation). A revert says so.
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION %1$I() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            INSERT INTO change_log_pending (at, entity, key_column, kind, feature_id, operation, org_id,
                                            version_before, version_after, west, south, east, north)
            SELECT n.valid_from, %2$L, %3$L, %4$s, n.%3$I,
                   CASE WHEN current_setting('covidmap.operation', true) = 'revert' THEN 'revert'
                        WHEN p.version_id IS NULL THEN 'create' WHEN %5$s THEN 'lift' ELSE 'update' END,
                   %6$s, p.version_id, n.version_id,
                   least(ST_XMin(b.box), ST_XMin(p.box)), least(ST_YMin(b.box), ST_YMin(p.box)),
                   greatest(ST_XMax(b.box), ST_XMax(p.box)), greatest(ST_YMax(b.box), ST_YMax(p.box))
            FROM new_rows n
            CROSS JOIN LATERAL (SELECT %7$s AS box) b
            LEFT JOIN LATERAL (
                SELECT t.version_id, t.valid_to, %8$s AS status, %9$s AS box FROM %2$I t
                WHERE t.%3$I = n.%3$I AND t.version_id < n.version_id
                ORDER BY t.version_id DESC LIMIT 1
            ) p ON p.valid_to >= n.valid_from
            ORDER BY n.version_id;
            RETURN NULL;
        END $body$ $f$,
        'covidmap_stage_' || t || '_written', t, key_column, kind_of, lifted, org_of, box_of,
        status_of, box_before);
    -- Closed versions: a deletion (or a revert's: an upload's units taken back), unless a
    -- new version replaces it by the commit.
    EXECUTE format($f$
        CREATE OR REPLACE FUNCTION %1$I() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            INSERT INTO change_log_pending (at, entity, key_column, kind, feature_id, operation, org_id,
                                            version_before, version_after, west, south, east, north)
            SELECT n.valid_to, %2$L, %3$L, %4$s, n.%3$I,
                   CASE WHEN current_setting('covidmap.operation', true) = 'revert' THEN 'revert' ELSE 'delete' END,
                   %5$s, n.version_id, NULL,
                   ST_XMin(b.box), ST_YMin(b.box), ST_XMax(b.box), ST_YMax(b.box)
            FROM new_rows n
            JOIN old_rows o ON o.version_id = n.version_id
            CROSS JOIN LATERAL (SELECT %6$s AS box) b
            WHERE o.valid_to IS NULL AND n.valid_to IS NOT NULL
            ORDER BY n.version_id;
            RETURN NULL;
        END $body$ $f$,
        'covidmap_stage_' || t || '_closed', t, key_column, kind_of, org_of, box_of);
    EXECUTE format('DROP TRIGGER IF EXISTS %1$s_logged ON %1$I', t);
    EXECUTE format('DROP TRIGGER IF EXISTS %1$s_closed ON %1$I', t);
    EXECUTE format('CREATE TRIGGER %1$s_logged AFTER INSERT ON %1$I REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION %2$I()', t, 'covidmap_stage_' || t || '_written');
    EXECUTE format('CREATE TRIGGER %1$s_closed AFTER UPDATE ON %1$I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION %2$I()', t, 'covidmap_stage_' || t || '_closed');
END $fn$;

SELECT covidmap_log_table(t, key_column, place)
FROM (VALUES
    ('admin_units', 'code', 'geom'),
    ('lockdown_zones', 'id', 'geom'),
    ('lockdown_points', 'id', 'geom'),
    ('checkpoints', 'id', 'geom'),
    ('quarantine_camps', 'id', 'geom'),
    ('testing_sites', 'id', 'geom'),
    ('essential_services', 'id', 'geom'),
    ('commune_levels', 'id', 'unit:id'),
    ('daily_figures', 'id', 'unit:commune_code'),
    ('returning_workers', 'id', 'unit:commune_code'),
    ('documents', 'id', 'province'),
    ('unit_changes', 'id', 'unit:successor_code')) AS logged (t, key_column, place);
DROP FUNCTION covidmap_stage_changes();

-- Moves the transaction's staged entries into the log as it commits: the first entry's
-- deferred trigger moves them all (the others find theirs gone). A closed version that a
-- new one replaced is dropped (the new one's entry tells it); then, under the lock held
-- until the commit is visible, the entries take their ids, in the order they were staged.
CREATE OR REPLACE FUNCTION covidmap_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    closed record;
    moving bigint;
    first  bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM change_log_pending WHERE pending_id = NEW.pending_id) THEN
        RETURN NULL;
    END IF;
    FOR closed IN SELECT DISTINCT entity, key_column FROM change_log_pending WHERE version_after IS NULL LOOP
        EXECUTE format('DELETE FROM change_log_pending p WHERE p.entity = %L AND p.version_after IS NULL
                        AND EXISTS (SELECT 1 FROM %I t WHERE t.%I = p.feature_id AND t.valid_to IS NULL)',
                       closed.entity, closed.entity, closed.key_column);
    END LOOP;
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
