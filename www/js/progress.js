// The progress panel: the run's overall bar and line of text, and one bar per model. It only
// draws: the overall fraction, the models done and the time left come from the engine
// (`RunProgress`, in run.js), each model's fraction from its worker.
import { el } from './dom.js';

const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 0 });

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
      overall.value = 0;
      modelBars.replaceChildren(...jobs.map((j) => {
        const bar = el('progress', { max: 1, value: 0, 'aria-label': j.label });
        bars.set(j.index, bar);
        return el('div', { className: 'lab-model-bar' }, el('span', { textContent: `${j.label}${seeds > 1 ? ` (seed ${j.seed})` : ''}` }), bar);
      }));
    },
    /**
     * `run` is the engine's `{fraction, models_done, models, seconds_left}`, `fractions` (Map
     * index → fraction) each model's, `elapsed` the seconds of training so far.
     */
    show({ run, fractions, elapsed, paused }) {
      overall.value = run.fraction;
      const done = percent.format(run.fraction);
      overallText.textContent = paused
        ? `Paused at ${done}`
        : `${done} · ${run.models_done} of ${run.models} models · ${formatSeconds(elapsed)} elapsed · about ${formatSeconds(run.seconds_left ?? NaN)} left`;
      for (const [index, bar] of bars) bar.value = fractions.get(index) || 0;
    },
    done(seconds) {
      overall.value = 1;
      overallText.textContent = `Done in ${formatSeconds(seconds)}`;
    },
    /** A line of text in place of the numbers ('Stopped: …', 'Analysing representations…'). */
    say(text) {
      overallText.textContent = text;
    },
  };
}
