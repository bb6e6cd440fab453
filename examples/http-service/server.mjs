// @ts-check
// An HTTP service that verifies two uploaded photos, on node:http with no framework.
//
//   POST /verify   multipart/form-data with two files, fields `img1` and `img2`
//                  optional query: ?embedder=dlib-resnet34&metric=euclidean&threshold=0.6
//   GET  /healthz  → 200 { ok: true }
//
// 200 → the verify() result as JSON. Errors → { error: { code, message } } with a 4xx for the caller's mistakes
// (every FaceKitError code maps to a status below) and 500 for anything else.
// Limits: the request body (maxBodyBytes, default 10 MB → 413 E_BODY_TOO_LARGE), the pixels of each image
// (maxPixels, default 25 MP → 413 E_IMAGE_TOO_LARGE, refused from the image header before decoding) and one
// verification at a time (requests wait their turn; the models are loaded once and shared).
//
//   node server.mjs                     # PORT=3000 by default
//   curl -F img1=@a.jpg -F img2=@b.jpg http://localhost:3000/verify
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { FaceKitError, verify } from '@facekit/node';

/** HTTP status per FaceKitError code; codes not listed are server-side failures (500). */
export const STATUS_BY_CODE = {
  E_INPUT: 400,
  E_DECODE: 400,
  E_CONFIG: 400,
  E_UNKNOWN_MODEL: 400,
  E_EMBEDDING_MISMATCH: 400,
  E_BODY_TOO_LARGE: 413,
  E_IMAGE_TOO_LARGE: 413,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_NO_FACE: 422,
  E_ABORTED: 408,
  // The embedder's weights are not on this server (not cached, offline or unreachable): the service cannot answer
  // for that embedder until an operator pulls them (`facekit weights pull NAME`, or the store's pull the message names).
  E_WEIGHTS_MISSING: 503,
  E_DOWNLOAD: 503,
  E_WEIGHTS_INTEGRITY: 503,
};

/** A request error that is not a FaceKitError (HTTP-level: method, route, body). */
class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Reads the whole body, failing as soon as it grows past `limit` bytes.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} limit
 * @returns {Promise<Buffer>}
 */
async function readBody(req, limit) {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw new HttpError(413, 'E_BODY_TOO_LARGE', `request body over ${limit} bytes`);
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'E_BODY_TOO_LARGE', `request body over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The two uploaded images of a multipart/form-data body (parsed by the platform's fetch `Response.formData()`).
 * @param {import('node:http').IncomingMessage} req
 * @param {Buffer} body
 */
async function uploadedImages(req, body) {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) {
    throw new HttpError(415, 'E_UNSUPPORTED_MEDIA_TYPE', 'send multipart/form-data with files img1 and img2');
  }
  let form;
  try {
    form = await new Response(body, { headers: { 'content-type': type } }).formData();
  } catch {
    throw new HttpError(400, 'E_INPUT', 'malformed multipart/form-data body');
  }
  const images = [];
  for (const name of ['img1', 'img2']) {
    const file = form.get(name);
    if (!file || typeof file === 'string') throw new HttpError(400, 'E_INPUT', `missing file field '${name}'`);
    images.push(new Uint8Array(await file.arrayBuffer()));
  }
  return images;
}

/**
 * Verify options from the query string; facekit validates them (E_CONFIG / E_UNKNOWN_MODEL → 400).
 * @param {URLSearchParams} q
 * @returns {import('@facekit/node').NodeOptions}
 */
function optionsFrom(q) {
  /** @type {import('@facekit/node').NodeOptions} */
  const o = {};
  const embedder = q.get('embedder');
  const metric = q.get('metric');
  const threshold = q.get('threshold');
  if (embedder) o.embedder = embedder;
  if (metric) o.metric = /** @type {import('@facekit/node').MetricName} */ (metric);
  if (threshold !== null) o.threshold = Number(threshold);
  return o;
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} payload
 */
function sendJson(res, status, payload) {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * @param {unknown} e
 * @returns {{ status: number, code: string, message: string }}
 */
export function errorResponse(e) {
  if (e instanceof HttpError) return { status: e.status, code: e.code, message: e.message };
  if (e instanceof FaceKitError) {
    const status = /** @type {Record<string, number>} */ (STATUS_BY_CODE)[e.code] ?? 500;
    return { status, code: e.code, message: e.message };
  }
  return { status: 500, code: 'E_INTERNAL', message: 'internal error' };
}

/**
 * Creates (does not start) the service.
 * @param {{ maxBodyBytes?: number, maxPixels?: number, log?: (line: string) => void }} [options]
 */
export function createVerifyServer(options = {}) {
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const maxPixels = options.maxPixels ?? 25_000_000;
  const log = options.log ?? ((line) => console.error(line));
  /** One verification at a time: the models and the tfjs backend are shared by every request. */
  let queue = Promise.resolve();

  return createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (req.method === 'GET' && url.pathname === '/healthz') return sendJson(res, 200, { ok: true });
      if (url.pathname !== '/verify') throw new HttpError(404, 'E_NOT_FOUND', `no route ${url.pathname}`);
      if (req.method !== 'POST') throw new HttpError(405, 'E_METHOD', 'use POST /verify');
      const body = await readBody(req, maxBodyBytes);
      const [img1, img2] = await uploadedImages(req, body);
      const opts = { ...optionsFrom(url.searchParams), maxPixels };
      const run = queue.then(() => verify(img1, img2, opts));
      queue = run.then(
        () => undefined,
        () => undefined,
      );
      sendJson(res, 200, await run);
    } catch (e) {
      const { status, code, message } = errorResponse(e);
      if (status >= 500) log(`verify failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      // A body over the limit was not read to its end: close the connection after answering.
      if (code === 'E_BODY_TOO_LARGE') res.setHeader('connection', 'close');
      sendJson(res, status, { error: { code, message } });
    }
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.env.PORT ?? 3000);
  const server = createVerifyServer();
  server.listen(port, () => console.error(`facekit verify service on http://localhost:${port}/verify`));
}
