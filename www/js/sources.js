// Where a run's data comes from: a bundled set (the engine's catalog), the generated shapes, or
// the reader's own file or image folder (kept for the page's life; a link cannot carry it); and
// the bundled set a run scores as out-of-distribution images. The engine reads a dataset before
// the lab switches to it, so a bad file leaves the current one in place.
import { bundledBytes, decodeImageFolder, filesFromDrop } from './datasets.js';
import { settingError } from './errors.js';

/** @param {object} engine the wasm exports; @param {object} catalog the engine's `catalog()` */
export function createSources(engine, catalog) {
  const bundled = new Map(catalog.datasets.map((d) => [d.name, d]));
  let userData = null; // {name, file, bytes}

  /** `{bytes, file}` for `config.dataset` (`bytes` null for the generated shapes). */
  async function bytesFor(config) {
    if (config.dataset === 'shapes') return { bytes: null, file: 'shapes' };
    const b = bundled.get(config.dataset);
    if (b) return { bytes: await bundledBytes(b), file: b.file };
    if (userData && userData.name === config.dataset) return { bytes: userData.bytes, file: userData.file };
    throw settingError('dataset', `dataset "${config.dataset}" is not available: choose a bundled set or load your own file again (a link cannot carry your data)`);
  }

  /** `{bytes, file}` of the out-of-distribution set `config.ood_dataset` (`bytes` null for none). */
  async function oodBytesFor(config) {
    if (!config.ood_dataset) return { bytes: null, file: '' };
    const b = bundled.get(config.ood_dataset);
    if (!b) throw settingError('ood_dataset', `ood_dataset: "${config.ood_dataset}" is not a bundled dataset (${[...bundled.keys()].join(', ')})`);
    return { bytes: await bundledBytes(b), file: b.file };
  }

  /** The engine's description of a dataset read with `config`, before its class subset. */
  const info = (config, bytes, file) => engine.dataset_info(config, bytes || undefined, file);

  return {
    bytesFor,
    oodBytesFor,
    /** The bundled datasets, as the engine's catalog lists them (`{name, file, label, width, height, channels}`). */
    bundled: catalog.datasets,
    /** The dataset of `config` as the engine describes it (`class_names`, sizes, counts, notes…). */
    async describe(config) {
      const { bytes, file } = await bytesFor(config);
      return info(config, bytes, file);
    },
    /**
     * Reads the reader's files (`source`: {kind: 'file' | 'folder' | 'drop', files | dataTransfer,
     * size, channels}) into a dataset and keeps it; `say` reports the decoding's progress.
     * Resolves to `{name, info, notes}`; throws, keeping the previous data, if the engine refuses it.
     */
    async load(source, config, say) {
      let files = source.files;
      if (source.kind === 'drop') files = await filesFromDrop(source.dataTransfer);
      const isFolder = source.kind === 'folder' || files.length > 1 || files.some((f) => (f.relativePath || f.webkitRelativePath || '').includes('/'));
      let loaded;
      if (isFolder) {
        say('Decoding images…');
        try {
          const options = { size: source.size || 28, channels: source.channels || 1, seed: config.seed };
          const decoded = await decodeImageFolder(engine, files, options, (f) => say(`Decoding images… ${new Intl.NumberFormat('en', { style: 'percent' }).format(f)}`));
          loaded = { name: decoded.name, file: `${decoded.name}/`, bytes: decoded.bytes, notes: decoded.notes };
        } finally {
          say('Not started');
        }
      } else {
        const file = files[0];
        loaded = { name: file.name.slice(0, 64), file: file.name, bytes: new Uint8Array(await file.arrayBuffer()), notes: [] };
      }
      const described = info({ ...config, dataset: loaded.name }, loaded.bytes, loaded.file);
      userData = loaded;
      return { name: loaded.name, info: described, notes: loaded.notes };
    },
  };
}
