// Shared by every benchmark section of scripts/bench.mjs: statistics, number formatting, the
// machine description, and the two outputs (.bench/results.json and the marked sections of
// BENCHMARKS.md). Nothing here knows what is measured.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT } from '../../tests/e2e/harness.mjs';
import { cpuSnapshot, cpuSince } from './cpu-time.mjs';

export const RESULTS_JSON = path.join(ROOT, '.bench', 'results.json');
export const BENCHMARKS_MD = path.join(ROOT, 'BENCHMARKS.md');

/** Median, min and max of the finite numbers in `values`; null when there are none. */
export function stats(values) {
  const xs = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  const median = xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
  return { median, min: xs[0], max: xs[xs.length - 1], n: xs.length };
}

/** A rate for a table: whole numbers when large, a few significant digits when small. */
export function fmt(x, digits) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** "median (min–max)", or just the median when there was one window. */
export function fmtSpread(s) {
  if (!s) return '—';
  return s.n > 1 ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : fmt(s.median);
}

function quiet(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}

/**
 * The machine and build the numbers belong to. `browserProduct` ("HeadlessChrome/156.0.…") comes
 * from the running browser, so the version is the one that ran the workers.
 */
export function machineInfo(browserProduct = '') {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const cpu = (cpuinfo.match(/^model name\s*:\s*(.+)$/m) || [])[1] || os.cpus()[0]?.model || 'unknown';
  const chrome = (browserProduct.match(/(?:Headless)?Chrome\/([\d.]+)/) || [])[1];
  const commit = quiet('git', ['rev-parse', '--short', 'HEAD']);
  // BENCHMARKS.md is what a run rewrites, so its own edits do not make the measured code "uncommitted".
  const dirty = quiet('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!BENCHMARKS.md']);
  return {
    nproc: os.availableParallelism(),
    cpu,
    chromium: chrome ? `Chromium ${chrome} (headless)` : 'unknown',
    node: process.version,
    rustc: quiet('rustc', ['--version']),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    commit: commit ? `${commit}${dirty ? ' (with uncommitted changes)' : ''}` : null,
  };
}

/** One paragraph naming the machine, for the top of a BENCHMARKS.md section. */
export function machineLine(m) {
  return `Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpu}; ${m.chromium}; ${m.os}; Node ${m.node}` +
    `${m.rustc ? `; ${m.rustc}` : ''}${m.commit ? `; commit ${m.commit}` : ''}.${m.load ? `\n${loadLine(m)}` : ''}`;
}

/**
 * How busy the machine was while a section measured: whose CPU time it was (from /proc, where there
 * is one) and the 1-minute load average, sampled. The numbers are flagged as disturbed when other
 * processes or the hypervisor took more than a quarter of the cores; without /proc, when the load
 * average passed three quarters of them.
 */
export function loadLine({ load, nproc }) {
  const { cpu } = load;
  const disturbed = cpu ? cpu.others + cpu.stolen > nproc * 0.25 : load.mean > nproc * 0.75;
  const flag = disturbed ? ' **The machine was busy: these numbers are low and noisy.**' : '';
  const time = cpu
    ? `CPU time while measuring, in cores of ${nproc}: the benchmark ${fmt(cpu.ours, 2)}, other processes ` +
      `${fmt(cpu.others, 2)}, taken by the hypervisor ${fmt(cpu.stolen, 2)}. `
    : '';
  return `${time}Load average (1 min): mean ${fmt(load.mean, 1)}, ${fmt(load.min, 1)}–${fmt(load.max, 1)} ` +
    `(${load.samples} samples, every ${load.every_s} s); the benchmark itself accounts for about 1 ` +
    `(2 while two Workers or the multi-threaded CLI run).${flag}`;
}

/**
 * Samples the 1-minute load average every `everyS` seconds, and reads who used the CPUs, until
 * `stop()`, which returns the summary.
 */
export function loadSampler(everyS = 5) {
  const xs = [os.loadavg()[0]];
  const start = cpuSnapshot();
  const timer = setInterval(() => xs.push(os.loadavg()[0]), everyS * 1000);
  return {
    stop() {
      clearInterval(timer);
      xs.push(os.loadavg()[0]);
      return {
        mean: xs.reduce((a, x) => a + x, 0) / xs.length, min: Math.min(...xs), max: Math.max(...xs),
        samples: xs.length, every_s: everyS, cpu: cpuSince(start, os.cpus().length),
      };
    },
  };
}

const marker = (name, edge) => `<!-- bench:${name}:${edge} -->`;

/**
 * Replaces the body between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->`, leaving
 * everything else as it was; a section not yet in the file is appended. Each script owns its
 * markers, so sections written by different scripts never overwrite each other.
 */
export function replaceSection(markdown, name, body) {
  const start = marker(name, 'start');
  const end = marker(name, 'end');
  const i = markdown.indexOf(start);
  const j = markdown.indexOf(end);
  if (i === -1 && j === -1) {
    return `${markdown.replace(/\n*$/, '\n\n')}${start}\n${body.trim()}\n${end}\n`;
  }
  if (i === -1 || j === -1 || j < i) {
    throw new Error(`BENCHMARKS.md: the markers of section "${name}" are unbalanced; fix them by hand`);
  }
  return `${markdown.slice(0, i + start.length)}\n${body.trim()}\n${markdown.slice(j)}`;
}

const HEADER = `# Benchmarks

Measured by \`make bench\` (scripts/bench.mjs). The sections between \`<!-- bench:… -->\` markers are
regenerated by the scripts; text outside them is kept.
`;

/** Writes one section of BENCHMARKS.md, creating the file if needed. */
export function writeSection(name, body, file = BENCHMARKS_MD) {
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : HEADER;
  fs.writeFileSync(file, replaceSection(old, name, body));
}

/** Stores `data` under `name` in .bench/results.json, keeping the other sections' results. */
export function writeResults(name, data, file = RESULTS_JSON) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let all = {};
  try {
    all = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // A missing or unreadable file starts afresh: it only holds generated data.
  }
  all[name] = data;
  fs.writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}
