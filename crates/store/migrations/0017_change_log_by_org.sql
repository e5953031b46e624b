-- no-transaction
-- When each organisation last changed each layer it keeps (freshness); concurrently, as 0016.
CREATE INDEX CONCURRENTLY IF NOT EXISTS change_log_org_entity_at ON change_log (org_id, entity, at);
