// ESLint flat config: `make lint` runs `eslint www tests/e2e scripts`.
import js from '@eslint/js';
import globals from 'globals';

export default [
  // Generated or third-party code is not ours to lint.
  { ignores: ['www/pkg/', 'www/peers/', 'www/vendor/', 'node_modules/', 'target/', 'bench/peers/target/'] },
  js.configs.recommended,
  {
    files: ['www/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.worker },
    },
  },
  {
    // Classic workers: they load plain-script libraries with importScripts, which defines globals.
    files: ['www/js/bench-worker-convnetjs.js', 'www/js/bench-worker-tfjs.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { tf: 'readonly' },
    },
  },
  {
    files: ['scripts/**/*.{js,mjs}', 'tests/e2e/**/*.{js,mjs}', 'eslint.config.js'],
    // Functions handed to page.evaluate / waitForFunction run in the page, hence `document`.
    languageOptions: { sourceType: 'module', globals: { ...globals.node, document: 'readonly' } },
  },
];
