// A loopback HTTP server for the weights-store tests: serves fixture bytes with scripted misbehaviour per route
// (truncation, stalls, 5xx, 404), and counts requests so tests can assert retries happened, or did not.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a route does on its n-th request (0-based). */
export type Behaviour = (res: ServerResponse, n: number, req: IncomingMessage) => void;

export interface LoopbackServer {
  url(path: string): string;
  /** Requests per path so far. */
  hits(path: string): number;
  route(path: string, behaviour: Behaviour): void;
  close(): Promise<void>;
}

/** Sends `body` whole, with its Content-Length. */
export const serve =
  (body: Uint8Array): Behaviour =>
  (res) => {
    res.writeHead(200, { 'content-length': body.byteLength, 'content-type': 'application/octet-stream' });
    res.end(body);
  };

/** Promises `body.length` bytes, sends the first `sent`, then drops the connection. */
export const truncate =
  (body: Uint8Array, sent: number): Behaviour =>
  (res) => {
    res.writeHead(200, { 'content-length': body.byteLength });
    res.write(body.subarray(0, sent), () => res.socket?.destroy());
  };

/** Sends headers and `sent` bytes, then nothing, forever (until the client gives up). */
export const stall =
  (body: Uint8Array, sent: number): Behaviour =>
  (res) => {
    res.writeHead(200, { 'content-length': body.byteLength });
    res.write(body.subarray(0, sent));
  };

export const status =
  (code: number): Behaviour =>
  (res) => {
    res.writeHead(code, { 'content-type': 'text/plain' });
    res.end(`status ${code}`);
  };

/** Behaviours in turn: the i-th request gets the i-th (the last one repeats). */
export const sequence =
  (...steps: Behaviour[]): Behaviour =>
  (res, n, req) =>
    steps[Math.min(n, steps.length - 1)](res, n, req);

export async function startLoopbackServer(): Promise<LoopbackServer> {
  const routes = new Map<string, Behaviour>();
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const n = counts.get(path) ?? 0;
    counts.set(path, n + 1);
    const behaviour = routes.get(path);
    if (behaviour) behaviour(res, n, req);
    else status(404)(res, n, req);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits: (path) => counts.get(path) ?? 0,
    route: (path, behaviour) => {
      routes.set(path, behaviour);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
