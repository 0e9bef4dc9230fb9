// Where the bytes of a dataset come from: the bundled files next to this module (the engine's
// catalog lists them), or the reader's own files (a dataset file, or a folder of images with one
// sub-folder per class, which the page decodes and resizes and the engine turns into a dataset).

const cache = new Map();

/** The bytes of a bundled dataset (`{name, file}` of the engine's catalog), fetched once per page. */
export async function bundledBytes({ name, file }) {
  if (!cache.has(name)) {
    const url = new URL(`../data/${file}`, import.meta.url);
    cache.set(name, fetch(url).then(async (response) => {
      if (!response.ok) throw new Error(`${file}: the server answered ${response.status}`);
      return new Uint8Array(await response.arrayBuffer());
    }).catch((e) => {
      cache.delete(name);
      throw e;
    }));
  }
  return cache.get(name);
}

const IMAGE_TYPES = /\.(png|jpe?g|gif|webp|bmp)$/i;
export const MAX_USER_IMAGES = 20000;

/**
 * Decodes an image folder (files with `webkitRelativePath` "root/class/image.png", or dropped
 * entries with a `path`) into a dataset file: each image is drawn on white at `size`×`size` and
 * handed to the engine's `ImageFolder` as RGBA, which keeps `channels` (1: grey, 3: RGB), decides
 * whether the set is inverted and writes the file (its notes say what it did). Resolves to
 * `{name, bytes, notes}`; `notes` are the page's own (files that could not be decoded).
 */
export async function decodeImageFolder(engine, files, { size, channels, seed }, onProgress) {
  const images = files.filter((f) => IMAGE_TYPES.test(f.name));
  if (images.length === 0) throw new Error('the folder holds no images (png, jpg, gif, webp, bmp)');
  if (images.length > MAX_USER_IMAGES) throw new Error(`the folder holds ${images.length} images; the limit is ${MAX_USER_IMAGES}`);
  const classOf = (f) => {
    const parts = (f.relativePath || f.webkitRelativePath || f.name).split('/').filter(Boolean);
    return parts.length >= 2 ? parts[parts.length - 2] : null;
  };
  const names = [...new Set(images.map(classOf))];
  if (names.includes(null)) throw new Error('put the images in one sub-folder per class (folder/dog/1.png, folder/cat/2.png, …)');
  names.sort();
  const root = ((images[0].relativePath || images[0].webkitRelativePath || '').split('/')[0] || 'my-images').slice(0, 40);
  const canvas = new OffscreenCanvas(size, size);
  const g = canvas.getContext('2d', { willReadFrequently: true });
  const folder = new engine.ImageFolder(root, names, size, size, channels);
  let failed = 0;
  let taken = false; // finish() takes the folder; free() is for the paths that do not reach it
  try {
    for (const [i, file] of images.entries()) {
      let bitmap;
      try {
        bitmap = await createImageBitmap(file);
      } catch {
        failed += 1;
        continue;
      }
      g.fillStyle = '#fff';
      g.fillRect(0, 0, size, size);
      g.drawImage(bitmap, 0, 0, size, size);
      bitmap.close();
      const rgba = g.getImageData(0, 0, size, size).data;
      folder.add(names.indexOf(classOf(file)), new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength));
      if (onProgress && i % 50 === 0) onProgress(i / images.length);
    }
    if (folder.is_empty()) throw new Error(`none of the ${images.length} images could be decoded`);
    const notes = failed ? [`${failed} file(s) could not be decoded as images and were skipped`] : [];
    taken = true;
    const bytes = folder.finish(BigInt(seed));
    return { name: root, bytes, notes };
  } finally {
    if (!taken) folder.free();
  }
}

/** Reads dropped items, descending into folders, as files carrying their `relativePath`. */
export async function filesFromDrop(dataTransfer) {
  const entries = [...dataTransfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  if (entries.length === 0) return [...dataTransfer.files];
  const out = [];
  const walk = async (entry, path) => {
    if (out.length > MAX_USER_IMAGES) return;
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      file.relativePath = `${path}${entry.name}`;
      out.push(file);
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${path}${entry.name}/`);
      }
    }
  };
  for (const entry of entries) await walk(entry, '');
  return out;
}
