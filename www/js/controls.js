// The settings form, generated from the engine's schema: one labelled control per setting,
// grouped as the schema groups them. The form only collects text values; the engine parses and
// clamps them.
import { el } from './dom.js';

const GROUP_TITLES = {
  data: 'Data',
  shapes: 'Shapes (generated data)',
  model: 'Model',
  experiment: 'Experiment',
  training: 'Training',
};

const DATASET_LABELS = {
  mnist28: 'mnist28 — handwritten digits',
  fashion28: 'fashion28 — clothing',
  animals28: 'animals28 — animal silhouettes (dog, cat, …)',
  digits8x8: 'digits8x8 — tiny 8×8 digits',
  glyphs: 'glyphs — 55 characters, unseen fonts in test',
  shapes: 'shapes — generated figures',
};

let uid = 0;

/**
 * Builds the controls into `form`. `onChange()` fires on any edit; `onUserFiles(source)` when the
 * reader gives their own data. Returns the form's API: `values()` as [name, text] pairs,
 * `set(config)`, `setClasses(names, selected)`, `setUserDataset(name)`, `hide(names)`.
 */
export function buildControls(form, schema, { onChange, onUserFiles }) {
  const inputs = new Map();
  const rows = new Map();
  const groups = new Map();
  let classNames = [];
  const prefix = `lab${(uid += 1)}`;

  for (const setting of schema) {
    if (!groups.has(setting.group)) {
      const fieldset = el('fieldset', { className: `lab-group lab-group-${setting.group}` }, [
        el('legend', { textContent: GROUP_TITLES[setting.group] || setting.group }),
      ]);
      groups.set(setting.group, fieldset);
      form.append(fieldset);
    }
    const id = `${prefix}-${setting.name}`;
    const row = el('div', { className: 'lab-field', dataset: { setting: setting.name } });
    const label = el('label', { htmlFor: id, textContent: setting.label });
    row.append(label);
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
        for (const o of setting.options) input.append(el('option', { value: o, textContent: o }));
        break;
      case 'choices':
      case 'int_list': {
        input = el('div', { id, className: 'lab-checks', role: 'group' });
        input.setAttribute('aria-label', setting.label);
        if (setting.kind === 'choices') {
          for (const o of setting.options) input.append(checkbox(`${id}-${o}`, o, o));
        }
        label.removeAttribute('for');
        break;
      }
      case 'text':
        // The dataset: bundled sets, shapes, or the reader's own file.
        input = el('select', { id, name: setting.name });
        for (const [value, text] of Object.entries(DATASET_LABELS)) input.append(el('option', { value, textContent: text }));
        break;
      default:
        input = el('input', { id, name: setting.name });
    }
    if (setting.help) {
      const help = el('small', { className: 'lab-help', id: `${id}-help`, textContent: setting.help });
      row.append(input, help);
      if (input.setAttribute) input.setAttribute('aria-describedby', `${id}-help`);
    } else {
      row.append(input);
    }
    input.addEventListener('change', () => onChange());
    inputs.set(setting.name, { setting, input });
    rows.set(setting.name, row);
    groups.get(setting.group).append(row);
    if (setting.name === 'dataset') row.append(userDataControls(prefix, onUserFiles));
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
        if (![...input.options].some((o) => o.value === v)) input.append(el('option', { value: v, textContent: `${v} (your data)` }));
        input.value = v;
      } else if (setting.kind === 'float') {
        // Settings are f32 in the engine: 0.02 arrives as 0.019999999552965164. Seven significant
        // digits give back the value the reader typed, and the same f32.
        input.value = String(Number(Number(v).toPrecision(7)));
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

  function setUserDataset(name) {
    const { input } = inputs.get('dataset');
    if (![...input.options].some((o) => o.value === name)) input.append(el('option', { value: name, textContent: `${name} (your data)` }));
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
  }

  return { values, set, setClasses, setUserDataset, hide };
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
