-- Directive documents (provincial office) and support-policy notices (Department of Labour,
-- provincial office): versioned with audit entries like everything the agencies write.
CREATE TABLE documents (
    version_id  bigserial PRIMARY KEY,
    id          text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('directive', 'support_policy')),
    number      text        NOT NULL CHECK (length(number) BETWEEN 1 AND 100),
    title       text        NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    issued_on   date        NOT NULL,
    issuer      text        NOT NULL CHECK (length(issuer) BETWEEN 1 AND 200),
    summary     text        NOT NULL DEFAULT '' CHECK (length(summary) <= 5000),
    link        text        CHECK (link ~ '^https?://'),
    pdf         bytea       CHECK (pdf IS NULL OR (length(pdf) <= 10485760 AND substr(pdf, 1, 5) = '\x255044462d'::bytea)),
    pdf_name    text,
    changed_by  text        NOT NULL,
    valid_from  timestamptz NOT NULL DEFAULT now(),
    valid_to    timestamptz
);
CREATE UNIQUE INDEX documents_current_id ON documents (id) WHERE valid_to IS NULL;
CREATE INDEX documents_current_issued ON documents (issued_on DESC) WHERE valid_to IS NULL;
CREATE TRIGGER documents_immutable BEFORE UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION covidmap_versions_immutable();
