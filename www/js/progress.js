// The progress panel: the run's overall bar and line of text, and one bar per model. It only
// draws the fractions the run gives it.
import { el } from './dom.js';

export function formatSeconds(s) {
  if (!Number.isFinite(s)) return '…';
  if (s < 60) return `${Math.max(1, Math.round(s))} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** @param {{overall: HTMLProgressElement, overallText: HTMLElement, modelBars: HTMLElement}} refs */
export function createProgress({ overall, overallText, modelBars }) {
  let bars = new Map();
  return {
    /** One bar per job (`{index, label, seed}`), labelled with its seed when there are several. */
    start(jobs, seeds) {
      bars = new Map();
      modelBars.replaceChildren(...jobs.map((j) => {
        const bar = el('progress', { max: 1, value: 0, 'aria-label': j.label });
        bars.set(j.index, bar);
        return el('div', { className: 'lab-model-bar' }, el('span', { textContent: `${j.label}${seeds > 1 ? ` (seed ${j.seed})` : ''}` }), bar);
      }));
    },
    /** `fraction` of the run done, `fractions` (Map index → fraction) per model, times in seconds. */
    show({ fraction, fractions, elapsed, left, paused }) {
      overall.value = fraction;
      overallText.textContent = paused
        ? `Paused at ${Math.round(100 * fraction)}%`
        : `${Math.round(100 * fraction)}% · ${formatSeconds(elapsed)} elapsed · about ${formatSeconds(left)} left`;
      for (const [index, bar] of bars) bar.value = fractions.get(index) || 0;
    },
    done(seconds) {
      overall.value = 1;
      overallText.textContent = `Done in ${formatSeconds(seconds)}`;
    },
    /** A line of text in place of the numbers ('Stopped: …', 'Decoding images… 40%'). */
    say(text) {
      overallText.textContent = text;
    },
  };
}
