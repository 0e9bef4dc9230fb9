// The lab's skeleton: the side column (settings form, run actions, exports) and the main column
// (error box, notices, progress, results table, view panels), with the panels named in `hide`
// hidden. Returns the elements the other modules fill, and the message area's three verbs:
// notices, error and prompt.
import { el } from './dom.js';

const MAX_NOTICES = 12;

const button = (textContent, props = {}) => el('button', { type: 'button', textContent, ...props });

/** Builds the lab inside `element` (replacing its content); `hidden` is a Set of panel ids. */
export function buildLayout(element, hidden) {
  const form = el('form', { className: 'lab-controls', 'aria-label': 'Experiment settings' });
  form.addEventListener('submit', (e) => e.preventDefault());
  const runButton = button('Train', { className: 'lab-run' });
  const pauseButton = button('Pause', { disabled: true });
  const stopButton = button('Stop', { disabled: true });
  const linkButton = button('Copy link');
  const jsonButton = button('Results JSON', { disabled: true });
  const csvButton = button('Curves CSV', { disabled: true });
  const saveButton = button('Save models', { disabled: true });
  const loadInput = el('input', { type: 'file', accept: '.json', className: 'lab-visually-hidden', id: `lab-load-${Math.random().toString(36).slice(2)}` });
  const loadLabel = el('label', { htmlFor: loadInput.id, className: 'lab-button', textContent: 'Load models' });
  const actions = el('div', { className: 'lab-actions' }, runButton, pauseButton, stopButton);
  const exports = el('div', { className: 'lab-exports' }, linkButton, jsonButton, csvButton, saveButton, loadLabel, loadInput);
  const notices = el('div', { className: 'lab-notices', role: 'status' });
  const errorBox = el('div', { className: 'lab-error', role: 'alert', hidden: true });
  const overall = el('progress', { max: 1, value: 0 });
  const overallText = el('span', { className: 'lab-progress-text', textContent: 'Not started' });
  const modelBars = el('div', { className: 'lab-model-bars' });
  const progressPanel = el('section', { className: 'lab-panel lab-progress', dataset: { panel: 'progress' } },
    el('h2', { textContent: 'Progress' }),
    el('div', { className: 'lab-progress-overall' }, overall, overallText),
    el('details', {}, el('summary', { textContent: 'Every model' }), modelBars),
    el('p', { className: 'lab-note lab-background-note', textContent: 'Training runs in background workers, so it goes on while this tab is hidden or you look at another one (the browser may slow it down); the charts catch up as soon as the tab is visible again.' }));
  const summary = el('section', { className: 'lab-panel lab-summary', dataset: { panel: 'summary' } }, el('h2', { textContent: 'Results' }));
  const panels = el('div', { className: 'lab-panels' });
  const side = el('div', { className: 'lab-side', dataset: { panel: 'controls' } }, form, actions, exports);
  element.replaceChildren(side, el('div', { className: 'lab-main' }, errorBox, notices, progressPanel, summary, panels));

  form.hidden = hidden.has('controls');
  actions.hidden = hidden.has('actions');
  exports.hidden = hidden.has('export');
  side.hidden = form.hidden && actions.hidden && exports.hidden;
  progressPanel.hidden = hidden.has('progress');
  summary.hidden = hidden.has('summary');

  /** Shows `list` (text) as the notices, the first few in full and the rest folded away. */
  function showNotices(list) {
    const shown = list.slice(0, MAX_NOTICES).map((n) => el('p', { textContent: String(n) }));
    if (list.length > MAX_NOTICES) {
      shown.push(el('details', { className: 'lab-more-notices' },
        el('summary', { textContent: `…and ${list.length - MAX_NOTICES} more notices` }),
        list.slice(MAX_NOTICES, 500).map((n) => el('p', { textContent: String(n) }))));
    }
    notices.replaceChildren(...shown);
  }

  /** Shows `message` in the error box, or hides the box when `message` is empty. */
  function showError(message) {
    errorBox.hidden = !message;
    errorBox.textContent = message ? `Error: ${message}` : '';
  }

  /** A question under the notices with two answers; returns a function that removes it. */
  function prompt(question, yes, no) {
    const apply = button(yes.text);
    const keep = button(no.text);
    const box = el('div', { className: 'lab-restart', role: 'alertdialog' }, el('p', { textContent: question }), apply, keep);
    notices.append(box);
    apply.addEventListener('click', yes.onClick);
    keep.addEventListener('click', no.onClick);
    return () => box.remove();
  }

  /** The buttons' state for a run in progress (`on`) or not. */
  function setRunning(on, { canExport, canSave }) {
    runButton.disabled = on;
    pauseButton.disabled = !on;
    stopButton.disabled = !on;
    pauseButton.textContent = 'Pause';
    jsonButton.disabled = on || !canExport;
    csvButton.disabled = on || !canExport;
    saveButton.disabled = on || !canSave;
  }

  /** While the run's analyses are made, it can be neither paused nor stopped. */
  function setAnalysing(on) {
    pauseButton.disabled = on;
    stopButton.disabled = on;
  }

  /** The Pause button offers to resume while the run is paused. */
  function setPaused(paused) {
    pauseButton.textContent = paused ? 'Resume' : 'Pause';
  }

  return {
    form, summary, panels,
    buttons: { run: runButton, pause: pauseButton, stop: stopButton, link: linkButton, json: jsonButton, csv: csvButton, save: saveButton },
    loadInput,
    progress: { overall, overallText, modelBars },
    showNotices, showError, prompt, setRunning, setPaused, setAnalysing,
  };
}
