-- no-transaction
-- When each layer last changed (freshness), from an index. Built concurrently: every commit
-- inserts into the change log, and a plain CREATE INDEX would hold them all while it reads
-- the whole log. (One statement: several in one file would run as one transaction.)
CREATE INDEX CONCURRENTLY IF NOT EXISTS change_log_entity_at ON change_log (entity, kind, at);
