-- Administrative changes: which unit became which, when and by what act (communes merged,
-- renamed, split or moved; districts abolished). Versioned like the layers, with audit
-- entries; the gazetteer reads former names from the current rows, so a change reloads the
-- units' snapshot.
CREATE TABLE unit_changes (
    version_id              bigserial PRIMARY KEY,
    id                      text        NOT NULL,
    effective               date        NOT NULL,
    act                     text        NOT NULL CHECK (length(act) BETWEEN 1 AND 300),
    kind                    text        NOT NULL CHECK (kind IN ('merge', 'rename', 'split', 'move', 'district_abolished')),
    predecessor_code        text        CHECK (length(predecessor_code) BETWEEN 1 AND 200),
    predecessor_name        text        NOT NULL CHECK (length(predecessor_name) BETWEEN 1 AND 200),
    predecessor_parent_code text        NOT NULL CHECK (length(predecessor_parent_code) BETWEEN 1 AND 200),
    successor_code          text        NOT NULL CHECK (length(successor_code) BETWEEN 1 AND 200),
    successor_name          text        NOT NULL CHECK (length(successor_name) BETWEEN 1 AND 200),
    source                  text        NOT NULL CHECK (length(source) BETWEEN 1 AND 1000),
    changed_by              text        NOT NULL,
    valid_from              timestamptz NOT NULL DEFAULT now(),
    valid_to                timestamptz
);
CREATE UNIQUE INDEX unit_changes_current_id ON unit_changes (id) WHERE valid_to IS NULL;
CREATE TRIGGER unit_changes_immutable BEFORE UPDATE OR DELETE ON unit_changes
    FOR EACH ROW EXECUTE FUNCTION covidmap_versions_immutable();
CREATE TRIGGER unit_changes_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON unit_changes
    FOR EACH STATEMENT EXECUTE FUNCTION covidmap_notify_change();
