//! `covidmap export`: the province's tiles as an MBTiles or PMTiles archive.

use crate::args::{ArchiveFormat, ExportArgs, Global};
use crate::database;
use anyhow::Context;
use covidmap_core::Region;
use covidmap_export::{ExportOptions, Format};
use covidmap_tiles::TileData;

pub async fn export(global: &Global, args: &ExportArgs) -> anyhow::Result<()> {
    if args.minzoom > args.maxzoom {
        anyhow::bail!(
            "--minzoom {} is above --maxzoom {}: give the lower zoom first",
            args.minzoom,
            args.maxzoom
        );
    }
    let db = database::open(global).await?;
    let read = db.store.current_data().await;
    db.store.close().await;
    let (units, layers) = read?;
    let region = Region::of(&units);
    let bounds = region.bounds.context(
        "no province in the database: load the boundaries first (`covidmap ingest FILE --level province`; make run loads the sample)",
    )?;
    let options = ExportOptions {
        min_zoom: args.minzoom,
        max_zoom: args.maxzoom,
        bounds,
        region_name: region.name_or_default(),
    };
    let format = match args.format {
        ArchiveFormat::Mbtiles => Format::MbTiles,
        ArchiveFormat::Pmtiles => Format::PmTiles,
    };
    let out = args.out.clone();
    let started = std::time::Instant::now();
    let report = tokio::task::spawn_blocking(move || {
        let data = TileData::new(&units, &layers);
        covidmap_export::export(&data, format, &options, &out)
    })
    .await??;
    println!(
        "{}: {} tiles at z{}–{} ({} empty left out), {:.1} MB, {:.1} s",
        args.out.display(),
        report.tiles,
        args.minzoom,
        args.maxzoom,
        report.empty,
        report.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
