// Where the bytes of a dataset come from: the bundled files next to this module, or the reader's
// own files (a dataset file, or a folder of images with one sub-folder per class).

export const BUNDLED = {
  mnist28: 'mnist28.bin.gz',
  fashion28: 'fashion28.bin.gz',
  animals28: 'animals28.bin.gz',
  digits8x8: 'digits8x8.bin.gz',
  glyphs: 'glyphs.bin.gz',
};

const cache = new Map();

/** The bytes of a bundled dataset (fetched once per page). */
export async function bundledBytes(name) {
  const file = BUNDLED[name];
  if (!file) throw new Error(`unknown bundled dataset "${name}"`);
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
 * entries with a `path`) into grey `size`×`size` images, 0 = background. Photos and scans usually
 * have a light background, so when the images' borders are bright on average the whole set is
 * inverted (one decision for the set: per-image guesses would flip some images and not others);
 * the returned `notes` say so. With `channels` 3 the colours are kept (RGB); with 1 they are
 * turned into grey (luma).
 */
export async function decodeImageFolder(files, size, onProgress, channels = 1) {
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
  const labels = [];
  const len = size * size * channels;
  const pixels = new Uint8Array(images.length * len);
  let failed = 0;
  let borders = 0;
  let kept = 0;
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
    const grey = new Uint8Array(size * size);
    const image = new Uint8Array(len);
    for (let p = 0; p < size * size; p += 1) {
      grey[p] = Math.round(0.299 * rgba[4 * p] + 0.587 * rgba[4 * p + 1] + 0.114 * rgba[4 * p + 2]);
      if (channels === 3) image.set(rgba.subarray(4 * p, 4 * p + 3), 3 * p);
      else image[p] = grey[p];
    }
    borders += borderMean(grey, size);
    pixels.set(image, kept * len);
    labels.push(names.indexOf(classOf(file)));
    kept += 1;
    if (onProgress && i % 50 === 0) onProgress(i / images.length);
  }
  if (kept === 0) throw new Error(`none of the ${images.length} images could be decoded`);
  const inverted = borders / kept > 127;
  if (inverted) for (let p = 0; p < kept * len; p += 1) pixels[p] = 255 - pixels[p];
  const notes = [];
  if (failed) notes.push(`${failed} file(s) could not be decoded as images and were skipped`);
  if (inverted) notes.push(`the ${kept} images have light backgrounds, so they were inverted (the lab expects bright ink on a dark background)`);
  notes.push(`images resized to ${size}×${size} px, ${channels === 3 ? 'colour kept (RGB)' : 'turned grey'}`);
  return { name: root, classNames: names, labels: Uint32Array.from(labels), pixels: pixels.slice(0, kept * len), size, channels, notes };
}

function borderMean(grey, size) {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < size; i += 1) {
    sum += grey[i] + grey[(size - 1) * size + i] + grey[i * size] + grey[i * size + size - 1];
    n += 4;
  }
  return sum / n;
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
