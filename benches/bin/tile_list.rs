//! Prints the tile list of the tile benches, one `z/x/y` per line (for the load scripts).
//!
//! `tile_list [SAMPLE]` (default 1000 tiles at z11–14).

fn main() {
    let sample = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let units = covidmap_benches::province_units();
    for t in covidmap_benches::bench_tiles(&units, sample) {
        println!("{t}");
    }
}
