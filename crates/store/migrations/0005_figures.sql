-- Daily case figures per commune (district health centres for their district, CDC for the
-- province) and returning workers (Department of Labour). Versioned like the layers, with
-- audit entries; not part of the map snapshot, so they do not notify the change feed.

CREATE TABLE daily_figures (
    version_id    bigserial PRIMARY KEY,
    id            text        NOT NULL,  -- '<commune>/<day>'
    commune_code  text        NOT NULL,
    day           date        NOT NULL,
    new_cases     integer     NOT NULL CHECK (new_cases >= 0),
    active        integer     NOT NULL CHECK (active >= 0),
    recovered     integer     NOT NULL CHECK (recovered >= 0),
    deaths        integer     NOT NULL CHECK (deaths >= 0),
    in_quarantine integer     NOT NULL CHECK (in_quarantine >= 0),
    changed_by    text        NOT NULL,
    valid_from    timestamptz NOT NULL DEFAULT now(),
    valid_to      timestamptz,
    CHECK (id = commune_code || '/' || day::text)
);

CREATE TABLE returning_workers (
    version_id    bigserial PRIMARY KEY,
    id            text        NOT NULL,  -- '<commune>/<day>'
    commune_code  text        NOT NULL,
    day           date        NOT NULL,
    arrived       integer     NOT NULL CHECK (arrived >= 0),
    changed_by    text        NOT NULL,
    valid_from    timestamptz NOT NULL DEFAULT now(),
    valid_to      timestamptz,
    CHECK (id = commune_code || '/' || day::text)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['daily_figures', 'returning_workers'] LOOP
        EXECUTE format('CREATE UNIQUE INDEX %1$s_current_id ON %1$s (id) WHERE valid_to IS NULL', t);
        EXECUTE format('CREATE INDEX %1$s_current_day ON %1$s (day, commune_code) WHERE valid_to IS NULL', t);
        EXECUTE format('CREATE TRIGGER %1$s_immutable BEFORE UPDATE OR DELETE ON %1$s
                        FOR EACH ROW EXECUTE FUNCTION covidmap_versions_immutable()', t);
    END LOOP;
END $$;
