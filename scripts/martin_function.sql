-- The same tiles as `GET /tiles/{z}/{x}/{y}.mvt`, made by PostGIS for martin to serve: one
-- function source with every layer, the same zooms, attributes, extent (4096) and buffer (64).
-- Used by benches/tiles_vs_martin.sh; not part of the schema.

CREATE OR REPLACE FUNCTION covidmap_tiles(z integer, x integer, y integer)
RETURNS bytea LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    tile     geometry := ST_TileEnvelope(z, x, y);
    -- The tile and its buffer, in the data's CRS, for the index.
    area     geometry := ST_Transform(ST_TileEnvelope(z, x, y, margin => 64.0 / 4096), 4326);
    result   bytea := '';
    layer    bytea;
    lvl        text;
    layer_name text;
    min_zoom   integer;
BEGIN
    SELECT ST_AsMVT(q, 'districts', 4096, 'geom') INTO layer FROM (
        SELECT code, name, unit_type AS type, parent_code,
               ST_AsMVTGeom(ST_Transform(geom, 3857), tile, 4096, 64, true) AS geom
        FROM admin_units_current WHERE level = 'district' AND geom && area) q
    WHERE geom IS NOT NULL;
    result := result || coalesce(layer, '');
    IF z >= 9 THEN
        SELECT ST_AsMVT(q, 'communes', 4096, 'geom') INTO layer FROM (
            SELECT code, name, unit_type AS type, parent_code,
                   ST_AsMVTGeom(ST_Transform(geom, 3857), tile, 4096, 64, true) AS geom
            FROM admin_units_current WHERE level = 'commune' AND geom && area) q
        WHERE geom IS NOT NULL;
        result := result || coalesce(layer, '');
    END IF;
    IF z >= 12 THEN
        SELECT ST_AsMVT(q, 'hamlets', 4096, 'geom') INTO layer FROM (
            SELECT code, name, unit_type AS type, parent_code,
                   ST_AsMVTGeom(ST_Transform(geom, 3857), tile, 4096, 64, true) AS geom
            FROM admin_units_current WHERE level = 'hamlet' AND geom && area) q
        WHERE geom IS NOT NULL;
        result := result || coalesce(layer, '');
    END IF;
    IF z >= 7 THEN
        SELECT ST_AsMVT(q, 'commune_levels', 4096, 'geom') INTO layer FROM (
            SELECT u.code, u.name, l.level, l.active_cases,
                   ST_AsMVTGeom(ST_Transform(u.geom, 3857), tile, 4096, 64, true) AS geom
            FROM commune_levels l JOIN admin_units_current u ON u.code = l.id AND u.level = 'commune'
            WHERE l.valid_to IS NULL AND u.geom && area) q
        WHERE geom IS NOT NULL;
        result := result || coalesce(layer, '');
    END IF;
    SELECT ST_AsMVT(q, 'lockdown_zones', 4096, 'geom') INTO layer FROM (
        SELECT id, name, level, status, reason, declared_by,
               to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') AS since,
               to_char(planned_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') AS planned_end,
               ST_AsMVTGeom(ST_Transform(geom, 3857), tile, 4096, 64, true) AS geom
        FROM lockdown_zones WHERE valid_to IS NULL AND geom && area) q
    WHERE geom IS NOT NULL;
    result := result || coalesce(layer, '');
    SELECT ST_AsMVT(q, 'lockdown_points', 4096, 'geom') INTO layer FROM (
        SELECT id, name, level, status, reason, declared_by,
               to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') AS since,
               to_char(planned_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') AS planned_end,
               round(radius_m)::integer AS radius_m,
               ST_AsMVTGeom(ST_Transform(geom, 3857), tile, 4096, 64, true) AS geom
        FROM lockdown_points WHERE valid_to IS NULL AND geom && area) q
    WHERE geom IS NOT NULL;
    result := result || coalesce(layer, '');
    IF z >= 8 THEN
        SELECT ST_AsMVT(q, 'checkpoints', 4096, 'geom') INTO layer FROM (
            SELECT id, name, status, managed_by,
                   ST_AsMVTGeom(ST_Transform(geom, 3857), tile, 4096, 64, true) AS geom
            FROM checkpoints WHERE valid_to IS NULL AND geom && area) q
        WHERE geom IS NOT NULL;
        result := result || coalesce(layer, '');
    END IF;
    IF z >= 7 THEN
        SELECT ST_AsMVT(q, 'quarantine_camps', 4096, 'geom') INTO layer FROM (
            SELECT id, name, status, managed_by, capacity, occupancy,
                   ST_AsMVTGeom(ST_Transform(ST_PointOnSurface(geom), 3857), tile, 4096, 64, true) AS geom
            FROM quarantine_camps WHERE valid_to IS NULL AND geom && area) q
        WHERE geom IS NOT NULL;
        result := result || coalesce(layer, '');
    END IF;
    IF z >= 10 THEN
        SELECT ST_AsMVT(q, 'testing_sites', 4096, 'geom') INTO layer FROM (
            SELECT id, name, status,
                   ST_AsMVTGeom(ST_Transform(geom, 3857), tile, 4096, 64, true) AS geom
            FROM testing_sites WHERE valid_to IS NULL AND geom && area) q
        WHERE geom IS NOT NULL;
        result := result || coalesce(layer, '');
    END IF;
    IF z >= 12 THEN
        SELECT ST_AsMVT(q, 'essential_services', 4096, 'geom') INTO layer FROM (
            SELECT id, name, status, category,
                   ST_AsMVTGeom(ST_Transform(geom, 3857), tile, 4096, 64, true) AS geom
            FROM essential_services WHERE valid_to IS NULL AND geom && area) q
        WHERE geom IS NOT NULL;
        result := result || coalesce(layer, '');
    END IF;
    -- Label points: one inside each unit (in its largest part, as the server picks it).
    FOR lvl, layer_name, min_zoom IN VALUES ('district', 'district_labels', 0),
            ('commune', 'commune_labels', 9), ('hamlet', 'hamlet_labels', 12) LOOP
        CONTINUE WHEN z < min_zoom;
        SELECT ST_AsMVT(q, layer_name, 4096, 'geom') INTO layer FROM (
            SELECT code, name,
                   ST_AsMVTGeom(ST_Transform(ST_PointOnSurface(
                       (SELECT d.geom FROM ST_Dump(u.geom) d ORDER BY ST_Area(d.geom) DESC LIMIT 1)), 3857),
                       tile, 4096, 64, true) AS geom
            FROM admin_units_current u WHERE level = lvl AND geom && area) q
        WHERE geom IS NOT NULL;
        result := result || coalesce(layer, '');
    END LOOP;
    RETURN result;
END
$$;
