// One kept run in the Runs panel: a tick box (compare), its name or date, each approach's test
// accuracy as the report gives it, the settings on which it differs from the current ones (the
// engine's `config_differences`), and Open / Rename / Pin / Delete. Renaming edits the name in
// place (Enter keeps it, Escape cancels).
import { el } from './dom.js';
import { runTitle } from './runs-compare.js';
import { pct } from './views/common.js';

function differences(engine, entry, current) {
  let diff;
  try {
    diff = engine.config_differences(entry.config, current);
  } catch {
    return 'settings this version cannot read';
  }
  if (diff.length === 0) return 'the current settings';
  return `differs: ${diff.map((d) => `${d.label} ${d.value || '(all)'} (now ${d.other || '(all)'})`).join(', ')}`;
}

const button = (text, label, onClick, extra = {}) => {
  const b = el('button', { type: 'button', textContent: text, 'aria-label': label, ...extra });
  b.addEventListener('click', onClick);
  return b;
};

/**
 * @param {object} entry the run's list entry (runs.js)
 * @param {object} actions `engine`, `config()`, `open`, `rename`, `pin`, `remove`, `tick`, `isTicked`
 */
export function createRunEntry(entry, actions) {
  const title = runTitle(entry);
  const name = el('span', { className: 'lab-run-when', textContent: title });
  const tick = el('input', { type: 'checkbox', className: 'lab-run-tick', 'aria-label': `Compare the run ${title}` });
  tick.checked = actions.isTicked(entry);
  tick.addEventListener('change', () => actions.tick(entry, tick.checked));

  const renameButton = button('Rename', `Rename the run ${title}`, () => {
    const input = el('input', { type: 'text', className: 'lab-run-name', value: entry.name ?? '', maxLength: 80, 'aria-label': `New name of the run ${title} (empty: its date)` });
    let finished = false;
    const finish = (keep) => {
      if (finished) return;
      finished = true;
      if (keep) actions.rename(entry, input.value);
      else input.replaceWith(name);
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') finish(true);
      if (e.key === 'Escape') finish(false);
    });
    input.addEventListener('blur', () => finish(true));
    name.replaceWith(input);
    input.focus();
    input.select();
  });
  const pinButton = button(entry.pinned ? 'Unpin' : 'Pin', `${entry.pinned ? 'Unpin' : 'Pin'} the run ${title} (pinned runs are never dropped to make room)`,
    () => actions.pin(entry), { 'aria-pressed': String(Boolean(entry.pinned)) });

  return el('li', { className: `lab-run-entry${entry.pinned ? ' lab-run-pinned' : ''}`, dataset: { runId: String(entry.id) } },
    tick, ' ', name,
    entry.pinned ? el('span', { className: 'lab-run-pin-mark', textContent: ' (pinned)' }) : null,
    el('span', { className: 'lab-run-what', textContent: ` ${entry.dataset}: ${entry.accuracies.map(([a, acc]) => `${a} ${pct(acc)}`).join(', ')}` }),
    el('span', { className: 'lab-run-diff', textContent: ` — ${differences(actions.engine, entry, actions.config())}` }),
    ' ', button('Open', `Open the run ${title}`, () => actions.open(entry)),
    ' ', renameButton,
    ' ', pinButton,
    ' ', button('Delete', `Delete the run ${title}`, () => actions.remove(entry)));
}
