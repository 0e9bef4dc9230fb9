// `make bench`: engine speed in the browser (ovr-lab and its peers, each in its own Web Worker)
// and natively, on REF-CNN. Prints a table, writes .bench/results.json, and regenerates the
// marked sections of BENCHMARKS.md.
//
//   node scripts/bench.mjs                 the full run (what make bench does)
//   node scripts/bench.mjs --quick         one short window per engine; BENCHMARKS.md untouched
//   node scripts/bench.mjs --only=ovr-lab,tfjs-wasm   a subset; BENCHMARKS.md untouched
//   node scripts/bench.mjs --render        rewrite BENCHMARKS.md from .bench/results.json, no measuring
//
// A measurement is a *section*: { name, title, measure(env, options), print(data), render(data) }. To add one
// (say, the lab page's wall time), write such an object and append it to SECTIONS; main() gives it
// the shared server, browser and machine description, the results of the sections before it
// (env.results), and writes its results and its markers.
//
// The Rust peers (burn, candle) and the SIMD peak microbenchmark are built by `make bench` from
// their own workspace, bench/peers/ (bench/peers/build.sh), for the page and natively.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { serve, launch, openPage, ROOT, WWW } from '../tests/e2e/harness.mjs';
import { ENGINES, MODELS, modelsOf } from '../www/js/bench-engines.js';
import { flopsPerTrainSample, outputsOf, inferSeconds } from '../www/js/bench-common.js';
import {
  stats, fmt, fmtSpread, machineInfo, machineLine, writeSection, writeResults, RESULTS_JSON, loadSampler, loadLine,
} from './lib/bench-report.mjs';
import { comparisonSection } from './lib/bench-experiment.mjs';
import { peakSection, scalingSection, peerVersions, PEERS_DIR } from './lib/bench-limits.mjs';

const run = promisify(execFile);
const log = (...args) => console.error(...args);

export const BATCH = 32;
export const NATIVE_CLI = path.join(ROOT, 'target', 'release', 'ovr-lab');

/**
 * What the engine section measures: each entry runs `windows` times per model, for `seconds` of
 * training (and as long again, at most 2 s, of inference). The slow peers get fewer, shorter
 * windows so that the whole run stays within a few minutes on two cores.
 */
export const ENGINE_PLAN = [
  { id: 'ovr-lab', engine: 'ovr-lab', where: 'worker', windows: 5, seconds: 3 },
  { id: 'ovr-lab (native)', engine: 'ovr-lab', where: 'native', windows: 5, seconds: 3 },
  { id: 'convnetjs', engine: 'convnetjs', where: 'worker', windows: 3, seconds: 2 },
  { id: 'tfjs-cpu', engine: 'tfjs-cpu', where: 'worker', windows: 3, seconds: 2 },
  { id: 'tfjs-wasm', engine: 'tfjs-wasm', where: 'worker', windows: 3, seconds: 2 },
  { id: 'burn', engine: 'burn', where: 'worker', windows: 3, seconds: 2 },
  { id: 'burn (native)', engine: 'burn', where: 'native', windows: 3, seconds: 2 },
  { id: 'candle', engine: 'candle', where: 'worker', windows: 3, seconds: 2 },
  { id: 'candle (native)', engine: 'candle', where: 'native', windows: 3, seconds: 2 },
];
const REFERENCE = 'ovr-lab';

/** One run of www/bench.html in a fresh page (so a fresh worker and wasm instance per Worker). */
export async function benchPage(context, baseUrl, { engine, model, batch, seconds, workers = 1 }) {
  const query = new URLSearchParams({ engine, model, batch, seconds, ...(workers > 1 ? { workers } : {}) });
  const page = await openPage(context, `${baseUrl}/bench.html?${query}`);
  try {
    // Generous: tfjs-cpu spends over a second on each training step, and loading is not timed.
    const timeout = (seconds + inferSeconds(seconds)) * 1000 + 120_000;
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.benchState), null, { timeout });
    if ((await page.evaluate(() => document.body.dataset.benchState)) !== 'done') {
      throw new Error(`${engine}/${model}: ${await page.textContent('#bench-status')}`);
    }
    const result = JSON.parse(await page.textContent('#bench-result'));
    if (page.errors.length) result.page_errors = [...page.errors];
    return result;
  } finally {
    await page.close();
  }
}

let nativeForm = null;

/**
 * One run of a Rust peer's native binary (bench/peers/target/release/peer-<engine>), on one
 * thread like `ovr-lab bench`: candle would otherwise spread its matrix products and convolutions
 * over every core with rayon (burn is built without its rayon feature). A peer that did not build
 * has a `.build-error.txt` beside where its binary would be, and that text is the error.
 */
export async function benchPeerNative({ engine, batch, seconds }) {
  const bin = path.join(PEERS_DIR, 'target', 'release', `peer-${engine}`);
  if (!fs.existsSync(bin)) {
    const why = `${bin}.build-error.txt`;
    if (fs.existsSync(why)) throw new Error(`${engine} did not build natively: ${fs.readFileSync(why, 'utf8').trim()}`);
    throw new Error(`${engine} is not built natively (make bench runs bench/peers/build.sh)`);
  }
  const env = { ...process.env, RAYON_NUM_THREADS: '1', CANDLE_NUM_THREADS: '1' };
  const { stdout } = await run(bin, ['--batch', String(batch), '--seconds', String(seconds)], { cwd: ROOT, env, timeout: 300_000 })
    .catch((e) => {
      throw new Error(`${path.basename(bin)} failed: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' / ')}`);
    });
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no JSON line from ${bin}: ${stdout.trim().slice(0, 200)}`);
  return { ...JSON.parse(line), engine: `${engine}-native`, threads: 1 };
}

/**
 * One run of the native CLI. The flags form (`bench --model M --batch B --seconds S`) is tried
 * first; an older CLI that only takes `bench M` (fixed batch 32, 5 s) is used if that fails, and
 * the form that worked is kept for the later runs.
 */
export async function benchNative({ model, batch, seconds }) {
  const forms = {
    flags: ['bench', '--model', model, '--batch', String(batch), '--seconds', String(seconds)],
    positional: ['bench', model],
  };
  const order = nativeForm ? [nativeForm] : ['flags', 'positional'];
  let lastError;
  for (const form of order) {
    try {
      const { stdout } = await run(NATIVE_CLI, forms[form], { cwd: ROOT, timeout: 120_000 });
      const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      if (!line) throw new Error(`no JSON line in: ${stdout.trim().slice(0, 200)}`);
      nativeForm = form;
      return { engine: 'ovr-lab-native', cli_form: form, ...JSON.parse(line) };
    } catch (e) {
      lastError = e;
    }
  }
  throw new Error(`native CLI failed: ${lastError.message.split('\n')[0]}`);
}

/** FLOPs are counted twice (Rust for ovr-lab and the Rust peers, bench-common.js for the JS peers); they must agree. */
function checkFlops(result, warnings) {
  if (!result.train_samples_per_s || !result.gflops) return;
  const rust = (result.gflops * 1e9) / result.train_samples_per_s;
  const js = flopsPerTrainSample(outputsOf(result.model));
  if (Math.abs(rust - js) / js > 1e-6) {
    warnings.push(`FLOP counts differ for ${result.model}: Rust ${rust.toFixed(0)}, bench-common.js ${js}`);
  }
}

/**
 * Runs every plan entry's windows, round-robin (window 1 of every engine, then window 2, …), so
 * that a slow drift of the machine's speed spreads over all engines instead of one.
 */
export async function measureEngines({ context, url }, { plan = ENGINE_PLAN, models = MODELS } = {}) {
  const runs = [];
  const warnings = [];
  // The first error of each (engine, model) that failed: shown as its row, word for word.
  const failures = [];
  const rounds = Math.max(...plan.map((p) => p.windows));
  const total = plan.reduce((n, p) => n + p.windows * models.filter((m) => modelsOf(p.engine).includes(m)).length, 0);
  for (let w = 0; w < rounds; w++) {
    for (const model of models) {
      for (const p of plan.filter((q) => q.windows > w && modelsOf(q.engine).includes(model))) {
        const settings = { engine: p.engine, model, batch: BATCH, seconds: p.seconds };
        const started = Date.now();
        let result;
        try {
          if (p.where === 'native') {
            result = p.engine === 'ovr-lab' ? await benchNative(settings) : await benchPeerNative(settings);
          } else {
            result = await benchPage(context, url, settings);
          }
        } catch (e) {
          if (!failures.some((f) => f.id === p.id && f.model === model)) failures.push({ id: p.id, model, error: e.message });
          log(`  ${p.id} ${model}: FAILED ${e.message.split('\n').slice(0, 6).join('\n    ')}`);
          continue;
        }
        // Rust counts FLOPs for ovr-lab and the Rust peers; the JS peers use bench-common.js itself.
        if (p.engine === 'ovr-lab' || ENGINES[p.engine].peer) checkFlops(result, warnings);
        runs.push({ id: p.id, engine: p.engine, where: p.where, model, window: w + 1, seconds: p.seconds, result });
        log(`[${runs.length}/${total}] ${p.id.padEnd(16)} ${model.padEnd(14)} window ${w + 1}/${p.windows}: ` +
          `train ${fmt(result.train_samples_per_s)}/s, infer ${fmt(result.infer_samples_per_s)}/s ` +
          `(${((Date.now() - started) / 1000).toFixed(1)} s)`);
      }
    }
  }
  return { runs, failures, warnings: [...new Set(warnings)] };
}

/** Median and spread per (engine, model), and the reference engine's speed relative to each. */
export function summariseEngines(runs, plan = ENGINE_PLAN, models = MODELS, failures = []) {
  const rows = [];
  for (const model of models) {
    for (const p of plan) {
      const mine = runs.filter((r) => r.id === p.id && r.model === model).map((r) => r.result);
      const failure = failures.find((f) => f.id === p.id && f.model === model);
      if (mine.length === 0) {
        // Every window failed: the row stays, with the reason instead of numbers.
        if (failure) rows.push({ id: p.id, model, windows: 0, planned: p.windows, seconds: p.seconds, failed: failure.error, notes: [] });
        continue;
      }
      const notes = [...new Set(mine.map((r) => r.note).filter(Boolean))];
      rows.push({
        id: p.id,
        model,
        windows: mine.length,
        seconds: mine[0].cli_form === 'positional' ? 5 : p.seconds,
        train: stats(mine.map((r) => r.train_samples_per_s)),
        infer: stats(mine.map((r) => r.infer_samples_per_s)),
        gflops: stats(mine.map((r) => r.gflops)),
        infer_gflops: stats(mine.map((r) => r.infer_gflops)),
        params: mine[0].params,
        simd: mine[0].simd,
        cli_form: mine[0].cli_form,
        version: mine[0].version,
        notes,
        ...(failure ? { failed_windows: p.windows - mine.length, failure: failure.error } : {}),
      });
    }
  }
  for (const row of rows) {
    const ref = rows.find((r) => r.id === REFERENCE && r.model === row.model);
    const ratio = (a, b) => (a && b ? a.median / b.median : null);
    row.train_ratio = ratio(ref?.train, row.train);
    row.infer_ratio = ratio(ref?.infer, row.infer);
  }
  return rows;
}

/** The summary as a Markdown table (also what the console shows). */
export function engineTable(rows) {
  const ratio = (x) => (x === null ? '—' : `${fmt(x, x >= 10 ? 0 : 2)}×`);
  const lines = [
    '| engine | model | windows | train samples/s, median (min–max) | inference samples/s, median | train GFLOP/s | ovr-lab ÷ engine, train | ovr-lab ÷ engine, inference |',
    '|---|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    if (r.failed) {
      lines.push(`| ${r.id} | ${r.model} | 0 of ${r.planned} | **failed** (below) | — | — | — | — |`);
      continue;
    }
    const train = r.train ? fmtSpread(r.train) : 'n/a';
    lines.push(`| ${r.id} | ${r.model} | ${r.windows} × ${r.seconds} s | ${train} | ${r.infer ? fmt(r.infer.median) : '—'} | ` +
      `${r.gflops ? fmt(r.gflops.median, 2) : '—'} | ${ratio(r.train_ratio)} | ${ratio(r.infer_ratio)} |`);
  }
  return lines.join('\n');
}

export function renderEngineSection({ command, date, machine, rows, warnings }) {
  const form = rows.find((r) => r.cli_form)?.cli_form;
  const cli = form === 'positional'
    ? '`target/release/ovr-lab bench <model>` (this CLI only has the positional form: batch 32, 5 s fixed)'
    : `\`target/release/ovr-lab bench --model <model> --batch ${BATCH} --seconds <s>\``;
  return `## Engine

\`${command}\`, ${date}.
${machineLine(machine)}

REF-CNN: 28×28×1 → conv 5×5 ×8 (same) → ReLU → max-pool 2 → conv 5×5 ×16 (same) → ReLU → max-pool 2 →
dense 784→10 (softmax cross-entropy), or 784→1 (sigmoid, binary cross-entropy) for \`ref-cnn-binary\`.
Training: batch ${BATCH}, SGD with learning rate 0.01 and momentum 0.9, one untimed warm-up step, then
as many steps as fit in the window; inference: batch 256 for as long as the training window (at most
2 s, at least half of it). Inputs are uniform random pixels with random labels: speed does not depend
on the values. Each browser engine runs in its own dedicated Web Worker of ${machine.chromium},
one at a time, a fresh page per window; windows are interleaved across engines. Ratios compare medians
with ovr-lab in the worker on the same model (above 1: ovr-lab is faster).

${engineTable(rows)}

- ovr-lab: this repository's engine, Rust compiled to wasm32 with SIMD128 (\`www/js/bench-worker.js\`);
  \`ovr-lab (native)\`: the same code as a native release binary, ${cli}.
- convnetjs: ${ENGINES.convnetjs.label}, trainer \`sgd\` with \`batch_size\` ${BATCH}, one sample per
  \`train\` call; the binary variant is a **2-class softmax** (ConvNetJS has no sigmoid output layer).
- tfjs-cpu: ${ENGINES['tfjs-cpu'].label} (plain JavaScript kernels), one \`optimizer.minimize\` step
  per batch with \`tf.train.momentum\`; its \`Conv2DBackpropFilter\` kernel dominates training.
- tfjs-wasm: ${ENGINES['tfjs-wasm'].label}; single-threaded SIMD build (no cross-origin isolation, so
  no threads); **training n/a**: the backend has no \`Conv2DBackpropFilter\` kernel.
- burn: ${peerLabel(rows, 'burn', 'burn 0.22.1')}, NdArray backend with Autodiff, \`burn::nn\` layers
  (\`Conv2d\` with \`PaddingConfig2d::Same\`, \`MaxPool2d\`, \`Linear\`), \`CrossEntropyLoss\`, SGD with
  \`MomentumConfig\` 0.9 and no dampening; burn's default initialisation. Built without default
  features (no rayon: one thread) with \`simd\` (burn-ndarray's macerator kernels).
- candle: ${peerLabel(rows, 'candle', 'candle 0.11.1')}, CPU backend: \`candle_nn::conv2d\` (padding 2), \`max_pool2d\`,
  \`candle_nn::linear\`, \`candle_nn::loss::cross_entropy\`, backprop with \`Tensor::backward\`, and the
  momentum update written out over the \`Var\`s (candle-nn's SGD has no momentum); inference uses
  detached copies of the weights. Natively one thread (\`RAYON_NUM_THREADS=1\`); in wasm rayon runs on
  the calling thread.
- The Rust peers are a workspace of their own, \`bench/peers/\` (${peerVersions()}), with
  the same release profile as ovr-lab (\`lto\`, one codegen unit) and, in wasm, \`+simd128\`, then
  wasm-bindgen and \`wasm-opt -O3\` like ovr-lab's module; natively the default x86-64 target, whose
  libraries pick AVX2/FMA kernels at run time where they have them (candle's gemm does). Their
  \`(native)\` rows run \`bench/peers/target/release/peer-<name> --batch ${BATCH} --seconds <s>\`; they
  implement \`ref-cnn\` only.
- GFLOP/s counts conv and dense multiply-adds as 2 FLOPs (forward, weight gradients, and input
  gradients of every layer but the first); ReLU and pooling are not counted.
${failureNotes(rows)}${warnings.length ? `\nWarnings:\n${warnings.map((w) => `- ${w}`).join('\n')}\n` : ''}
Raw windows: \`.bench/results.json\` (key \`engine\`).`;
}

/** "burn 0.22.1 (…)" as the peer reported it, or `fallback` when it never ran. */
function peerLabel(rows, engine, fallback) {
  const v = rows.find((r) => r.id.startsWith(engine) && r.version)?.version;
  return v ? v.replace(/ \(.*\)$/, '') : fallback;
}

/** The exact errors of the engines that failed, as Markdown. */
function failureNotes(rows) {
  const failed = rows.filter((r) => r.failed || r.failure);
  if (failed.length === 0) return '';
  const block = (r) => `- **${r.id}, ${r.model}**${r.failed ? '' : ` (${r.failed_windows} window(s))`}:\n\n  \`\`\`text\n${(r.failed || r.failure).split('\n').map((l) => `  ${l}`).join('\n')}\n  \`\`\``;
  return `\nFailures (the error as the engine reported it):\n\n${failed.map(block).join('\n\n')}\n`;
}

export const engineSection = {
  name: 'engine',
  title: 'Engine',
  async measure(env, { quick }) {
    let plan = ENGINE_PLAN;
    if (quick) plan = plan.map((p) => ({ ...p, windows: 1, seconds: 1 }));
    if (env.only) plan = plan.filter((p) => env.only.includes(p.id) || env.only.includes(p.engine));
    if (plan.some((p) => p.where === 'native') && !fs.existsSync(NATIVE_CLI)) {
      log(`no native CLI at ${NATIVE_CLI} (cargo build --release --bin ovr-lab); skipping it`);
      plan = plan.filter((p) => p.where !== 'native');
    }
    const { runs, failures, warnings } = await measureEngines(env, { plan });
    const rows = summariseEngines(runs, plan, MODELS, failures);
    return { command: env.command, date: env.date, machine: env.machine, plan, rows, failures, warnings, runs };
  },
  print: (data) => engineTable(data.rows),
  render: renderEngineSection,
};

export const SECTIONS = [engineSection, peakSection, scalingSection, comparisonSection];

function parseArgs(argv) {
  const opts = { quick: false, only: null, render: false, section: null };
  for (const arg of argv) {
    if (arg === '--quick') opts.quick = true;
    else if (arg.startsWith('--section=')) opts.section = arg.slice(10).split(',');
    else if (arg === '--render') opts.render = true;
    else if (arg.startsWith('--only=')) opts.only = arg.slice(7).split(',');
    else throw new Error(`unknown argument ${arg} (--quick, --only=engine,…, --render)`);
  }
  return opts;
}

/** Re-renders the published sections from stored results: for changes to the prose alone. */
function renderStored() {
  const stored = JSON.parse(fs.readFileSync(RESULTS_JSON, 'utf8'));
  for (const section of SECTIONS) {
    if (stored[section.name]) writeSection(section.name, section.render(stored[section.name]));
    else log(`no stored results for section "${section.name}"; left as it was`);
  }
}

export async function main(argv = process.argv.slice(2)) {
  const opts = parseArgs(argv);
  if (opts.render) return renderStored();
  // A partial or quick run is for checking the script; only a full run is worth publishing.
  const publish = !opts.quick && !opts.only;
  const server = await serve(WWW); // the benchmark page is a development page, not in dist/
  const browser = await launch();
  const started = Date.now();
  try {
    // The user agent string hides the minor version; the DevTools protocol names the exact build.
    const probe = await openPage(browser.context, `${server.url}/favicon.svg`);
    const { product } = await (await browser.context.newCDPSession(probe)).send('Browser.getVersion');
    await probe.close();
    const env = {
      ...browser,
      url: server.url,
      only: opts.only,
      command: argv.length ? `node scripts/bench.mjs ${argv.join(' ')}` : 'make bench',
      date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      machine: machineInfo(product),
      // What the sections before measured (the peak section relates the engines' GFLOP/s to it).
      results: {},
      runPage: (settings) => benchPage(browser.context, server.url, settings),
    };
    log(`${machineLine(env.machine)}\n`);
    for (const section of SECTIONS) {
      if (opts.section && !opts.section.includes(section.name)) continue;
      const load = loadSampler();
      const data = await section.measure(env, opts);
      // Each section states how busy the machine was while it measured (in its machine line).
      data.machine = { ...data.machine, load: load.stop() };
      env.results[section.name] = data;
      console.log(`\n${section.title}\n\n${section.print(data)}\n\n${loadLine(data.machine)}\n`);
      if (data.warnings?.length) log(`warnings:\n  ${data.warnings.join('\n  ')}`);
      writeResults(publish ? section.name : `${section.name}-partial`, data);
      if (publish) writeSection(section.name, section.render(data));
    }
  } finally {
    await browser.close();
    await server.close();
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
    `${publish ? 'BENCHMARKS.md and ' : ''}.bench/results.json written`);
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  main().catch((e) => {
    console.error(e.stack || e.message);
    process.exitCode = 1;
  });
}
