// The lab's current settings: the form (generated from the engine's schema), what the reader
// changes in it, the class checkboxes of the chosen dataset, the reader's own data, the link that
// carries the settings, and the question asked when a setting changes during a run.
import { buildControls } from './controls.js';
import { readSettings } from './state.js';

/**
 * @param {object} deps `engine`, `schema`, `ui` (the layout), `hidden` (Set), `initial` (config),
 *   `sources`, `progress`, `emit`, `isRunning()`, and `restart(config)` (stop, apply, train again)
 */
export function createSettings({ engine, schema, ui, hidden, initial, sources, progress, emit, isRunning, restart }) {
  let config = initial;
  let pending = null; // settings changed during a run, waiting for the reader's answer
  let closePrompt = null;
  const controls = buildControls(ui.form, schema, { onChange, onUserFiles });
  controls.hide([...hidden]);
  // The link opens the full lab (index.html next to this module's folder) with these settings,
  // also when the lab is embedded in another page.
  const linkBase = new URL('../index.html', import.meta.url);

  function apply(next) {
    config = next;
    controls.set(config);
    emit('config', config);
  }

  function onChange() {
    const next = readSettings(engine, Object.fromEntries(controls.values()));
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

  /** The class checkboxes need the dataset's class names. */
  async function refreshClasses() {
    try {
      const info = await sources.describe(config);
      controls.setClasses(info.class_names, config.classes);
      ui.showError('');
    } catch (e) {
      ui.showError(e.message || String(e));
    }
  }

  async function onUserFiles(source) {
    try {
      const { name, info, notes } = await sources.load(source, config, (text) => progress.say(text));
      controls.setUserDataset(name);
      apply({ ...config, dataset: name, classes: [] });
      controls.setClasses(info.class_names, []);
      ui.showError('');
      ui.showNotices([...notes, ...info.notes, `Loaded ${info.train_count} training and ${info.test_count} test images in ${info.class_names.length} classes.`]);
    } catch (e) {
      ui.showError(e.message || String(e));
    }
  }

  return {
    get config() {
      return config;
    },
    apply,
    refreshClasses,
    closeRestartPrompt,
    /** A URL of index.html whose query carries `cfg` (checked strictly by the engine). */
    link(cfg = config) {
      const url = new URL(linkBase);
      url.search = engine.check_config(cfg).query;
      return url.href;
    },
    /** Changes settings (same names as the options); refused while running; returns the notices. */
    set(settings) {
      if (isRunning()) throw new Error('stop the run before changing settings');
      const current = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
      const next = readSettings(engine, { ...current, ...settings });
      apply(next.config);
      refreshClasses();
      return next.notices;
    },
  };
}
