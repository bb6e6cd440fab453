// @ts-check
// The page's script: two file inputs → verify() → the result as JSON. Bundled by build.mjs into dist/main.js.
import { FaceKitError, env, verify } from '@facekit/web';

// build.mjs copies the model files and the tfjs wasm binaries next to the page: nothing comes from a CDN.
env.modelsBaseUrl = './models/';
env.wasmPaths = './wasm/';

/** @param {string} id */
const input = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
const button = /** @type {HTMLButtonElement} */ (document.getElementById('verify'));
const status = /** @type {HTMLElement} */ (document.getElementById('status'));
const result = /** @type {HTMLElement} */ (document.getElementById('result'));

function files() {
  const a = input('img1').files?.[0];
  const b = input('img2').files?.[0];
  return a && b ? [a, b] : undefined;
}

for (const id of ['img1', 'img2']) input(id).addEventListener('change', () => (button.disabled = !files()));

button.addEventListener('click', async () => {
  const pair = files();
  if (!pair) return;
  status.textContent = 'verifying… (the first call loads the models)';
  try {
    const r = await verify(pair[0], pair[1]);
    status.textContent = `${r.verified ? 'same person' : 'different people'} in ${r.timeMs.toFixed(0)} ms (${r.backend})`;
    result.textContent = JSON.stringify(r, null, 2);
  } catch (e) {
    status.textContent = e instanceof FaceKitError ? `${e.code}: ${e.message}` : String(e);
  }
});
