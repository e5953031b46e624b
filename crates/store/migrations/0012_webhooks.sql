-- Webhook subscriptions: an organisation's callback URL, the collections and the place it
-- wants, and how far delivery has come in the change log. Deliveries go in log order, one
-- node at a time per subscription (the lease), so that each subscriber sees every change in
-- order, at least once.
CREATE TABLE webhook_subscriptions (
    id                text        PRIMARY KEY,
    org_id            text        NOT NULL REFERENCES organisations (id),
    url               text        NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    collections       text[]      NOT NULL DEFAULT '{}',  -- empty: all
    west              double precision,
    south             double precision,
    east              double precision,
    north             double precision,
    secret            text        NOT NULL,
    state             text        NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused', 'failed')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    delivered_through bigint      NOT NULL,
    delivered_at      timestamptz,
    attempts          integer     NOT NULL DEFAULT 0,
    failing_since     timestamptz,
    last_error        text,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    leased_by         text,
    leased_until      timestamptz,
    CHECK ((west IS NULL) = (east IS NULL) AND (south IS NULL) = (north IS NULL) AND (west IS NULL) = (south IS NULL))
);
CREATE INDEX webhook_subscriptions_org ON webhook_subscriptions (org_id);
