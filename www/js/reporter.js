// The report worker: it holds the run session (the engine's `Session`: prepared data, splits, plan,
// the models' results, the report) off the main thread, and the models of a loaded models file.
// Messages in are `{type, id, ...}`; each gets one answer, `{type: 'reply', id, value}` or
// `{type: 'error', id, error: {kind, setting, message}}`; `{type: 'ready'}` once the engine loaded.
//   init {run, config, data, file, oodData, oodFile}  → {jobs, dataset, testLabels}
//   record {run, json}          a model's snapshot or final result, once as it arrives → null
//   report {run}                → the results document as JSON text
//   looks {run, meta, floats}   the looks a training worker took at a recorded model → null
//   analyse {run}               the analyses of a complete run (seconds) → {ms}
//   models {}                   → the models file (JSON text) of the models that answer drawings
//   count {}                    → how many models answer drawings
//   score {pixels}              → every approach's answer for one image
//   images {run, indices}       → test images' pixels
//   load {text, name}           a models file → {count, input, config}; they answer drawings now
import { loadEngine } from './engine.js';
import { problemOf } from './errors.js';

let session = null; // the engine's Session of the run `runKey`
let runKey = null;
let loaded = null; // the engine's LoadedModels, when the last models came from a file
const ready = loadEngine();

function current(run) {
  if (!session || runKey !== run) throw new Error('the report worker holds no data for this run');
  return session;
}

/** The models that answer a drawing and are saved: a loaded file's, or else the run's. */
const answering = () => loaded || session;

const handlers = {
  init(engine, { run, config, data, file, oodData, oodFile }) {
    session?.free();
    session = null;
    runKey = null;
    loaded?.free();
    loaded = null;
    const bytes = (b) => (b ? new Uint8Array(b) : undefined);
    session = new engine.Session(config, bytes(data), file, bytes(oodData), oodFile || '');
    runKey = run;
    const testLabels = session.test_labels();
    return { value: { jobs: session.jobs(), dataset: session.dataset(), testLabels }, transfer: [testLabels.buffer] };
  },
  record(engine, { run, json }) {
    current(run).record_json(json);
    return { value: null };
  },
  report(engine, { run }) {
    return { value: current(run).report_json() };
  },
  looks(engine, { run, meta, floats }) {
    current(run).add_looks(meta, floats);
    return { value: null };
  },
  analyse(engine, { run }) {
    const started = performance.now();
    current(run).analyse();
    return { value: { ms: performance.now() - started } };
  },
  models() {
    const from = answering();
    if (!from) throw new Error('no trained models yet');
    return { value: loaded ? loaded.to_json() : from.models_json() };
  },
  count() {
    const from = answering();
    return { value: from ? (loaded ? loaded.len() : from.model_count()) : 0 };
  },
  score(engine, { pixels }) {
    const from = answering();
    return { value: from ? from.score_image(new Uint8Array(pixels)) : [] };
  },
  images(engine, { run, indices }) {
    const pixels = current(run).test_images(Uint32Array.from(indices));
    return { value: pixels, transfer: [pixels.buffer] };
  },
  load(engine, { text, name }) {
    const next = new engine.LoadedModels(text, name);
    loaded?.free();
    loaded = next;
    return { value: { count: loaded.len(), input: loaded.input(), config: loaded.config() } };
  },
};

self.onmessage = async ({ data: msg }) => {
  try {
    const engine = await ready;
    const handle = handlers[msg.type];
    if (!handle) throw new Error(`unknown message type ${msg.type}`);
    const { value, transfer = [] } = handle(engine, msg);
    self.postMessage({ type: 'reply', id: msg.id, value }, transfer);
  } catch (e) {
    self.postMessage({ type: 'error', id: msg.id, error: problemOf(e) });
  }
};

ready.then(() => self.postMessage({ type: 'ready' }), (e) => self.postMessage({ type: 'error', id: null, error: problemOf(e) }));
