import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Status } from './readStatus';

const PAGE_DIR = path.join(__dirname, 'page');
// The chart library comes from npm and is served from here: the page loads nothing from elsewhere.
const UPLOT_DIR = path.join(path.dirname(require.resolve('uplot/package.json')), 'dist');

const ASSETS: Record<string, { file: string; type: string }> = {
  '/assets/uPlot.iife.min.js': { file: path.join(UPLOT_DIR, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/uPlot.min.css': { file: path.join(UPLOT_DIR, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
  '/assets/page.js': { file: path.join(PAGE_DIR, 'page.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/page.css': { file: path.join(PAGE_DIR, 'page.css'), type: 'text/css; charset=utf-8' },
};

export interface StatusServer {
  url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  host: string;
  port: number;
  /** How often the page asks for /status.json again. */
  refreshSeconds: number;
  read(): Promise<Status>;
  onError?(error: Error): void;
}

/**
 * Serves the status page and its JSON (`/status.json`) on `host` only. Requests that arrive together
 * share one read of the database; each refresh of each page makes its own otherwise.
 */
export async function serveStatus(options: ServeOptions): Promise<StatusServer> {
  const page = readFileSync(path.join(PAGE_DIR, 'index.html'), 'utf8').replace('{{refreshSeconds}}', String(options.refreshSeconds));
  let inFlight: Promise<Status> | null = null;
  const current = () => {
    inFlight ??= options.read().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, {
      'Content-Type': type,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      // Nothing but this server: no CDN, no inline script, no frame.
      'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    });
    res.end(body);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://status.local');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    if (url.pathname === '/' || url.pathname === '/index.html') return send(res, 200, 'text/html; charset=utf-8', page);
    if (url.pathname === '/status.json') {
      current().then(
        (status) => send(res, 200, 'application/json; charset=utf-8', JSON.stringify(status)),
        (error: Error) => {
          options.onError?.(error);
          send(res, 503, 'application/json; charset=utf-8', JSON.stringify({ error: error.message }));
        },
      );
      return;
    }
    const asset = ASSETS[url.pathname];
    if (asset) return send(res, 200, asset.type, readFileSync(asset.file));
    if (url.pathname === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
