-- Each kind of organisation's duty to keep a layer current (read by covidmap_core::duties):
-- `every` is 'daily@HH:MM' (each commune's figures for the day by that local time) or '<n>d'
-- (a change at least every n days). The provincial office changes them with
-- `covidmap duties set|remove`; these are the province's instruction of 2021.
CREATE TABLE duties (
    entity   text        NOT NULL,  -- the entity's name (daily_figures, checkpoints, …)
    org_kind text        NOT NULL,
    every    text        NOT NULL,  -- read by Every::from_str; a row it cannot read is skipped
    set_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity, org_kind)
);
INSERT INTO duties (entity, org_kind, every) VALUES
    ('daily_figures', 'district_health_centre', 'daily@17:00'),
    ('testing_sites', 'district_health_centre', '7d'),
    ('checkpoints', 'police', '7d'),
    ('checkpoints', 'military', '7d');
