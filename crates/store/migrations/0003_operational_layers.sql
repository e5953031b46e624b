-- The layers the agencies keep current. Versioned like the units: a change closes the
-- current version (valid_to) and writes a new one with who made it; rows are never rewritten
-- or deleted, and every write notifies the change feed.

CREATE FUNCTION covidmap_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% rows are history and are never deleted (version %)', TG_TABLE_NAME, OLD.version_id;
    END IF;
    IF OLD.valid_to IS NOT NULL OR (to_jsonb(NEW) - 'valid_to') IS DISTINCT FROM (to_jsonb(OLD) - 'valid_to') THEN
        RAISE EXCEPTION '% version % can only be closed (valid_to), not changed', TG_TABLE_NAME, OLD.version_id;
    END IF;
    RETURN NEW;
END $$;

-- Lockdown zones (vùng phong toả): an area, drawn or made of whole hamlets/communes.
-- level: Resolution 128/NQ-CP, 1 green (low) … 4 red (very high).
CREATE TABLE lockdown_zones (
    version_id  bigserial PRIMARY KEY,
    id          text        NOT NULL,
    name        text        NOT NULL,
    level       smallint    NOT NULL CHECK (level BETWEEN 1 AND 4),
    status      text        NOT NULL CHECK (status IN ('active', 'lifted')),
    reason      text        NOT NULL,
    unit_codes  text[]      NOT NULL DEFAULT '{}',
    geom        geometry(MultiPolygon, 4326) NOT NULL,
    declared_by text        NOT NULL,
    started_at  timestamptz NOT NULL,
    planned_end timestamptz,
    lifted_at   timestamptz,
    changed_by  text        NOT NULL,
    valid_from  timestamptz NOT NULL DEFAULT now(),
    valid_to    timestamptz,
    CHECK (planned_end IS NULL OR planned_end > started_at),
    CHECK ((status = 'lifted') = (lifted_at IS NOT NULL))
);

-- Lockdown points (điểm phong toả): a building or street stretch, with a radius.
CREATE TABLE lockdown_points (
    version_id  bigserial PRIMARY KEY,
    id          text        NOT NULL,
    name        text        NOT NULL,
    level       smallint    NOT NULL CHECK (level BETWEEN 1 AND 4),
    status      text        NOT NULL CHECK (status IN ('active', 'lifted')),
    reason      text        NOT NULL,
    geom        geometry(Point, 4326) NOT NULL,
    radius_m    real        NOT NULL CHECK (radius_m > 0 AND radius_m <= 5000),
    declared_by text        NOT NULL,
    started_at  timestamptz NOT NULL,
    planned_end timestamptz,
    lifted_at   timestamptz,
    changed_by  text        NOT NULL,
    valid_from  timestamptz NOT NULL DEFAULT now(),
    valid_to    timestamptz,
    CHECK (planned_end IS NULL OR planned_end > started_at),
    CHECK ((status = 'lifted') = (lifted_at IS NOT NULL))
);

-- Checkpoints (chốt chặn).
CREATE TABLE checkpoints (
    version_id  bigserial PRIMARY KEY,
    id          text        NOT NULL,
    name        text        NOT NULL,
    geom        geometry(Point, 4326) NOT NULL,
    managed_by  text        NOT NULL CHECK (managed_by IN ('police', 'military', 'district')),
    status      text        NOT NULL CHECK (status IN ('active', 'closed')),
    changed_by  text        NOT NULL,
    valid_from  timestamptz NOT NULL DEFAULT now(),
    valid_to    timestamptz
);

-- Quarantine camps (khu cách ly tập trung): a point or the camp's outline.
CREATE TABLE quarantine_camps (
    version_id  bigserial PRIMARY KEY,
    id          text        NOT NULL,
    name        text        NOT NULL,
    geom        geometry(Geometry, 4326) NOT NULL CHECK (GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON')),
    capacity    integer     NOT NULL CHECK (capacity >= 0),
    occupancy   integer     NOT NULL CHECK (occupancy >= 0 AND occupancy <= capacity),
    managed_by  text        NOT NULL CHECK (managed_by IN ('military', 'health')),
    status      text        NOT NULL CHECK (status IN ('open', 'closed')),
    changed_by  text        NOT NULL,
    valid_from  timestamptz NOT NULL DEFAULT now(),
    valid_to    timestamptz
);

-- Testing sites (điểm xét nghiệm).
CREATE TABLE testing_sites (
    version_id  bigserial PRIMARY KEY,
    id          text        NOT NULL,
    name        text        NOT NULL,
    geom        geometry(Point, 4326) NOT NULL,
    status      text        NOT NULL CHECK (status IN ('open', 'closed')),
    changed_by  text        NOT NULL,
    valid_from  timestamptz NOT NULL DEFAULT now(),
    valid_to    timestamptz
);

-- Essential services (cơ sở thiết yếu): markets, pharmacies, petrol stations…
CREATE TABLE essential_services (
    version_id  bigserial PRIMARY KEY,
    id          text        NOT NULL,
    name        text        NOT NULL,
    geom        geometry(Point, 4326) NOT NULL,
    category    text        NOT NULL CHECK (category IN ('market', 'supermarket', 'grocery', 'pharmacy', 'petrol', 'bank', 'clinic')),
    status      text        NOT NULL CHECK (status IN ('open', 'closed')),
    changed_by  text        NOT NULL,
    valid_from  timestamptz NOT NULL DEFAULT now(),
    valid_to    timestamptz
);

-- Epidemic level per commune (cấp độ dịch), set by CDC.
CREATE TABLE commune_levels (
    version_id   bigserial PRIMARY KEY,
    id           text        NOT NULL,  -- the commune's code
    level        smallint    NOT NULL CHECK (level BETWEEN 1 AND 4),
    active_cases integer     NOT NULL CHECK (active_cases >= 0),
    changed_by   text        NOT NULL,
    valid_from   timestamptz NOT NULL DEFAULT now(),
    valid_to     timestamptz
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['lockdown_zones', 'lockdown_points', 'checkpoints', 'quarantine_camps',
                             'testing_sites', 'essential_services', 'commune_levels'] LOOP
        EXECUTE format('CREATE UNIQUE INDEX %1$s_current_id ON %1$s (id) WHERE valid_to IS NULL', t);
        EXECUTE format('CREATE INDEX %1$s_history ON %1$s (id, valid_from)', t);
        EXECUTE format('CREATE TRIGGER %1$s_immutable BEFORE UPDATE OR DELETE ON %1$s
                        FOR EACH ROW EXECUTE FUNCTION covidmap_versions_immutable()', t);
        EXECUTE format('CREATE TRIGGER %1$s_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %1$s
                        FOR EACH STATEMENT EXECUTE FUNCTION covidmap_notify_change()', t);
        IF t <> 'commune_levels' THEN
            EXECUTE format('CREATE INDEX %1$s_current_geom ON %1$s USING gist (geom) WHERE valid_to IS NULL', t);
        END IF;
    END LOOP;
END $$;
