//! In-process point lookups: which hamlet, commune and district a point is in.

use covidmap_benches::{province_units, random_points};
use covidmap_core::Snapshot;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

fn point_lookup(c: &mut Criterion) {
    let units = province_units();
    let points = random_points(&units, 10_000, 7);
    let snapshot = Snapshot::new(units);
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
    group.finish();
}

criterion_group!(benches, point_lookup);
criterion_main!(benches);
