-- The agencies that keep the map, their API tokens, and the audit log of every write.
-- No personal data: organisations are public bodies, tokens are named by their organisation.

CREATE TABLE organisations (
    id            text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind          text NOT NULL CHECK (kind IN ('provincial_office', 'district_committee',
                      'district_health_centre', 'cdc', 'police', 'military', 'industry_trade', 'labour')),
    -- The district a per-district organisation answers for (a district unit's code).
    district_code text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind IN ('district_committee', 'district_health_centre')) = (district_code IS NOT NULL))
);

-- A token is shown once, when it is made; only its SHA-256 is kept.
CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    org_id       text        NOT NULL REFERENCES organisations (id),
    role         text        NOT NULL CHECK (role IN ('editor', 'viewer')),
    secret_hash  bytea       NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    label        text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- Every write through the API: who, with which token, when, what, and the entity before and
-- after (NULL before a creation). Append-only.
CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    org_id      text        NOT NULL REFERENCES organisations (id),
    token_id    bigint      REFERENCES api_tokens (id),
    action      text        NOT NULL,
    entity_type text        NOT NULL,
    entity_id   text        NOT NULL,
    before      jsonb,
    after       jsonb
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, at);
CREATE INDEX audit_log_org ON audit_log (org_id, at);

CREATE FUNCTION covidmap_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (entry %)', OLD.id;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION covidmap_audit_append_only();
