// The limits the engine's speed is read against, two sections of `make bench`:
//   - peak: the best sustained f32 SIMD multiply + add rate of one core (no FMA), in a Worker of
//     the same Chromium (f32x4, wasm SIMD128) and natively (SSE f32x4, AVX2 f32x8), from
//     bench/peers/peak; and each engine's training GFLOP/s as a fraction of it;
//   - scaling: ovr-lab's training bench in two Workers at once against one Worker.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../tests/e2e/harness.mjs';
import { stats, fmt, fmtSpread, machineLine, RESULTS_JSON } from './bench-report.mjs';

const run = promisify(execFile);
const log = (...args) => console.error(...args);

export const PEERS_DIR = path.join(ROOT, 'bench', 'peers');
const PEAK_BIN = path.join(PEERS_DIR, 'target', 'release', 'peak');

/** The versions Cargo.lock of bench/peers pins for the crates that matter, as one line. */
export function peerVersions() {
  let lock = '';
  try {
    lock = fs.readFileSync(path.join(PEERS_DIR, 'Cargo.lock'), 'utf8');
  } catch {
    return 'versions: bench/peers/Cargo.lock';
  }
  const versions = (name) => [...lock.matchAll(new RegExp(`name = "${name}"\\nversion = "([^"]+)"`, 'g'))].map((m) => m[1]);
  const names = ['burn', 'burn-ndarray', 'burn-autodiff', 'candle-core', 'candle-nn', 'gemm', 'matrixmultiply', 'rayon-core', 'getrandom', 'wasm-bindgen'];
  return names.map((n) => (versions(n).length ? `${n} ${versions(n).join(' and ')}` : null)).filter(Boolean).join(', ');
}

/**
 * The kernels: where each runs (a Worker runs the page's `engine`) and what it is. A `tile` is
 * ovr-lab's own loop with its operands in L1, read against the peak `of` the same instructions.
 */
export const PEAK_PLAN = [
  { id: 'wasm-simd128', where: 'worker', engine: 'peak', label: 'f32x4.mul + f32x4.add, wasm SIMD128 in a Worker', windows: 3, seconds: 2 },
  { id: 'sse', where: 'native', label: 'mulps + addps, SSE f32x4, native', windows: 3, seconds: 2 },
  { id: 'avx2', where: 'native', label: 'vmulps + vaddps, AVX2 f32x8, native', windows: 3, seconds: 2 },
  {
    id: 'wasm-tile', where: 'worker', engine: 'peak-tile', tile: true, of: 'wasm-simd128', windows: 3, seconds: 2,
    label: "ovr-lab's forward tile (4 pixels × 8 filters, 200 taps) in L1, wasm SIMD128 in a Worker",
  },
  {
    id: 'sse-tile', where: 'native', tile: true, of: 'sse', windows: 3, seconds: 2,
    label: 'the same tile written with SSE intrinsics, native',
  },
];

async function peakNative(isa, seconds) {
  if (!fs.existsSync(PEAK_BIN)) {
    const why = `${PEAK_BIN}.build-error.txt`;
    throw new Error(fs.existsSync(why) ? `peak did not build natively: ${fs.readFileSync(why, 'utf8').trim()}`
      : 'peak is not built natively (make bench runs bench/peers/build.sh)');
  }
  const { stdout } = await run(PEAK_BIN, ['--isa', isa, '--seconds', String(seconds)], { cwd: ROOT, timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').reverse().find((l) => l.startsWith('{')));
}

/** The engine section's rows, from this run or else from the stored results. */
function engineRows(env) {
  if (env.results?.engine) return env.results.engine.rows;
  try {
    return JSON.parse(fs.readFileSync(RESULTS_JSON, 'utf8')).engine?.rows ?? [];
  } catch {
    return [];
  }
}

/**
 * Each engine's median training GFLOP/s on ref-cnn against the peak of where it ran: the browser
 * engines against f32x4 in wasm, the native ones against AVX2 and against SSE.
 */
export function fractions(rows, peaks) {
  const peak = (id) => peaks.find((p) => p.id === id)?.gflops?.max ?? null;
  const out = [];
  for (const r of rows.filter((x) => x.model === 'ref-cnn' && x.gflops)) {
    const native = r.id.endsWith('(native)');
    const against = native ? ['avx2', 'sse'] : ['wasm-simd128', 'wasm-tile'];
    out.push({
      id: r.id,
      gflops: r.gflops.median,
      of: Object.fromEntries(against.map((k) => [k, peak(k) ? r.gflops.median / peak(k) : null])),
    });
  }
  return out;
}

export const peakSection = {
  name: 'peak',
  title: 'The limit: f32 SIMD multiply + add peak of one core',
  async measure(env, { quick }) {
    const runs = [];
    const failures = [];
    const plan = PEAK_PLAN.map((p) => (quick ? { ...p, windows: 1, seconds: 1 } : p));
    for (let w = 0; w < Math.max(...plan.map((p) => p.windows)); w++) {
      for (const p of plan.filter((q) => q.windows > w)) {
        try {
          const result = p.where === 'worker'
            ? await env.runPage({ engine: p.engine, model: 'ref-cnn', batch: 32, seconds: p.seconds })
            : await peakNative(p.id, p.seconds);
          runs.push({ id: p.id, window: w + 1, result });
          log(`peak ${p.id.padEnd(13)} window ${w + 1}: best ${fmt(result.gflops, 1)} GFLOP/s, median ${fmt(result.median_gflops, 1)}`);
        } catch (e) {
          if (!failures.some((f) => f.id === p.id)) failures.push({ id: p.id, error: e.message });
          log(`peak ${p.id}: FAILED ${e.message.split('\n')[0]}`);
        }
      }
    }
    const peaks = plan.map((p) => {
      const mine = runs.filter((r) => r.id === p.id).map((r) => r.result);
      return {
        id: p.id,
        label: p.label,
        windows: mine.length,
        seconds: p.seconds,
        // The best chunk of each window; the peak is the best of those.
        gflops: stats(mine.map((r) => r.gflops)),
        median_gflops: stats(mine.map((r) => r.median_gflops)),
        chains: mine[0]?.chains,
        tile: Boolean(p.tile),
        of: p.of,
        failed: failures.find((f) => f.id === p.id)?.error,
      };
    });
    return {
      command: env.command, date: env.date, machine: env.machine, peaks, runs, failures,
      fractions: fractions(engineRows(env), peaks),
    };
  },
  print: (data) => `${peakTable(data)}\n\n${fractionTable(data)}`,
  render(data) {
    return `## The limit: f32 SIMD multiply + add peak of one core

\`${data.command}\`, ${data.date}.
${machineLine(data.machine)}

${peakTable(data)}

- \`bench/peers/peak\`: ${data.peaks[0]?.chains ?? 12} independent accumulators, each \`acc ← acc·m + k\` with a separate
  multiply and add (no FMA, as ovr-lab's kernels), in a tight loop timed in chunks of 2²² iterations
  (4–8 ms); a lane's multiply and add count as 2 FLOPs. *Peak* is the best chunk over all windows,
  *median* the median chunk of the median window: on a loaded machine the first is what one core can
  do, the second what it did. The wasm kernel runs in a dedicated Worker of the same Chromium
  (\`www/bench.html?engine=peak\`); the native ones are \`bench/peers/target/release/peak --isa sse|avx2\`.
- *The tile* (\`bench/peers/peak/src/tile.rs\`, \`www/bench.html?engine=peak-tile\`, \`peak --isa sse-tile\`): the loop
  ovr-lab's forward convolution runs in wasm (\`conv_tile\` in \`src/nn/conv.rs\`), 4 pixels × 8 filters of
  accumulators over 200 taps (REF-CNN's second layer) with a load of each tap's offset, two weight vectors, four
  broadcasts, 8 multiplies and 8 adds per tap, every operand in L1. It is the ceiling of the engine's way of
  computing: what keeps it below the peak is the loop's own loads and bookkeeping (and the JIT's code for
  them), and what keeps the engine below it is everything else a training step does.
${data.failures.length ? `\nFailures:\n${data.failures.map((f) => `- ${f.id}: ${f.error}`).join('\n')}\n` : ''}
Training GFLOP/s (REF-CNN, batch 32; medians of the engine section above) as a fraction of the peak where the engine ran:

${fractionTable(data)}

Raw windows: \`.bench/results.json\` (key \`peak\`).`;
  },
};

function peakTable({ peaks }) {
  const lines = [
    '| kernel | windows | peak GFLOP/s (best chunk) | median GFLOP/s | of the peak of the same instructions |',
    '|---|--:|--:|--:|--:|',
  ];
  const best = (id) => peaks.find((q) => q.id === id)?.gflops?.max;
  for (const p of peaks) {
    if (p.failed && !p.gflops) {
      lines.push(`| ${p.label} | 0 | **failed**: ${p.failed.split('\n')[0]} | — | — |`);
      continue;
    }
    const share = p.tile && best(p.of) ? `${fmt((100 * p.gflops.max) / best(p.of), 1)}% (best chunks)` : '—';
    lines.push(`| ${p.label} | ${p.windows} × ${p.seconds} s | ${fmt(p.gflops?.max, 1)} | ${fmt(p.median_gflops?.median, 1)} | ${share} |`);
  }
  return lines.join('\n');
}

function fractionTable({ fractions: rows }) {
  const pct = (x) => (x === null || x === undefined ? '—' : `${fmt(x * 100, 1)}%`);
  const lines = [
    '| engine | train GFLOP/s | of the wasm f32x4 peak | of the wasm tile in L1 | of the native AVX2 peak | of the native SSE peak |',
    '|---|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.id} | ${fmt(r.gflops, 2)} | ${pct(r.of['wasm-simd128'])} | ${pct(r.of['wasm-tile'])} | ${pct(r.of.avx2)} | ${pct(r.of.sse)} |`);
  }
  if (rows.length === 0) lines.push('| (no engine results: run the engine section first) | | | | | |');
  return lines.join('\n');
}

/** ovr-lab's training in one Worker and in two at once, alternating; the target is ≥ 1.85×. */
export const SCALING = { engine: 'ovr-lab', model: 'ref-cnn', batch: 32, seconds: 3, windows: 3, target: 1.85 };

export const scalingSection = {
  name: 'scaling',
  title: 'Two Workers at once',
  async measure(env, { quick }) {
    const windows = quick ? 1 : SCALING.windows;
    const seconds = quick ? 1 : SCALING.seconds;
    const runs = [];
    const failures = [];
    for (let w = 0; w < windows; w++) {
      for (const workers of [1, 2]) {
        try {
          const result = await env.runPage({ engine: SCALING.engine, model: SCALING.model, batch: SCALING.batch, seconds, workers });
          runs.push({ workers, window: w + 1, result });
          log(`scaling: ${workers} worker(s), window ${w + 1}: train ${fmt(result.train_samples_per_s)}/s` +
            `${workers > 1 ? ` (${result.per_worker.map((r) => fmt(r.train_samples_per_s)).join(' + ')}; overlap ${fmt(result.overlap * 100)}%)` : ''}`);
        } catch (e) {
          failures.push({ workers, window: w + 1, error: e.message });
          log(`scaling: ${workers} worker(s): FAILED ${e.message}`);
        }
      }
    }
    const of = (n, key) => stats(runs.filter((r) => r.workers === n).map((r) => r.result[key]));
    const one = { train: of(1, 'train_samples_per_s'), infer: of(1, 'infer_samples_per_s') };
    const two = { train: of(2, 'train_samples_per_s'), infer: of(2, 'infer_samples_per_s'), overlap: of(2, 'overlap') };
    const ratio = (a, b) => (a && b ? a.median / b.median : null);
    return {
      command: env.command, date: env.date, machine: env.machine, seconds, windows, runs, failures, one, two,
      train_scaling: ratio(two.train, one.train),
      infer_scaling: ratio(two.infer, one.infer),
      target: SCALING.target,
    };
  },
  print: scalingTable,
  render(data) {
    return `## Two Workers at once

\`${data.command}\`, ${data.date}.
${machineLine(data.machine)}

${scalingTable(data)}

- ovr-lab's \`bench\` on ${SCALING.model}, batch ${SCALING.batch}, in \`www/bench.html?engine=ovr-lab&workers=2\`: two dedicated Workers
  (each with its own wasm instance) that start their ${data.seconds} s windows together; the two-Worker rate is
  the sum of both. Windows alternate between one and two Workers. Target: ≥ ${data.target}× one Worker.
- The machine has ${data.machine.nproc} cores, so two Workers need both; anything else running takes from the
  second Worker first. *Overlap* is how much of the two Workers' spans (from the start message to the
  result) coincide.
${data.failures.length ? `\nFailures:\n${data.failures.map((f) => `- ${f.workers} worker(s), window ${f.window}: ${f.error}`).join('\n')}\n` : ''}
Raw windows: \`.bench/results.json\` (key \`scaling\`).`;
  },
};

function scalingTable({ one, two, train_scaling: t, infer_scaling: i, target }) {
  const x = (r) => (r === null ? '—' : `${fmt(r, 2)}×`);
  return [
    '| Workers | train samples/s, median (min–max) | inference samples/s, median | windows overlap |',
    '|--:|--:|--:|--:|',
    `| 1 | ${fmtSpread(one.train)} | ${fmt(one.infer?.median)} | — |`,
    `| 2 (sum) | ${fmtSpread(two.train)} | ${fmt(two.infer?.median)} | ${two.overlap ? `${fmt(two.overlap.median * 100)}%` : '—'} |`,
    `| 2 ÷ 1 | **${x(t)}** (target ≥ ${target}×) | ${x(i)} | |`,
  ].join('\n');
}
