// The lab's current settings: the form (generated from the engine's catalog), what the reader
// changes in it, the class checkboxes and out-of-distribution choices of the chosen dataset, the
// reader's own data, the link that carries the settings, the question asked when a setting
// changes during a run, and the marks on a setting the engine refused.
import { buildControls } from './controls.js';
import { readSettings } from './state.js';
import { problemOf } from './errors.js';

/** A config's values as text, as in a URL. */
const asText = (config) => Object.fromEntries(Object.entries(config).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));

/**
 * @param {object} deps `engine`, `catalog` (the engine's), `ui` (the layout), `hidden` (Set),
 *   `initial` (config), `sources`, `progress`, `emit`, `isRunning()`, and `restart(config)`
 *   (stop, apply, train again)
 */
export function createSettings({ engine, catalog, ui, hidden, initial, sources, progress, emit, isRunning, restart }) {
  let config = initial;
  let info = null; // the engine's description of the dataset, once read
  let pending = null; // settings changed during a run, waiting for the reader's answer
  let closePrompt = null;
  const controls = buildControls(ui.form, catalog, { onChange, onUserFiles });
  controls.hide([...hidden]);
  // "More settings" opens by itself when the link sets one of them (the canonical query names
  // the settings that differ from their defaults).
  controls.openMore([...new URLSearchParams(engine.check_config(initial).query).keys()]);
  // The link opens the full lab (index.html next to this module's folder) with these settings,
  // also when the lab is embedded in another page.
  const linkBase = new URL('../index.html', import.meta.url);

  function apply(next) {
    config = next;
    controls.clearInvalid();
    controls.set(config);
    if (info) controls.setOodChoices(info, config.ood_dataset);
    ui.setSettingsText(controls.summary());
    emit('config', config);
  }

  /** Shows an error; when the engine named a setting, marks its control too. */
  function showProblem(e) {
    const problem = problemOf(e);
    ui.showError(problem.message);
    if (problem.setting) markInvalid(problem);
    return problem;
  }

  /** Marks the setting an engine error names (`{setting, message}`), with the form unfolded. */
  function markInvalid(problem) {
    controls.markInvalid(problem.setting, problem.message);
    ui.showSettings();
  }

  function onChange() {
    let next;
    try {
      next = readSettings(engine, Object.fromEntries(controls.values()));
    } catch (e) {
      showProblem(e);
      return;
    }
    consider(next);
  }

  /** Settings read (`readSettings`) from the form or given by the page: as `propose` says. */
  function consider(next) {
    ui.showNotices(next.notices);
    if (isRunning()) {
      pending = next.config;
      askRestart();
      return;
    }
    const datasetChanged = next.config.dataset !== config.dataset;
    apply(next.config);
    if (datasetChanged) refreshClasses();
    emit('change', config);
  }

  function askRestart() {
    if (closePrompt) return;
    closePrompt = ui.prompt('A run is in progress. Changing a setting discards its work.', {
      text: 'Stop and restart with the new settings',
      onClick: () => {
        const next = pending;
        closeRestartPrompt();
        restart(next);
      },
    }, {
      text: 'Keep training (discard the change)',
      onClick: () => {
        closeRestartPrompt();
        controls.set(config);
      },
    });
  }

  function closeRestartPrompt() {
    closePrompt?.();
    closePrompt = null;
    pending = null;
  }

  /** The class checkboxes and the out-of-distribution choices need the dataset's description. */
  async function refreshClasses() {
    try {
      info = await sources.describe(config);
      controls.setClasses(info.class_names, config.classes);
      controls.setOodChoices(info, config.ood_dataset);
      ui.setSettingsText(controls.summary());
      ui.showError('');
    } catch (e) {
      showProblem(e);
    }
  }

  async function onUserFiles(source) {
    try {
      const loaded = await sources.load(source, config, (text) => progress.say(text));
      controls.setUserDataset(loaded.name);
      info = loaded.info;
      apply({ ...config, dataset: loaded.name, classes: [], ood_dataset: '' });
      controls.setClasses(info.class_names, []);
      ui.setSettingsText(controls.summary());
      ui.showError('');
      ui.showNotices([...loaded.notes, ...info.notes, `Loaded ${info.train_count} training and ${info.test_count} test images in ${info.class_names.length} classes.`]);
    } catch (e) {
      showProblem(e);
    }
  }

  return {
    get config() {
      return config;
    },
    apply,
    refreshClasses,
    closeRestartPrompt,
    markInvalid,
    /** A URL of index.html whose query carries `cfg` (checked strictly by the engine). */
    link(cfg = config) {
      const url = new URL(linkBase);
      url.search = engine.check_config(cfg).query;
      return url.href;
    },
    /** Changes settings (same names as the options); refused while running; returns the notices. */
    set(settings) {
      if (isRunning()) throw new Error('stop the run before changing settings');
      const next = readSettings(engine, { ...asText(config), ...settings });
      apply(next.config);
      refreshClasses();
      return next.notices;
    },
    /**
     * Changes settings as the reader does in the form: at once when no run is in progress,
     * otherwise the lab asks whether to stop and restart with them. Returns the notices.
     */
    propose(settings) {
      let next;
      try {
        next = readSettings(engine, { ...asText(config), ...settings });
      } catch (e) {
        showProblem(e);
        return [];
      }
      consider(next);
      return next.notices;
    },
  };
}
