// Who used the CPUs while a benchmark section measured, from Linux's /proc: the benchmark's own
// processes (this node process and everything it started: Chromium, the native CLI, the peers),
// every other process, and the time the hypervisor gave to other machines (steal). The load
// average cannot tell these apart, and on a virtual machine it can sit near 2 with the cores idle.
import fs from 'node:fs';

/** Ticks of the whole machine from /proc/stat's first line: busy, idle and stolen; null off Linux. */
function machineTicks() {
  try {
    const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal (guest time is already inside user).
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
    return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal: steal || 0 };
  } catch {
    return null;
  }
}

/** pid → { ppid, ticks } for every process, ticks counting its reaped children's (cutime, cstime). */
function processes() {
  const out = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces: fields start after the last ')'.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // f[1] is field 4 (ppid); f[11..14] are fields 14-17 (utime, stime, cutime, cstime).
      out.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch {
      // The process ended while we read.
    }
  }
  return out;
}

/** CPU ticks of `root` and all its descendants. */
function treeTicks(root) {
  const procs = processes();
  const children = new Map();
  for (const [pid, p] of procs) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(pid);
  }
  let ticks = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop();
    ticks += procs.get(pid)?.ticks ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return ticks;
}

/** A reading to pass to `cpuSince`; null where /proc is not there. */
export function cpuSnapshot(root = process.pid) {
  const machine = machineTicks();
  return machine ? { machine, ours: treeTicks(root), root } : null;
}

/**
 * Cores' worth of CPU since `start`, split into the benchmark's (`ours`), every other process's
 * (`others`) and the hypervisor's (`stolen`), out of the `nproc` CPUs /proc/stat counts. Ticks
 * are converted through the machine's total, so the clock rate does not matter. A descendant that ended before this reading
 * and was not reaped by a living process is lost from `ours` (and so counted in `others`).
 */
export function cpuSince(start, nproc) {
  if (!start) return null;
  const end = cpuSnapshot(start.root);
  if (!end) return null;
  const d = (k) => end.machine[k] - start.machine[k];
  const total = d('busy') + d('idle') + d('steal');
  if (!(total > 0)) return null;
  const cores = (ticks) => (Math.max(0, ticks) / total) * nproc;
  const ours = Math.min(end.ours - start.ours, d('busy'));
  return { ours: cores(ours), others: cores(d('busy') - ours), stolen: cores(d('steal')), nproc };
}
