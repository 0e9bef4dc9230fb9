// <ovr-lab>: a lab in one tag, for other people's pages (docs/embedding.md).
//
//   <script type="module" src="https://example.org/lab/js/ovr-lab.js"></script>
//   <ovr-lab dataset="animals28" classes="2,3,4,7" approaches="shared,ovr" epochs="2" autorun></ovr-lab>
//
// Its attributes are the schema's settings (the names of createLab's options, of the URL's
// parameters and of the CLI's flags) plus `autorun`, `hide`, `workers` and `test_hooks`. The lab
// is createLab's, built inside a shadow root with its own style sheets, so that the page's styles
// and the lab's cannot reach each other; every file it needs is found relative to this module.
// The labs of one page share one pool of workers, and their runs take turns.
import { createLab, poolSize } from './lab.js';
import { loadEngine } from './engine.js';
import { SharedPool } from './pool.js';
import { PAGE_KEYS } from './state.js';

/** The lab's events, dispatched on the element as CustomEvents (`event.detail`: the argument). */
const EVENTS = ['state', 'config', 'change', 'start', 'progress', 'epoch', 'paused', 'resumed', 'stopped', 'done', 'error'];

let shared = null;

/** A lease of the page's pool, made by the first lab (its `workers`, else the cores, ≤ 8). */
function leasePool(workers) {
  if (!shared) {
    const pool = new SharedPool(poolSize(workers));
    pool.onEmpty = () => {
      if (shared === pool) shared = null;
    };
    shared = pool;
  }
  return shared.lease();
}

let schema = null;

/** The schema's settings by name (from the engine's catalog), or an empty map if it cannot load. */
async function settingsByName() {
  if (!schema) {
    try {
      const engine = await loadEngine();
      schema = new Map(engine.catalog().settings.map((s) => [s.name, s]));
    } catch {
      // createLab reports the engine's failure itself.
      return new Map();
    }
  }
  return schema;
}

export class OvrLabElement extends HTMLElement {
  #container;
  #lab = null;
  #generation = 0;
  #ready;
  #resolveReady;
  #rejectReady;
  #changes = null;
  #observer;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    this.#container = document.createElement('div');
    root.append(this.#container);
    this.#newReady();
    // A setting's attribute changed after the lab was built: as if the reader changed it in the
    // form (applied, or while a run is in progress, the lab asks whether to restart).
    this.#observer = new MutationObserver((records) => this.#onAttributes(records));
    this.#observer.observe(this, { attributes: true });
  }

  #newReady() {
    this.#ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.#ready.catch(() => {});
  }

  connectedCallback() {
    if (this.#lab || this.#generation % 2 === 1) return; // built, or being built
    this.#build();
  }

  disconnectedCallback() {
    // Moving the element fires disconnected then connected: only a removal ends the lab.
    queueMicrotask(() => {
      if (!this.isConnected) this.#teardown();
    });
  }

  /** The element's options for createLab: the settings' attributes and the page keys'. */
  #options(schemaByName) {
    const options = {};
    for (const { name, value } of this.attributes) {
      const setting = schemaByName.get(name);
      if (!setting && !PAGE_KEYS.includes(name)) continue; // class, id, style, data-…
      // A present boolean attribute with no value (`autorun`, `augment_flip`) means true.
      options[name] = value === '' && (name === 'autorun' || name === 'keep_runs' || setting?.kind === 'bool') ? 'true' : value;
    }
    return options;
  }

  async #build() {
    this.#generation += 1; // odd while building
    const generation = this.#generation;
    this.dataset.labState = 'idle';
    const schemaByName = await settingsByName();
    const { autorun, ...options } = this.#options(schemaByName);
    const lease = leasePool(options.workers);
    let lab;
    try {
      lab = await createLab(this.#container, options, { pool: lease });
    } catch (e) {
      lease.destroy();
      if (generation !== this.#generation) return; // removed while it was being built
      this.#generation += 1;
      this.dataset.labState = 'error';
      this.dispatchEvent(new CustomEvent('error', { detail: { message: `the lab could not start: ${e.message || e}` } }));
      this.#rejectReady(e);
      return;
    }
    if (generation !== this.#generation) {
      lab.destroy(); // removed while it was being built
      return;
    }
    this.#generation += 1;
    this.#lab = lab;
    for (const type of EVENTS) {
      lab.on(type, (detail) => {
        if (type === 'state') this.dataset.labState = detail;
        this.dispatchEvent(new CustomEvent(type, { detail }));
      });
    }
    this.#resolveReady(lab);
    if (autorun && ['1', 'true', 'yes', 'on'].includes(String(autorun).toLowerCase())) lab.run();
  }

  #teardown() {
    this.#generation += this.#generation % 2 === 1 ? 1 : 2; // a build under way drops its lab
    this.#lab?.destroy();
    this.#lab = null;
    this.#newReady();
  }

  #onAttributes(records) {
    if (!schema) return;
    const changed = records.map((r) => r.attributeName).filter((name) => schema.has(name));
    if (changed.length === 0) return;
    if (!this.#changes) {
      this.#changes = {};
      // Several attributes set in one go are one change.
      queueMicrotask(() => this.#flush());
    }
    for (const name of changed) {
      const value = this.getAttribute(name);
      const setting = schema.get(name);
      this.#changes[name] = value === null ? setting.default : value === '' && setting.kind === 'bool' ? 'true' : value;
    }
  }

  /** Passes the attributes changed since the last time to the lab. */
  #flush() {
    const records = this.#observer.takeRecords();
    if (records.length) this.#onAttributes(records);
    const values = this.#changes;
    this.#changes = null;
    if (values) this.#lab?.propose(values);
  }

  /** Resolves to the lab (docs/embedding.md, module API) once it is built. */
  get ready() {
    return this.#ready;
  }

  /** The lab (the module API's object), or null before it is built. */
  get lab() {
    return this.#lab;
  }

  /** `'idle'`, `'running'`, `'done'` or `'error'`, as in the `data-lab-state` attribute. */
  get state() {
    return this.dataset.labState ?? 'idle';
  }

  /** The latest results document, or null. */
  get report() {
    return this.#lab?.report ?? null;
  }

  /** Trains with the current settings; resolves with the results document when the run ends. */
  run() {
    return this.#ready.then((lab) => {
      this.#flush(); // attributes set just before run() count
      return lab.run();
    });
  }

  /** Stops the run; resolves once it has ended. */
  stop() {
    return this.#lab ? this.#lab.stop() : Promise.resolve(null);
  }

  /** The runs this lab keeps (`keep_runs`), newest first; none without it (see lab.runs()). */
  runs() {
    return this.#ready.then((lab) => lab.runs());
  }

  pause() {
    this.#lab?.pause();
  }

  resume() {
    this.#lab?.resume();
  }
}

if (!customElements.get('ovr-lab')) customElements.define('ovr-lab', OvrLabElement);
