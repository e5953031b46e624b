//! The one list of entities against everything that must agree with it: the tables of the
//! migrated schema, the tile layers, and the map style's layers.

#![allow(clippy::unwrap_used)] // a failed step fails the test

use covidmap_core::Entity;
use covidmap_tests::TestDb;
use std::collections::BTreeSet;

#[tokio::test]
async fn every_entity_has_its_table_tile_layers_and_style_layers() {
    let db = TestDb::new().await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_all(db.store.pool())
    .await
    .unwrap();
    let style: serde_json::Value =
        serde_json::from_str(include_str!("../styles/covid.json")).unwrap();
    let styled: BTreeSet<&str> = style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["source-layer"].as_str())
        .collect();
    let mut drawn = BTreeSet::new();
    for entity in Entity::ALL {
        assert!(
            tables.iter().any(|t| t == entity.table()),
            "{entity}: no table {}",
            entity.table()
        );
        for layer in entity.tile_layers() {
            assert!(
                covidmap_tiles::catalogue::layer(layer).is_some(),
                "{entity}: no tile layer {layer}"
            );
            assert!(
                styled.contains(layer),
                "{entity}: the style draws no {layer}"
            );
            drawn.insert(*layer);
        }
        assert_eq!(
            entity.has_geometry()
                || entity == Entity::Boundaries
                || entity == Entity::CommuneLevels,
            !entity.tile_layers().is_empty(),
            "{entity}: drawn on the map if and only if it has a place"
        );
    }
    // And every tile layer is some entity's.
    let all: BTreeSet<&str> = covidmap_tiles::LAYERS.iter().map(|l| l.name).collect();
    assert_eq!(all, drawn);
}
