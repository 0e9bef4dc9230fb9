// Where a run's data comes from: a bundled set, the generated shapes, or the reader's own file or
// image folder (kept for the page's life; a link cannot carry it). The engine reads a dataset
// before the lab switches to it, so a bad file leaves the current one in place.
import { BUNDLED, bundledBytes, decodeImageFolder, filesFromDrop } from './datasets.js';

export function createSources(engine) {
  let userData = null; // {name, file, bytes, notes}

  /** `{bytes, file}` for `config.dataset` (`bytes` null for the generated shapes). */
  async function bytesFor(config) {
    if (config.dataset === 'shapes') return { bytes: null, file: 'shapes' };
    if (BUNDLED[config.dataset]) return { bytes: await bundledBytes(config.dataset), file: BUNDLED[config.dataset] };
    if (userData && userData.name === config.dataset) return { bytes: userData.bytes, file: userData.file };
    throw new Error(`dataset "${config.dataset}" is not available: choose a bundled set or load your own file again (a link cannot carry your data)`);
  }

  /** The engine's description of a dataset read with `config` (all classes, all images). */
  function probe(config, bytes, file) {
    const lab = new engine.Lab({ ...config, classes: [], train_per_class: 0 }, bytes || undefined, file);
    try {
      return lab.dataset();
    } finally {
      lab.free();
    }
  }

  return {
    bytesFor,
    /** The dataset of `config` as the engine describes it (`class_names`, counts, notes…). */
    async describe(config) {
      const { bytes, file } = await bytesFor(config);
      return probe(config, bytes, file);
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
        const size = source.size || 28;
        say('Decoding images…');
        const decoded = await decodeImageFolder(files, size, (f) => say(`Decoding images… ${Math.round(100 * f)}%`), source.channels || 1);
        const bytes = engine.dataset_from_images(decoded.name, decoded.classNames, decoded.labels, decoded.pixels, size, size, decoded.channels, BigInt(config.seed));
        loaded = { name: decoded.name, file: `${decoded.name}/`, bytes, notes: decoded.notes };
        say('Not started');
      } else {
        const file = files[0];
        loaded = { name: file.name.slice(0, 64), file: file.name, bytes: new Uint8Array(await file.arrayBuffer()), notes: [] };
      }
      const info = probe({ ...config, dataset: loaded.name }, loaded.bytes, loaded.file);
      userData = loaded;
      return { name: loaded.name, info, notes: loaded.notes };
    },
  };
}
