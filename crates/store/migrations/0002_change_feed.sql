-- Change feed: every statement that writes units, from any writer (the API, the CLI, psql),
-- notifies the channel `covidmap_changes` with the table's name when its transaction commits.
-- Servers listening reload their in-memory snapshot.
CREATE FUNCTION covidmap_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('covidmap_changes', TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE TRIGGER admin_units_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON admin_units
    FOR EACH STATEMENT EXECUTE FUNCTION covidmap_notify_change();
