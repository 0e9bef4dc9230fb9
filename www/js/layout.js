// The lab's skeleton: a row of scenarios (one-click starting points), the side column (a one-line
// summary of the settings, the settings form, the run bar, exports) and the main column (error
// box, notices, the scenario's question, results table, progress, view panels), with the panels
// named in `hide` hidden. The run bar (Train, Pause, Stop and the overall progress) stays in view
// while the page scrolls. Returns the elements the other modules fill, and the message area's
// three verbs: notices, error and prompt.
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
  const actions = el('div', { className: 'lab-actions', role: 'group', 'aria-label': 'Run' }, runButton, pauseButton, stopButton);
  const exports = el('div', { className: 'lab-exports' }, linkButton, jsonButton, csvButton, saveButton, loadLabel, loadInput);
  const notices = el('div', { className: 'lab-notices', role: 'status' });
  const errorBox = el('div', { className: 'lab-error', role: 'alert', hidden: true });
  const overall = el('progress', { max: 1, value: 0 });
  const overallText = el('span', { className: 'lab-progress-text', textContent: 'Not started' });
  const modelBars = el('div', { className: 'lab-model-bars' });
  overall.setAttribute('aria-label', 'Overall progress');
  const overallBox = el('div', { className: 'lab-progress-overall' }, overall, overallText);
  overallBox.hidden = hidden.has('progress');
  const progressPanel = el('section', { className: 'lab-panel lab-progress', dataset: { panel: 'progress' } },
    el('h2', { textContent: 'Progress' }),
    el('details', {}, el('summary', { textContent: 'Every model' }), modelBars),
    el('p', { className: 'lab-note lab-background-note', textContent: 'Training runs in background workers, so it goes on while this tab is hidden or you look at another one (the browser may slow it down); the charts catch up as soon as the tab is visible again.' }));
  const summary = el('section', { className: 'lab-panel lab-summary', dataset: { panel: 'summary' } }, el('h2', { textContent: 'Results' }));
  const panels = el('div', { className: 'lab-panels' });
  const question = el('p', { className: 'lab-question', hidden: true });
  // After a run starts, narrow screens show the settings as one line with an Edit button.
  const settingsText = el('span', { className: 'lab-settings-text' });
  const editButton = button('Edit', { className: 'lab-edit', 'aria-label': 'Edit the settings' });
  const settingsLine = el('div', { className: 'lab-settings-line' }, settingsText, editButton);
  const scenarios = el('nav', { className: 'lab-scenarios', 'aria-label': 'Starting points', hidden: true });
  // The run bar holds the overall progress when it is shown; otherwise the progress panel does.
  const runBar = el('div', { className: 'lab-runbar' }, actions, hidden.has('actions') ? null : overallBox);
  if (hidden.has('actions')) progressPanel.insertBefore(overallBox, progressPanel.children[1]);
  const side = el('div', { className: 'lab-side', dataset: { panel: 'controls' } }, runBar, settingsLine, form, exports);
  element.replaceChildren(scenarios, side, el('div', { className: 'lab-main' }, errorBox, notices, question, summary, progressPanel, panels));

  form.hidden = hidden.has('controls');
  actions.hidden = hidden.has('actions');
  runBar.hidden = actions.hidden;
  exports.hidden = hidden.has('export');
  side.hidden = form.hidden && actions.hidden && exports.hidden;
  progressPanel.hidden = hidden.has('progress');
  summary.hidden = hidden.has('summary');
  settingsLine.hidden = form.hidden;
  /** Unfolds the form (Edit, or a setting the engine refused, whose mark must be seen). */
  function showSettings() {
    side.dataset.collapsed = 'false';
  }
  editButton.addEventListener('click', () => {
    showSettings();
    form.querySelector('input, select')?.focus();
  });

  /**
   * The scenarios as buttons (`{name, title, question}` each); `onPick(scenario)` when one is
   * clicked. Shown only with the settings form.
   */
  function setScenarios(list, onPick) {
    scenarios.replaceChildren(el('h2', { className: 'lab-scenarios-title', textContent: 'Start from a question' }),
      el('div', { className: 'lab-scenario-row' }, list.map((s) => {
        const b = button('', { className: 'lab-scenario', dataset: { scenario: s.name } });
        b.append(el('strong', { textContent: s.title }), el('span', { textContent: s.question }));
        b.addEventListener('click', () => onPick(s));
        // The browser leaves a half-visible card where it is; a focused one comes fully into view.
        b.addEventListener('focus', () => b.scrollIntoView({ block: 'nearest', inline: 'nearest' }));
        return b;
      })));
    scenarios.hidden = form.hidden || hidden.has('scenarios') || list.length === 0;
  }

  /** The question the current settings answer (a scenario's), or none. */
  function setQuestion(text) {
    question.hidden = !text;
    question.textContent = text ? `Question: ${text}` : '';
  }

  /** The one-line summary of the settings shown when the form is folded away. */
  function setSettingsText(text) {
    settingsText.textContent = text;
  }

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
    // A run that starts folds the form to its one-line summary (narrow screens, lab.css).
    if (on && !runButton.disabled) side.dataset.collapsed = 'true';
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
    showNotices, showError, prompt, setRunning, setPaused, setAnalysing, setScenarios, setQuestion, setSettingsText, showSettings,
  };
}
