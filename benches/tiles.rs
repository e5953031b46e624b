//! Rendering tiles in process, cold (no cache): the tile list of the side-by-side bench.

use covidmap_benches::{bench_tiles, province_layers, province_units};
use covidmap_tiles::TileData;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

fn render(c: &mut Criterion) {
    let units = province_units();
    let layers = province_layers(&units);
    let data = TileData::new(&units, &layers);
    let tiles = bench_tiles(&units, 1000);
    let (low, high) = tiles.split_at(tiles.iter().filter(|t| t.z <= 10).count());
    let mut group = c.benchmark_group("tiles");
    group.sample_size(10);
    for (name, list) in [
        ("render every tile at z6-10", low),
        ("render 1000 random tiles at z11-14", high),
    ] {
        group.throughput(Throughput::Elements(list.len() as u64));
        group.bench_function(format!("{name} ({} tiles)", list.len()), |b| {
            b.iter(|| {
                let mut bytes = 0_usize;
                for t in list {
                    bytes += data
                        .render(*t)
                        .ok()
                        .flatten()
                        .map_or(0, |v| black_box(v).len());
                }
                bytes
            });
        });
    }
    group.bench_function("index units and layers for tiles", |b| {
        b.iter(|| TileData::new(black_box(&units), &layers));
    });
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
