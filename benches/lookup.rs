//! In-process lookups: which hamlet, commune and district a point is in, and which unit an
//! address names.

use covidmap_benches::{province_layers, province_units, random_points};
use covidmap_lookup::Snapshot;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

fn point_lookup(c: &mut Criterion) {
    let units = province_units();
    let points = random_points(&units, 10_000, 7);
    let layers = province_layers(&units);
    // With the administrative changes `make run` loads: their former names are in the
    // gazetteer every address is read against.
    let snapshot = Snapshot::build(units, covidmap_benches::province_unit_changes(), layers);
    let mut group = c.benchmark_group("snapshot");
    group.throughput(Throughput::Elements(points.len() as u64));
    group.bench_function("locate 10k random points", |b| {
        b.iter(|| {
            let mut inside = 0_usize;
            for p in &points {
                inside += usize::from(black_box(snapshot.locate(*p)).is_inside());
            }
            inside
        });
    });
    group.bench_function(
        "status answer for 10k random points (units, lockdown, level, 3 nearest, JSON)",
        |b| {
            b.iter(|| {
                let mut bytes = 0_usize;
                for p in &points {
                    let answer = covidmap_lookup::point_status(&snapshot, *p);
                    bytes += serde_json::to_vec(&answer).map_or(0, |v| v.len());
                }
                bytes
            });
        },
    );
    group.finish();

    // The address corpus of the accuracy test: 456 addresses as residents write them.
    let corpus = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/addresses.tsv"
    ))
    .unwrap_or_default();
    let addresses: Vec<&str> = corpus
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .collect();
    let mut group = c.benchmark_group("gazetteer");
    group.throughput(Throughput::Elements(addresses.len() as u64));
    group.bench_function("resolve the 456-address corpus", |b| {
        b.iter(|| {
            let mut found = 0_usize;
            for a in &addresses {
                found += usize::from(black_box(snapshot.resolve_address(a)).is_some());
            }
            found
        });
    });
    group.bench_function(
        "status answer for the corpus (gazetteer, unit lockdown cover, level, 3 nearest, JSON)",
        |b| {
            b.iter(|| {
                let mut bytes = 0_usize;
                for a in &addresses {
                    if let Ok(answer) = covidmap_lookup::address_status(&snapshot, a) {
                        bytes += serde_json::to_vec(&answer).map_or(0, |v| v.len());
                    }
                }
                bytes
            });
        },
    );
    group.finish();
}

criterion_group!(benches, point_lookup);
criterion_main!(benches);
