// The house rule, checked: JavaScript schedules work and draws; Rust computes every metric,
// statistic, threshold and verdict (../shared/GUIDE.md §1, www/js/views/README.md). This test
// reads every file under www/js (not only the views) and fails with file:line for code that looks
// like a statistic computed in the page:
//
//   exp          Math.exp(            softmax, sigmoid
//   sqrt         Math.sqrt(           a standard deviation or an interval
//   log          Math.log( / log2( / log1p(   a loss or an entropy (Math.log10 is left alone:
//                                     the curves' log axis uses it for tick labels)
//   pow          Math.pow( or `** 2`  a variance
//   hypot        Math.hypot(          a norm or a distance
//   sum          .reduce((a, b) => a + …   a sum on its way to a mean
//   mean         division by something named length, size, count, total, sum, n or channels
//   threshold    a comparison with a decimal literal (`> 0.9`, `< 0.02`, `0.5 <`)
//   argmax       a function or call named argmax   (the engine says `predicted`)
//   luminance    0.299 / 0.587 / 0.114            (turning pixels into a model's input)
//
// Drawing is allowed (colour scales from the values shown, a square-root shade, text contrast on
// a cell's colour): such lines are listed in ALLOWED with the reason, matched by file and a piece
// of the line, so that line numbers can move. Lines outside the views that still compute are
// listed in PENDING, line by line, with who owns them; they are reported (as diagnostics), not
// failed, until their owners move the computation to Rust. An ALLOWED entry that no longer
// matches anything fails the test, so the list cannot rot; a PENDING one is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './harness.mjs';

const JS = path.join(ROOT, 'www', 'js');

export const PATTERNS = [
  ['exp', /\bMath\.exp\(/],
  ['sqrt', /\bMath\.sqrt\(/],
  ['log', /\bMath\.(log|log2|log1p)\(/],
  ['pow', /\bMath\.pow\(|\*\*\s*2\b/],
  ['hypot', /\bMath\.hypot\(/],
  ['sum', /\.reduce\(\s*\(?\s*(\w+)\s*,\s*(\w+)\s*\)?\s*=>\s*\1\s*\+/],
  ['mean', /\/\s*\(?\s*(?:[\w$]+(?:\.|\?\.))*(length|size|count|total|sum|n|channels)\b(?!\s*\()/],
  ['threshold', /[<>]=?\s*0?\.\d+|\b0?\.\d+\s*[<>]/],
  ['argmax', /\bargmax\b/i],
  ['luminance', /\b0\.(299|587|114)\b/],
];

/** [file (relative to www/js), piece of the line, reason]: drawing, not a statistic. */
const ALLOWED = [
  ['views/confusion.js', 'Math.sqrt(Math.max(0, Math.min(1, f)))', 'drawing: a square-root colour scale of the share the report states (confusion_rows)'],
  ['views/palette.js', '0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b) < 0.179', 'drawing: light or dark text for the colour a cell is painted (WCAG contrast)'],
  ['views/palette.js', 'Math.pow((c / 255 + 0.055) / 1.055, 2.4)', 'drawing: the sRGB curve of WCAG relative luminance, for text contrast on a painted cell'],
  ['views/filters.js', 'out[y * kw + x] = s / channels', 'drawing: a filter with several input channels drawn as one image, their average (stated in the legend)'],
  ['datasets.js', 'onProgress(i / images.length)', 'progress of decoding a user\'s images, not a result'],
  ['bench-worker-convnetjs.js', 'reduce((sum, p) => sum + p.params.length', 'the benchmark\'s ConvNetJS peer (counts that library\'s parameters, not a result of the lab)'],
  ['bench.js', 'results.reduce((a, r) => a + r[key], 0)', 'measurement: the benchmark page adds up the rates of Workers that trained at once (it times the engine; it reports no result of the lab)'],
  ['views/similarity.js', 'Math.floor((widthCss - lw - 4) / n)', 'layout: a heatmap cell\'s size from the width and the number of models'],
];

/** [file, piece of the line, owner and what should replace it]: known, not this test's to fix. */
// Empty: every computation the page made has moved to Rust. A new entry needs an owner and a plan.
const PENDING = [];

function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return e.name.endsWith('.js') || e.name.endsWith('.mjs') ? [p] : [];
  });
}

/** Code without comments (line structure kept), so prose about a rule is not the rule. */
function code(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .split('\n')
    .map((line) => line.replace(/(^|[^:'"`\\])\/\/.*$/, '$1'));
}

export function scan(root = JS) {
  const hits = [];
  for (const file of files(root)) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    code(fs.readFileSync(file, 'utf8')).forEach((line, i) => {
      for (const [name, re] of PATTERNS) {
        if (re.test(line)) hits.push({ file: rel, line: i + 1, name, text: line.trim() });
      }
    });
  }
  return hits;
}

const matches = (entry, hit) => hit.file === entry[0] && hit.text.includes(entry[1]);

test('no file in www/js computes a statistic, a threshold or a verdict (drawing aside)', (t) => {
  const hits = scan();
  const pending = hits.filter((h) => PENDING.some((p) => matches(p, h)));
  for (const h of pending) t.diagnostic(`pending (${PENDING.find((p) => matches(p, h))[2]}): www/js/${h.file}:${h.line} [${h.name}] ${h.text}`);
  const bad = hits.filter((h) => !ALLOWED.some((a) => matches(a, h)) && !pending.includes(h));
  assert.deepEqual(bad.map((h) => `www/js/${h.file}:${h.line}: ${h.name}: ${h.text}`), [],
    'computations belong in Rust (src/experiment/report/…); the page prints what the report states');
  const done = PENDING.filter((e) => !hits.some((h) => matches(e, h)));
  assert.deepEqual(done.map((p) => `${p[0]}: ${p[1]}`), [], 'pending entries that match nothing any more (done): remove them');
  const stale = ALLOWED.filter((a) => !hits.some((h) => matches(a, h)));
  assert.deepEqual(stale.map((a) => `${a[0]}: ${a[1]}`), [], 'allowed entries that match nothing: remove them');
});

test('the patterns catch what they are meant to catch, and leave formatting alone', () => {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'ovr-lab-scan-'));
  try {
    fs.writeFileSync(path.join(dir, 'bad.js'), [
      'const p = 1 / (1 + Math.exp(-z));',
      'const sd = Math.sqrt(v);',
      'const sum = xs.reduce((a, b) => a + b, 0);',
      'const mean = sum / xs.length;',
      'if (Math.abs(d) < 0.02) say("barely moved");',
      'const top = argmax(scores);',
      'const loss = -Math.log(p);',
      'const lum = 0.299 * r;',
      '// a comment may say Math.exp( and 0.9 <',
    ].join('\n'));
    fs.writeFileSync(path.join(dir, 'good.js'), [
      'const s = `${(x * 100).toFixed(1)}%`;',
      'const tick = Math.log10(v);',
      'const w = `${Math.max(0, Math.min(1, p)) * 100}%`;',
      'const part = names.slice(0, 12).join(", ");',
      'if (e.pressure > 0) width = 12;',
    ].join('\n'));
    const hits = scan(dir);
    assert.deepEqual(hits.filter((h) => h.file === 'good.js'), []);
    assert.deepEqual(hits.filter((h) => h.file === 'bad.js').map((h) => `${h.line}:${h.name}`),
      ['1:exp', '2:sqrt', '3:sum', '4:mean', '5:threshold', '6:argmax', '7:log', '8:luminance']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
