# The two commands: `make run` and `make test`.
.PHONY: setup build run test lint bench fuzz soak demo-data clean

setup:
	bash scripts/setup.sh

build: setup
	cargo build --release -p covidmap-cli

# Builds, starts the local PostGIS under data/pg (unless DATABASE_URL is set), loads the
# sample data into an empty database and serves on http://127.0.0.1:8080.
run: build
	./target/release/covidmap serve

test: setup
	bash scripts/test.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

bench: setup
	cargo bench -p covidmap-benches
	bash benches/ingest_vs_ogr2ogr.sh
	bash benches/status_vs_postgis.sh
	bash benches/open_loop_and_visibility.sh
	bash benches/tiles_vs_martin.sh
	bash benches/oapif_vs_peers.sh
	bash benches/change_feeds.sh

# Each fuzz target for FUZZ_SECONDS (default 600) after its seed corpus, optimised, one at a
# time (make test replays the corpora and tries each target for a second).
FUZZ_SECONDS ?= 600
fuzz: setup
	COVIDMAP_FUZZ_SECONDS=$(FUZZ_SECONDS) cargo test --release -p covidmap-fuzz --test targets -- --test-threads=1 --nocapture

# Ten minutes of mixed load on the release binary (benches/soak.sh; SOAK_SECONDS to change).
soak: build
	bash benches/soak.sh

demo-data: build
	./target/release/covidmap demo-data

clean:
	-./target/release/covidmap db stop
	rm -rf data/pg data/generated
