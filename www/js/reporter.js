// Assembles the results document off the main thread: it holds the engine's Lab for the current
// run and turns the models' results (JSON text) into the report (JSON text). Messages in:
// {type: 'init', key, config, data, file} and {type: 'assemble', key, id, results}; out:
// {type: 'ready'}, {type: 'report', id, json} or {type: 'error', id, message}.
import { loadEngine } from './engine.js';

let lab = null;
let labKey = null;
const ready = loadEngine();

self.onmessage = async ({ data: msg }) => {
  try {
    const engine = await ready;
    if (msg.type === 'init') {
      if (lab) lab.free();
      lab = null;
      lab = new engine.Lab(msg.config, msg.data ? new Uint8Array(msg.data) : undefined, msg.file);
      labKey = msg.key;
    } else if (msg.type === 'assemble') {
      if (!lab || labKey !== msg.key) throw new Error('the reporter has no data for this run');
      self.postMessage({ type: 'report', id: msg.id, json: lab.assemble_json(msg.results) });
    }
  } catch (e) {
    self.postMessage({ type: 'error', id: msg.id, message: String(e && e.message ? e.message : e) });
  }
};

ready.then(() => self.postMessage({ type: 'ready' }), (e) => self.postMessage({ type: 'error', id: null, message: String(e) }));
