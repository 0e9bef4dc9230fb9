# ovr-lab: the commands a newcomer needs.
#   make serve   build the site (dist/) and serve it on http://127.0.0.1:$(PORT)
#   make test    every check CI runs
#   make dist    the site as a reader's browser gets it, in dist/ (what you copy to your host)
#   make package the same as an npm package, ovr-lab-<version>.tgz (docs/embedding.md)
#   make serve-dev  serve www/ as it is, with the benchmark page and the views' development page
#   make bench   speed, side by side with the peers (writes .bench/results.json); builds the
#                Rust peers (bench/peers/) the first time, which takes a while
#   make figures the article's results documents, made by the CLI (www/figures/)
#   make profile where the engine's time goes in wasm, per Rust function (needs perf)

PORT        ?= 8080
WASM_BINDGEN_VERSION := 0.2.130
WASM        := target/wasm32-unknown-unknown/release/ovr_lab.wasm
PKG         := www/pkg
# The wasm features wasm-opt may use: those of the module rustc makes for our .cargo/config.toml.
WASM_OPT_FLAGS := --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue
NODE_BIN    := node_modules/.bin
CHROMIUM    ?= /usr/bin/chromium
CHROMEDRIVER ?= /usr/bin/chromedriver
CARGO_BIN   := $(HOME)/.cargo/bin
export PATH := $(CARGO_BIN):$(PATH)

.PHONY: setup vendor build dist package serve serve-dev test bench peers profile lint fmt-check clippy test-native test-wasm test-e2e fuzz figures clean

## setup: install what is missing (fast when nothing is)
setup: .stamp/rust-target .stamp/wasm-bindgen node_modules/.package-lock.json .stamp/chromium vendor

.stamp/rust-target:
	@mkdir -p .stamp
	rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@touch $@

# The CLI must match the crate's wasm-bindgen exactly; installing takes a few minutes, once.
.stamp/wasm-bindgen:
	@mkdir -p .stamp
	@if wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)$$"; then \
	  echo "wasm-bindgen $(WASM_BINDGEN_VERSION) present"; \
	else \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); \
	fi
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.stamp/chromium:
	@mkdir -p .stamp
	@if [ -x $(CHROMIUM) ] && [ -x $(CHROMEDRIVER) ]; then echo "chromium present"; else \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; fi
	@touch $@

# Third-party code served to the page is copied from node_modules at build time, never committed.
# Packages that ship no LICENSE file get the text of their declared licence from third_party/.
vendor: www/vendor/chart.umd.min.js www/vendor/convnet.js www/vendor/tf.min.js www/vendor/tf-backend-wasm.min.js

www/vendor/chart.umd.min.js: node_modules/.package-lock.json
	mkdir -p www/vendor
	cp node_modules/chart.js/dist/chart.umd.min.js www/vendor/
	cp node_modules/chart.js/LICENSE.md www/vendor/chart.js-LICENSE.md

# Benchmark peers (www/bench.html?engine=convnetjs|tfjs-cpu|tfjs-wasm).
www/vendor/convnet.js: node_modules/.package-lock.json third_party/convnetjs-LICENSE
	mkdir -p www/vendor
	cp node_modules/convnetjs/build/convnet.js www/vendor/
	cp third_party/convnetjs-LICENSE www/vendor/convnetjs-LICENSE

www/vendor/tf.min.js: node_modules/.package-lock.json third_party/tfjs-LICENSE
	mkdir -p www/vendor
	cp node_modules/@tensorflow/tfjs/dist/tf.min.js www/vendor/
	cp third_party/tfjs-LICENSE www/vendor/tfjs-LICENSE

# The wasm backend fetches its .wasm files from the directory given to setWasmPaths (www/vendor/).
www/vendor/tf-backend-wasm.min.js: node_modules/.package-lock.json third_party/tfjs-LICENSE
	mkdir -p www/vendor
	cp node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js www/vendor/
	cp node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm \
	  node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm \
	  node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm www/vendor/
	cp third_party/tfjs-LICENSE www/vendor/tfjs-LICENSE

## build: the wasm module and its JS glue in www/pkg
build: setup $(PKG)/ovr_lab_bg.wasm www/data/.copied

$(PKG)/ovr_lab_bg.wasm: $(shell find src -name '*.rs') Cargo.toml Cargo.lock .cargo/config.toml
	cargo build --lib --release --target wasm32-unknown-unknown
	wasm-bindgen --target web --out-dir $(PKG) --no-typescript $(WASM)
	$(NODE_BIN)/wasm-opt -O3 $(WASM_OPT_FLAGS) $(PKG)/ovr_lab_bg.wasm -o $(PKG)/ovr_lab_bg.wasm
	@ls -l $(PKG)/ovr_lab_bg.wasm | awk '{print "wasm: " $$5 " bytes"}'

# The bundled datasets are committed in www/data; nothing to do but check they are there.
www/data/.copied:
	@ls www/data/*.bin.gz >/dev/null
	@touch $@

## dist: the site in dist/, only what a reader's browser needs: the pages and examples, their
## scripts and styles, the engine (pkg/), the datasets with their README and licences, the
## article's figures, Chart.js with its licence, the service worker (sw.js). Not the benchmark page, its peers (ConvNetJS,
## TF.js), the development page www/dev/ or the test fixtures. Rebuilt when a source changes.
SITE_FILES := www/index.html www/article.html www/favicon.svg $(wildcard www/examples/*) \
  $(filter-out www/css/bench%,$(wildcard www/css/*.css)) \
  $(filter-out www/js/bench%,$(wildcard www/js/*.js)) $(wildcard www/js/views/*.js) \
  $(wildcard www/data/*.bin.gz) www/data/README.md $(wildcard www/figures/*.json)

# dist/ is also the npm package (`make package`): its manifest, its README for authors, the licence.
PACKAGE_FILES := package/package.json package/README.md LICENSE

dist: build dist/index.html

# Last, the service worker (offline after a first visit): www/sw.js with the build's version, a
# hash of the files above, and the list of files it precaches (scripts/build-sw.mjs).
dist/index.html: $(SITE_FILES) $(PKG)/ovr_lab_bg.wasm www/vendor/chart.umd.min.js $(PACKAGE_FILES) \
  www/sw.js scripts/build-sw.mjs Makefile
	rm -rf dist
	mkdir -p dist/pkg dist/vendor
	cd www && cp --parents $(patsubst www/%,%,$(SITE_FILES)) ../dist/
	cp $(PKG)/ovr_lab.js $(PKG)/ovr_lab_bg.wasm dist/pkg/
	cp www/vendor/chart.umd.min.js www/vendor/chart.js-LICENSE.md dist/vendor/
	cp $(PACKAGE_FILES) dist/
	node scripts/build-sw.mjs dist
	@touch $@
	@echo "dist: $$(du -sh dist | cut -f1) in $$(find dist -type f | wc -l) files"

## package: the npm package of the built site, ovr-lab-<version>.tgz, packed from dist/ (whose root is
## the site's root, so the same relative URLs work from dist/, node_modules/ovr-lab/ or a CDN; no
## dependencies, no install scripts)
package: dist
	cd dist && npm pack --pack-destination ..

## serve: build the site, then serve dist/ on 127.0.0.1 (any static server works; this is Python's)
serve: dist
	@echo "ovr-lab: http://127.0.0.1:$(PORT)/"
	python3 -m http.server $(PORT) --bind 127.0.0.1 --directory dist

## serve-dev: serve www/ as it is (the lab, bench.html with its peers, dev/views.html with the
## test fixtures under /dev/fixtures/), for developers
serve-dev: build
	node scripts/serve-dev.mjs $(PORT)

## test: everything CI checks
test: setup fmt-check clippy lint test-native build test-wasm test-e2e

fmt-check:
	cargo fmt --all -- --check

clippy: .stamp/rust-target
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings

lint: node_modules/.package-lock.json
	$(NODE_BIN)/eslint www tests/e2e scripts

# Native tests build with optimisations (see [profile.test]), so the training tests are quick.
# The property tests draw their cases from a fixed seed here, so that CI is reproducible;
# `make fuzz` draws fresh ones every time.
PROPTEST_SEED ?= 20261201
test-native:
	PROPTEST_RNG_SEED=$(PROPTEST_SEED) cargo test --all-targets

test-wasm: setup
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=$(CHROMEDRIVER) \
	  WASM_BINDGEN_TEST_TIMEOUT=300 cargo test --release --target wasm32-unknown-unknown --test wasm --test data_wasm

# The browser tests load the built site (dist/); the benchmark and views tests add their own pages.
test-e2e: dist
	node --test --test-concurrency=1 tests/e2e/

## bench: engine speed vs ConvNetJS, TF.js, burn, candle and the native CLI, the SIMD peak and
## two-Worker scaling, in one run
bench: build peers
	cargo build --release --bin ovr-lab
	node scripts/bench.mjs

## peers: the Rust peers of the benchmark (burn, candle) and the SIMD peak microbenchmark, for
## wasm32 (www/peers/) and natively (bench/peers/target/release/), from their own cargo workspace
## bench/peers/. Only `make bench` builds them (burn is large: 10-20 minutes the first time on two
## cores). A peer that fails to build is reported by the benchmark, not fatal here.
peers: setup
	bench/peers/build.sh $(NODE_BIN)/wasm-opt

## profile: where the engine's time goes in wasm, per Rust function (scripts/profile-wasm.sh;
## needs perf)
profile: build
	WASM_OPT_FLAGS="$(WASM_OPT_FLAGS)" scripts/profile-wasm.sh

## fuzz: the property tests with many more cases, from a fresh random seed each time (FUZZ_CASES
## for the readers' tests, a tenth as many gradient checks); not part of make test
FUZZ_CASES ?= 100000
fuzz:
	FUZZ_CASES=$(FUZZ_CASES) cargo test --release --test data_fuzz --test fuzz_inputs
	PROPTEST_CASES=$$(( $(FUZZ_CASES) / 10 )) cargo test --release --test gradcheck

clean:
	rm -rf target $(PKG) www/vendor www/peers bench/peers/target dist .stamp node_modules

## figures: the results documents the article quotes (www/figures/*.json), made by the CLI; 40 min
## on 2 idle cores. Not part of `make test`.
figures:
	cargo build --release --bin ovr-lab
	scripts/figures.sh
