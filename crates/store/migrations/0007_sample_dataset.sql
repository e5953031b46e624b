-- Whether the database holds the generated sample of the demo. One row, written when the
-- sample is loaded into a database that held nothing at all; no row means the data is real
-- (or there is none yet). The server shows a band and says so in its answers while it is
-- there; real boundaries are never ingested into a database that has it.
CREATE TABLE sample_dataset (
    only_row   boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    seed       bigint      NOT NULL,
    loaded_at  timestamptz NOT NULL DEFAULT now()
);

-- A database loaded by an earlier version: its sample uploads say so.
INSERT INTO sample_dataset (seed)
SELECT 2021 WHERE EXISTS (SELECT 1 FROM uploads WHERE uploaded_by = 'sample data');
