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

    // The address corpus of the accuracy test: the 456 addresses as residents write them
    // with today's names (the figures before former names were known compare with these),
    // and the 149 with former names, English type words or districts cut to initials.
    let corpus = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/addresses.tsv"
    ))
    .unwrap_or_default();
    let rows: Vec<(&str, &str)> = corpus
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut cells = l.split('\t');
            Some((cells.next()?, cells.nth(1)?))
        })
        .collect();
    let is_new_style = |style: &str| matches!(style, "former_name" | "former_district" | "noise");
    let addresses: Vec<&str> = rows
        .iter()
        .filter(|(_, style)| !is_new_style(style))
        .map(|r| r.0)
        .collect();
    let former: Vec<&str> = rows
        .iter()
        .filter(|(_, style)| is_new_style(style))
        .map(|r| r.0)
        .collect();
    let mut group = c.benchmark_group("gazetteer");
    for (name, list) in [
        ("resolve the 456-address corpus", &addresses),
        (
            "resolve the 149 former-name, English and initials addresses",
            &former,
        ),
    ] {
        group.throughput(Throughput::Elements(list.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut found = 0_usize;
                for a in list {
                    found += usize::from(black_box(snapshot.resolve_address(a)).is_some());
                }
                found
            });
        });
    }
    group.throughput(Throughput::Elements(addresses.len() as u64));
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
    // The province after its move to two tiers, and addresses of both structures.
    let two_tier = covidmap_benches::province_snapshot_two_tier();
    let corpus = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/addresses_two_tier.tsv"
    ))
    .unwrap_or_default();
    let both: Vec<&str> = corpus
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .collect();
    group.throughput(Throughput::Elements(both.len() as u64));
    group.bench_function("resolve the 468 two-tier addresses, two tiers", |b| {
        b.iter(|| {
            let mut found = 0_usize;
            for a in &both {
                found += usize::from(black_box(two_tier.resolve_address(a)).is_some());
            }
            found
        });
    });
    group.finish();
}

criterion_group!(benches, point_lookup);
criterion_main!(benches);
