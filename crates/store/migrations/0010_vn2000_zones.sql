-- The VN-2000 / TM-3 zones (EPSG:9205–9218) in which the OGC API serves coordinates: PostGIS
-- 3.3's spatial_ref_sys predates them, PROJ 9 knows them. A row naming only the authority
-- lets PostGIS ask PROJ, which transforms from WGS 84 by EPSG:6960 (the shift ingest reads
-- VN-2000 files with).
INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid)
SELECT zone, 'EPSG', zone FROM generate_series(9205, 9218) AS zone
WHERE NOT EXISTS (SELECT 1 FROM spatial_ref_sys WHERE srid = zone);
