// The full lab page: settings come from the URL, and the URL follows the settings.
import { createLab } from './lab.js';
import { registerServiceWorker } from './offline.js';

const params = new URLSearchParams(location.search);
const options = Object.fromEntries(params.entries());
const root = document.getElementById('lab');

// The standalone page works offline after a first visit; an embed (this page in an iframe, or
// with `embed` in its address) installs no service worker on its host's behalf.
const embedded = window.self !== window.top || params.has('embed');
if (!embedded) registerServiceWorker();

function mirrorState(state) {
  document.body.dataset.labState = state;
}

try {
  // The full lab keeps finished runs in the browser (the Runs panel; docs/embedding.md), in the
  // site's shared scope.
  const lab = await createLab(root, { keep_runs: 'shared', ...options });
  mirrorState(lab.state);
  lab.on('state', mirrorState);
  // Keep the address bar a reproducible link to the current settings (page options kept, but
  // not autorun: reloading should not start training by itself). Clamped values are rewritten
  // at once, so the address shows what is used.
  const syncAddress = () => {
    const url = new URL(lab.link());
    url.pathname = location.pathname;
    for (const key of ['hide', 'embed']) if (params.has(key)) url.searchParams.set(key, params.get(key));
    history.replaceState(null, '', url);
  };
  syncAddress();
  lab.on('config', syncAddress);
  window.ovrLab = lab;
} catch (e) {
  mirrorState('error');
  console.error(e);
}
