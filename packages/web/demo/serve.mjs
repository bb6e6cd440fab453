// A small static server for the built demo. `--isolated` adds COOP/COEP, which makes the page cross-origin isolated
// (SharedArrayBuffer → wasm threads). `node demo/serve.mjs [--isolated] [--port N]`.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm', // WebAssembly.instantiateStreaming refuses any other type
  '.bin': 'application/octet-stream',
  '.dat': 'application/octet-stream', // dlib's model file
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
};

/**
 * @param {{ root: string, mounts?: Record<string, string>, isolated?: boolean, port?: number }} options
 *   `mounts` maps a URL prefix (e.g. '/lfw/') to a folder.
 * @returns {Promise<{ url: string, requests: string[], close: () => Promise<void> }>}
 */
export async function startServer(options) {
  const mounts = Object.entries({ ...options.mounts, '/': options.root }).map(([p, d]) => [p, resolve(d)]);
  /** @type {string[]} every path requested, for tests that check what was (not) downloaded */
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (options.isolated) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    const [prefix, dir] = mounts.find(([p]) => path.startsWith(p)) ?? [];
    let file = dir && join(dir, path.slice(prefix.length));
    if (file && path.endsWith('/')) file = join(file, 'index.html');
    const info = file?.startsWith(dir + sep) ? await stat(file).catch(() => undefined) : undefined;
    if (!info?.isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-cache',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(options.port ?? 0, '127.0.0.1', () => ok(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}/`,
    requests,
    close: () => new Promise((ok) => server.close(() => ok(undefined))),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const port = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : 8080;
  const here = dirname(fileURLToPath(import.meta.url));
  const s = await startServer({ root: join(here, 'dist'), isolated: args.includes('--isolated'), port });
  console.log(`demo at ${s.url.replace('127.0.0.1', 'localhost')}`);
}
