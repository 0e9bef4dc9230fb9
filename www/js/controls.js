// The settings form, generated from the engine's catalog: one labelled control per setting. The
// basic settings (the schema's `basic` flag) come first; the others fold under "More settings",
// grouped as the schema groups them. Each setting's help shows while its control has focus, or
// behind its ⓘ button. The bundled datasets are the ones the catalog lists. The form only
// collects text values; the engine parses and clamps them.
import { el } from './dom.js';

const GROUP_TITLES = {
  data: 'Data',
  shapes: 'Shapes (generated data)',
  model: 'Model',
  experiment: 'Experiment',
  training: 'Training',
  analysis: 'Analysis',
};

const SHAPES = { value: 'shapes', text: 'shapes — generated figures' };

let uid = 0;

/**
 * Builds the controls into `form` from `catalog` (the engine's `catalog()`). `onChange()` fires on
 * any edit; `onUserFiles(source)` when the reader gives their own data. Returns the form's API:
 * `values()` as [name, text] pairs, `set(config)`, `setClasses(names, selected)`,
 * `setUserDataset(name)`, `setOodChoices(info, value)`, `markInvalid(setting, message)`,
 * `clearInvalid()`, `hide(names)`, `openMore(names)` and `summary()`.
 */
export function buildControls(form, catalog, { onChange, onUserFiles }) {
  const schema = catalog.settings;
  // Approaches are shown by the names the engine gives them (ids stay the values).
  const approachNames = new Map(catalog.approaches.map((a) => [a.id, a.label]));
  const optionText = (o) => approachNames.get(o) ?? o;
  const inputs = new Map();
  const rows = new Map();
  const groups = new Map();
  let classNames = [];
  const prefix = `lab${(uid += 1)}`;
  const basic = el('div', { className: 'lab-basic' });
  const more = el('details', { className: 'lab-more' }, el('summary', { textContent: 'More settings' }));
  form.append(basic, more);

  for (const setting of schema) {
    if (!setting.basic && !groups.has(setting.group)) {
      const fieldset = el('fieldset', { className: `lab-group lab-group-${setting.group}` }, [
        el('legend', { textContent: GROUP_TITLES[setting.group] || setting.group }),
      ]);
      groups.set(setting.group, fieldset);
      more.append(fieldset);
    }
    const id = `${prefix}-${setting.name}`;
    const row = el('div', { className: 'lab-field', dataset: { setting: setting.name } });
    const label = el('label', { htmlFor: id, textContent: setting.label });
    row.append(setting.help ? el('div', { className: 'lab-field-head' }, label, infoButton(row, setting, `${id}-help`)) : label);
    let input;
    switch (setting.kind) {
      case 'int':
      case 'float':
        input = el('input', {
          id,
          type: 'number',
          min: String(setting.min),
          max: String(setting.max),
          step: setting.kind === 'int' ? '1' : 'any',
          name: setting.name,
        });
        break;
      case 'bool':
        input = el('input', { id, type: 'checkbox', name: setting.name });
        row.classList.add('lab-field-check');
        break;
      case 'choice':
        input = el('select', { id, name: setting.name });
        for (const o of setting.options) input.append(el('option', { value: o, textContent: optionText(o) }));
        break;
      case 'choices':
      case 'int_list': {
        input = el('div', { id, className: 'lab-checks', role: 'group' });
        input.setAttribute('aria-label', setting.label);
        if (setting.kind === 'choices') {
          for (const o of setting.options) input.append(checkbox(`${id}-${o}`, o, optionText(o)));
        }
        label.removeAttribute('for');
        break;
      }
      case 'text':
        if (setting.name === 'dataset') {
          // Bundled sets, shapes, or the reader's own file.
          input = el('select', { id, name: setting.name });
          for (const d of catalog.datasets) input.append(el('option', { value: d.name, textContent: `${d.name} — ${d.label}` }));
          input.append(el('option', { value: SHAPES.value, textContent: SHAPES.text }));
        } else if (setting.name === 'ood_dataset') {
          // "none", or a bundled set of the same image size (setOodChoices).
          input = el('select', { id, name: setting.name });
          input.append(el('option', { value: '', textContent: 'none' }));
        } else {
          input = el('input', { id, name: setting.name, maxLength: setting.max_len });
        }
        break;
      case 'float_list':
        // Numbers separated by commas, e.g. learning rates to try; empty for none.
        input = el('input', { id, name: setting.name, inputMode: 'decimal', placeholder: 'e.g. 0.01,0.1', autocomplete: 'off' });
        break;
      default:
        input = el('input', { id, name: setting.name });
    }
    // The engine's refusal of this setting, when there is one (markInvalid).
    const error = el('small', { className: 'lab-field-error', id: `${id}-error`, hidden: true });
    const described = [`${id}-error`];
    if (setting.help) {
      row.append(input, el('small', { className: 'lab-help', id: `${id}-help`, textContent: setting.help }), error);
      described.unshift(`${id}-help`);
    } else {
      row.append(input, error);
    }
    input.setAttribute('aria-describedby', described.join(' '));
    input.addEventListener('change', () => onChange());
    inputs.set(setting.name, { setting, input, error });
    rows.set(setting.name, row);
    (setting.basic ? basic : groups.get(setting.group)).append(row);
    if (setting.name === 'dataset') row.append(userDataControls(prefix, onUserFiles));
  }

  /** The ⓘ button that shows the setting's help until pressed again (touch screens). */
  function infoButton(row, setting, helpId) {
    const info = el('button', { type: 'button', className: 'lab-info', textContent: 'ⓘ', 'aria-label': `About ${setting.label}`, 'aria-expanded': 'false', 'aria-controls': helpId });
    info.addEventListener('click', () => {
      const open = info.getAttribute('aria-expanded') !== 'true';
      info.setAttribute('aria-expanded', String(open));
      row.classList.toggle('lab-help-open', open);
    });
    return info;
  }

  function checkbox(id, value, text) {
    const box = el('input', { type: 'checkbox', id, value });
    return el('label', { className: 'lab-check', htmlFor: id }, [box, document.createTextNode(` ${text}`)]);
  }

  function values() {
    const pairs = [];
    for (const [name, { setting, input }] of inputs) {
      let value;
      if (setting.kind === 'bool') value = input.checked ? 'true' : 'false';
      else if (setting.kind === 'choices' || setting.kind === 'int_list') {
        const checked = [...input.querySelectorAll('input:checked')].map((b) => b.value);
        // All classes ticked means "all": an empty list keeps the URL short.
        if (setting.kind === 'int_list' && checked.length === classNames.length) value = '';
        else value = checked.join(',');
      } else value = input.value;
      pairs.push([name, value]);
    }
    return pairs;
  }

  function set(config) {
    for (const [name, { setting, input }] of inputs) {
      const v = config[name];
      if (setting.kind === 'bool') input.checked = Boolean(v);
      else if (setting.kind === 'choices') {
        for (const b of input.querySelectorAll('input')) b.checked = v.includes(b.value);
      } else if (setting.kind === 'int_list') {
        for (const b of input.querySelectorAll('input')) b.checked = v.length === 0 || v.includes(Number(b.value));
      } else if (name === 'dataset') {
        keepOption(input, v, `${v} (your data)`);
        input.value = v;
      } else if (name === 'ood_dataset') {
        keepOption(input, v, `${v} (not available for these images)`);
        input.value = v;
      } else if (setting.kind === 'float') {
        input.value = shortFloat(v);
      } else if (setting.kind === 'float_list') {
        input.value = v.map(shortFloat).join(',');
      } else input.value = String(v);
    }
    // The shapes knobs only matter for the shapes dataset.
    const groupShapes = groups.get('shapes');
    if (groupShapes) groupShapes.hidden = config.dataset !== 'shapes' || groupShapes.dataset.forceHidden === '1';
  }

  function setClasses(names, selected) {
    classNames = names;
    const { input } = inputs.get('classes');
    input.replaceChildren(...names.map((n, i) => checkbox(`${prefix}-class-${i}`, String(i), n)));
    for (const b of input.querySelectorAll('input')) {
      b.checked = selected.length === 0 || selected.includes(Number(b.value));
      b.addEventListener('change', () => onChange());
    }
  }

  /**
   * The out-of-distribution choices: "none" and the bundled sets whose images are the size of
   * `info`'s (the dataset the run trains on), other than itself; `value` stays listed.
   */
  function setOodChoices(info, value) {
    const { input } = inputs.get('ood_dataset') || {};
    if (!input) return;
    const fits = catalog.datasets.filter((d) => d.name !== info.name && d.width === info.width && d.height === info.height && d.channels === info.channels);
    input.replaceChildren(el('option', { value: '', textContent: 'none' }), ...fits.map((d) => el('option', { value: d.name, textContent: `${d.name} — ${d.label}` })));
    keepOption(input, value, `${value} (not available for these images)`);
    input.value = value;
  }

  /** Opens "More settings" when one of `names` is in it (a link that sets it, an error on it). */
  function openMore(names) {
    if (names.some((n) => inputs.has(n) && !inputs.get(n).setting.basic)) more.open = true;
  }

  /**
   * The basic settings in one line, as the form shows them: "Dataset digits8x8 · Classes all ·
   * Approaches Shared, One-vs-rest · …" (option and checkbox texts, values of the other inputs).
   */
  function summary() {
    const parts = [];
    for (const [name, { setting, input }] of inputs) {
      if (!setting.basic || rows.get(name).hidden) continue;
      let text;
      if (input.tagName === 'DIV') {
        const boxes = [...input.querySelectorAll('input')];
        const checked = boxes.filter((b) => b.checked).map((b) => b.parentElement.textContent.trim());
        text = checked.length === boxes.length && name === 'classes' ? 'all' : checked.join(', ');
      } else text = input.value;
      parts.push(`${setting.label} ${text}`);
    }
    return parts.join(' · ');
  }

  /** Marks the control of `setting` as refused, with `message` beside it. */
  function markInvalid(setting, message) {
    const entry = inputs.get(setting);
    if (!entry) return;
    openMore([setting]);
    entry.input.setAttribute('aria-invalid', 'true');
    entry.error.textContent = message;
    entry.error.hidden = false;
  }

  function clearInvalid() {
    for (const { input, error } of inputs.values()) {
      input.removeAttribute('aria-invalid');
      error.hidden = true;
      error.textContent = '';
    }
  }

  function setUserDataset(name) {
    const { input } = inputs.get('dataset');
    keepOption(input, name, `${name} (your data)`);
    input.value = name;
  }

  function hide(names) {
    for (const n of names) {
      if (rows.has(n)) rows.get(n).hidden = true;
      if (groups.has(n)) {
        groups.get(n).hidden = true;
        groups.get(n).dataset.forceHidden = '1';
      }
    }
    for (const fieldset of groups.values()) {
      const visible = [...fieldset.querySelectorAll('.lab-field')].some((r) => !r.hidden);
      if (!visible) fieldset.hidden = true;
    }
    // Called before the form shows a dataset, so the shapes group is still visible here.
    more.hidden = [...groups.values()].every((g) => g.hidden);
  }

  return { values, set, setClasses, setUserDataset, setOodChoices, markInvalid, clearInvalid, hide, openMore, summary };
}

/**
 * Settings are f32 in the engine: 0.02 arrives as 0.019999999552965164. Seven significant digits
 * give back the value the reader typed, and the same f32.
 */
function shortFloat(v) {
  return String(Number(Number(v).toPrecision(7)));
}

/** Adds an option for `value` to `select` unless it has one (a value from a URL, say). */
function keepOption(select, value, text) {
  if (value !== '' && ![...select.options].some((o) => o.value === value)) select.append(el('option', { value, textContent: text }));
}

function userDataControls(prefix, onUserFiles) {
  const fileId = `${prefix}-user-file`;
  const folderId = `${prefix}-user-folder`;
  const file = el('input', { type: 'file', id: fileId, accept: '.npz,.gz,.bin,.imds' });
  const folder = el('input', { type: 'file', id: folderId, multiple: true });
  folder.setAttribute('webkitdirectory', '');
  file.addEventListener('change', () => file.files.length && onUserFiles({ kind: 'file', files: [...file.files] }));
  folder.addEventListener('change', () => folder.files.length && onUserFiles({ kind: 'folder', files: [...folder.files], ...imageOptions() }));
  // How an image folder becomes a dataset: the input size and whether colour is kept.
  const sizeInput = el('input', { type: 'number', id: `${prefix}-user-size`, min: '8', max: '64', step: '1', value: '28' });
  const colourSelect = el('select', { id: `${prefix}-user-colour` });
  colourSelect.append(el('option', { value: '1', textContent: 'grey' }), el('option', { value: '3', textContent: 'colour (RGB)' }));
  const imageOptions = () => ({ size: Math.min(64, Math.max(8, Math.round(Number(sizeInput.value)) || 28)), channels: Number(colourSelect.value) === 3 ? 3 : 1 });
  const drop = el('div', { className: 'lab-drop', tabIndex: 0, textContent: 'or drop a dataset file or an image folder (one sub-folder per class) here' });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('lab-drop-over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('lab-drop-over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('lab-drop-over');
    onUserFiles({ kind: 'drop', dataTransfer: e.dataTransfer, ...imageOptions() });
  });
  return el('details', { className: 'lab-user-data' }, [
    el('summary', { textContent: 'Use your own data…' }),
    el('label', { htmlFor: fileId, textContent: 'A dataset file (.npz with x_train, y_train, x_test, y_test; or the lab’s .bin/.bin.gz format)' }),
    file,
    el('label', { htmlFor: folderId, textContent: 'A folder of images, one sub-folder per class' }),
    el('div', { className: 'lab-user-image-options' }, [
      el('label', { htmlFor: sizeInput.id, textContent: 'resized to (px)' }), sizeInput,
      el('label', { htmlFor: colourSelect.id, textContent: 'colour' }), colourSelect,
    ]),
    folder,
    drop,
  ]);
}
