// How training ended, model by model: epochs run, the epoch whose weights were kept, and whether
// a model stopped improving or was still improving at the epoch limit (the report's judgement,
// from its validation accuracy); with a learning-rate grid, the tuning table (each rate's
// validation accuracy, the chosen one marked). Without validation nothing is judged, and the
// view says so.
import { approachColor, approachLabel, orderedApproaches } from './palette.js';
import { el } from '../dom.js';
import {
  dataTable, findingsOf, hasApproaches, makeCaption, pct, waitingText,
} from './common.js';

/** At most this many models' rows are shown open; larger approaches start folded. */
const OPEN_ROWS = 12;

/** How a model's training ended, in words (stop and still_improving are the report's). */
function ending(t, patience) {
  if (t.stop === 'patience') return `stopped improving: no lower validation loss for ${patience} epoch${patience === 1 ? '' : 's'}`;
  if (t.stop === 'max_epochs') {
    if (t.still_improving === true) return 'still improving at the epoch limit';
    if (t.still_improving === false) return 'reached the epoch limit after validation stopped improving';
    return 'trained every epoch (no validation to judge by)';
  }
  return 'training';
}

export function createView(container) {
  const root = el('div', { className: 'view view-training' });
  const tuning = el('div', { className: 'training-tuning' });
  const models = el('div', { className: 'training-models' });
  root.append(tuning, models);
  container.append(root);
  const caption = makeCaption(root);
  const open = new Map(); // approach id -> the reader's open/closed choice

  function renderTuning(report, approaches) {
    const tuned = approaches.filter((a) => a.tuning?.rates?.length);
    tuning.hidden = !tuned.length;
    if (!tuned.length) { tuning.replaceChildren(); return; }
    const rates = [...new Set(tuned.flatMap((a) => a.tuning.rates.map((r) => r.lr)))];
    const rows = rates.map((lr) => [String(lr), ...tuned.map((a) => {
      const r = a.tuning.rates.find((x) => x.lr === lr);
      const chosen = a.tuning.chosen === lr;
      const seeds = r?.seed_val_accuracies ?? [];
      return el('td', { className: chosen ? 'chosen' : '', title: seeds.length ? `per seed: ${seeds.map((v) => pct(v)).join(', ')}` : '' },
        r?.val_accuracy == null ? '…' : pct(r.val_accuracy),
        chosen ? el('strong', { className: 'chosen-mark', textContent: ' ✓ chosen' }) : null);
    })]);
    tuning.replaceChildren(
      el('h4', { textContent: 'Learning rate: validation accuracy of each rate (mean over seeds)' }),
      dataTable('Learning-rate tuning table', ['learning rate', ...tuned.map((a) => approachLabel(a.id, report))], rows, 'tuning-table'),
      el('p', { className: 'view-note', textContent: `Rule: ${tuned[0].tuning.rule}. The test set played no part.` }));
  }

  function renderModels(report, approaches) {
    const patience = report?.config?.patience ?? 0;
    models.replaceChildren(...approaches.filter((a) => a.training?.length).map((a) => {
      const swatch = el('span', { className: 'swatch', 'aria-hidden': 'true' });
      swatch.style.backgroundColor = approachColor(a.id);
      const rows = a.training.map((t) => [
        t.label, ending(t, patience), `${t.epochs_run} of ${t.max_epochs}`, String(t.best_epoch), String(t.seed),
      ]);
      // Without validation every row says the same: folded unless the reader opens it.
      const judged = (report?.config?.validation_fraction ?? 0) > 0;
      const details = el('details', { className: 'training-approach', open: open.get(a.id) ?? (judged && a.training.length <= OPEN_ROWS) },
        el('summary', {}, swatch, approachLabel(a.id, report), el('span', { className: 'th-sub-inline', textContent: ` · ${a.training.length} model${a.training.length === 1 ? '' : 's'}` })),
        dataTable(`${approachLabel(a.id, report)}: how each model's training ended`,
          ['model', 'how it ended', 'epochs run', ['kept', 'epoch of its weights'], 'seed'], rows, 'training-table'));
      details.addEventListener('toggle', () => open.set(a.id, details.open));
      return details;
    }));
  }

  function explain(report) {
    const out = ['Did the models finish learning? A model that was still improving at the epoch limit was stopped early, not converged, and more epochs could change the comparison.'];
    const c = report?.config;
    if (c && c.validation_fraction > 0) {
      out.push(`Judged on a validation split (${pct(c.validation_fraction, 0)} of each class's training images), never on the test set${c.patience > 0 ? `; early stopping after ${c.patience} epoch${c.patience === 1 ? '' : 's'} without improvement, keeping the best weights` : ''}.`);
    }
    return out;
  }

  return {
    update(report) {
      const approaches = hasApproaches(report) ? orderedApproaches(report) : [];
      const any = approaches.some((a) => a.training?.length);
      if (!any) {
        tuning.hidden = true;
        models.replaceChildren();
        caption.set([waitingText('training records', 'as models finish')]);
        return;
      }
      renderTuning(report, approaches);
      renderModels(report, approaches);
      caption.set(explain(report), findingsOf(report, 'training'));
    },
    destroy() {
      root.remove();
    },
  };
}
