-- Administrative units, versioned. A row is never updated except to close it (valid_to),
-- and never deleted: history is the table itself.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE uploads (
    id          bigserial PRIMARY KEY,
    level       text        NOT NULL,
    source_file text        NOT NULL,
    source_crs  text        NOT NULL,
    encoding    text,
    uploaded_by text        NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now(),
    added       integer     NOT NULL,
    changed     integer     NOT NULL,
    removed     integer     NOT NULL,
    notes       jsonb       NOT NULL DEFAULT '[]'
);

CREATE TABLE admin_units (
    version_id  bigserial PRIMARY KEY,
    code        text        NOT NULL,
    level       text        NOT NULL CHECK (level IN ('province', 'district', 'commune', 'hamlet')),
    name        text        NOT NULL CHECK (name <> ''),
    name_key    text        NOT NULL,
    unit_type   text        NOT NULL CHECK (unit_type IN ('tỉnh', 'huyện', 'thị xã', 'thành phố', 'xã',
                                'phường', 'thị trấn', 'xóm', 'khối', 'thôn', 'bản', 'tổ dân phố')),
    parent_code text,
    geom        geometry(MultiPolygon, 4326) NOT NULL,
    upload_id   bigint      NOT NULL REFERENCES uploads (id),
    valid_from  timestamptz NOT NULL DEFAULT now(),
    valid_to    timestamptz,
    CHECK (valid_to IS NULL OR valid_to >= valid_from),
    CHECK ((level = 'province') = (parent_code IS NULL))
);

CREATE UNIQUE INDEX admin_units_current_code ON admin_units (code) WHERE valid_to IS NULL;
CREATE INDEX admin_units_current_parent ON admin_units (level, parent_code) WHERE valid_to IS NULL;
CREATE INDEX admin_units_current_geom ON admin_units USING gist (geom) WHERE valid_to IS NULL;
CREATE INDEX admin_units_history ON admin_units (code, valid_from);

CREATE FUNCTION admin_units_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'admin_units rows are history and are never deleted (version %)', OLD.version_id;
    END IF;
    IF OLD.valid_to IS NOT NULL
       OR (NEW.code, NEW.level, NEW.name, NEW.name_key, NEW.unit_type, NEW.parent_code, NEW.upload_id,
           NEW.valid_from, NEW.geom)
          IS DISTINCT FROM (OLD.code, OLD.level, OLD.name, OLD.name_key, OLD.unit_type, OLD.parent_code,
           OLD.upload_id, OLD.valid_from, OLD.geom) THEN
        RAISE EXCEPTION 'admin_units version % can only be closed (valid_to), not changed', OLD.version_id;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER admin_units_immutable BEFORE UPDATE OR DELETE ON admin_units
    FOR EACH ROW EXECUTE FUNCTION admin_units_immutable();

CREATE VIEW admin_units_current AS
SELECT u.code, u.level, u.name, u.name_key, u.unit_type, u.parent_code, u.geom, u.version_id,
       u.valid_from, up.source_file, up.source_crs, up.uploaded_by, up.uploaded_at
FROM admin_units u
JOIN uploads up ON up.id = u.upload_id
WHERE u.valid_to IS NULL;
