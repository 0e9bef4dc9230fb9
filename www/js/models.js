// The trained-models file ("Save models" / "Load models"): JSON with the format name, version 1,
// the run's config, the dataset's name and input (what the draw panel needs on a page that has
// not trained them), and each model's plan entry with its weights (the engine's bytes) in base64.
// Kept behind these two functions: the format is to move into the engine.

const FORMAT = 'ovr-lab-models';
const VERSION = 1;

/** Bytes as base64, in chunks (spreading a large array into fromCharCode overflows the stack). */
function base64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/**
 * The file's text for `models` (`[{plan, weights: Uint8Array}]`) trained with `config` on
 * `dataset` (the report's dataset, or null before any run).
 */
export function encodeModels({ config, dataset, models }) {
  return JSON.stringify({
    format: FORMAT,
    version: VERSION,
    config,
    dataset: dataset ? dataset.name : config.dataset,
    input: dataset ? { width: dataset.width, height: dataset.height, channels: dataset.channels, class_names: dataset.class_names } : null,
    models: models.map((m) => ({ plan: m.plan, weights: base64(m.weights) })),
  });
}

/**
 * Reads a file made by `encodeModels` (`name` is its file name, for the error message):
 * `{config, dataset, input, models: [{plan, weights: Uint8Array}]}`; throws on anything else.
 */
export function decodeModels(text, name) {
  const bundle = JSON.parse(text);
  if (bundle.format !== FORMAT || bundle.version !== VERSION || !Array.isArray(bundle.models)) throw new Error(`${name}: not an ovr-lab models file of version 1`);
  return {
    config: bundle.config,
    dataset: bundle.dataset,
    input: bundle.input,
    models: bundle.models.map((m) => ({ plan: m.plan, weights: Uint8Array.from(atob(m.weights), (c) => c.charCodeAt(0)) })),
  };
}
