// The benchmark's account of who used the CPUs while it measured (scripts/lib/cpu-time.mjs), and
// the flag it puts on disturbed numbers (loadLine). The load average alone flagged idle runs on
// this project's virtual machine, whose load average sits near 2 with the cores idle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { cpuSnapshot, cpuSince } from '../../scripts/lib/cpu-time.mjs';
import { loadLine } from '../../scripts/lib/bench-report.mjs';

const BUSY_MS = 1500;
const busy = `const t = Date.now(); while (Date.now() - t < ${BUSY_MS});`;
const nproc = os.cpus().length;
const linux = cpuSnapshot() !== null;

test('a child that spins counts as the benchmark\'s own CPU time', { skip: !linux && 'no /proc here' }, () => {
  const start = cpuSnapshot();
  // spawnSync waits for (reaps) the child, so its time lands in this process's children's time.
  spawnSync(process.execPath, ['-e', busy]);
  const cpu = cpuSince(start, nproc);
  assert.ok(cpu.ours > 0.5, `ours ${cpu.ours.toFixed(2)} cores while a child spun for ${BUSY_MS} ms`);
});

test('a process that is not ours counts as another process\'s', { skip: !linux && 'no /proc here' }, async () => {
  const start = cpuSnapshot();
  // The shell starts the spinner in the background and exits: the spinner is re-parented away
  // from this process, so it is no descendant of ours while it runs.
  spawn('sh', ['-c', `"${process.execPath}" -e '${busy}' >/dev/null 2>&1 &`], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, BUSY_MS + 300));
  const cpu = cpuSince(start, nproc);
  assert.ok(cpu.others > 0.4, `others ${cpu.others.toFixed(2)} cores while an outside process spun`);
  assert.ok(cpu.ours < cpu.others, `ours ${cpu.ours.toFixed(2)} while only waiting`);
});

test('numbers are flagged when others or the hypervisor took a quarter of the cores, not for a high load average alone', () => {
  const load = { mean: 1.8, min: 1.7, max: 1.9, samples: 8, every_s: 5 };
  const flagged = (cpu) => /machine was busy/.test(loadLine({ nproc: 2, load: { ...load, cpu } }));
  assert.equal(flagged({ ours: 1.0, others: 0.05, stolen: 0.01, nproc: 2 }), false, 'an idle VM with a high load average');
  assert.equal(flagged({ ours: 1.0, others: 0.6, stolen: 0, nproc: 2 }), true, 'another process on a core');
  assert.equal(flagged({ ours: 1.0, others: 0.2, stolen: 0.4, nproc: 2 }), true, 'the hypervisor took the time');
  assert.equal(flagged(null), true, 'without /proc, the load average decides');
  assert.match(loadLine({ nproc: 2, load: { ...load, cpu: { ours: 1.02, others: 0.05, stolen: 0.01, nproc: 2 } } }),
    /the benchmark 1\.02, other processes 0\.05, taken by the hypervisor 0\.01/);
});
