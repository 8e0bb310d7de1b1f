/**
 * `lemsim debug --web scenario.yaml`: the stepper (src/debugger.ts) driven from a browser page on
 * 127.0.0.1. The page posts one command line at a time (`next`, `back`, `goto 08:15`, `break
 * market-cleared price>0.09`, `continue`, …: the terminal stepper's commands, so both front ends
 * behave alike) and shows the output, the pending event and the last clearing with "why this
 * price" and its blocks marked. Commands run one after another, never interleaved.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Debugger } from '../debugger.js';
import { liveClient } from './live-client.js';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lemsim debug</title>
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:0;background:#fafafa;color:#222}
header{padding:6px 12px;background:#234;color:#fff}
main{display:grid;grid-template-columns:1fr 1fr;gap:10px;padding:10px}
section{background:#fff;border:1px solid #ddd;padding:8px;min-width:0}
pre{white-space:pre-wrap;font:11px monospace;max-height:520px;overflow-y:auto;margin:0}
button{margin:0 2px 4px 0}
.why{background:#fffbea;border-left:3px solid #d80;padding:4px 8px}
table{border-collapse:collapse;font-size:11px}td{padding:0 5px;border-bottom:1px solid #eee}
</style></head><body><header><b>lemsim debug --web</b> <span id="where"></span></header>
<main><section><div id="buttons"></div><form id="form"><input id="cmd" size="48" placeholder="command (help lists them)" autocomplete="off"> <button>run</button></form><pre id="out"></pre></section>
<section><div>pending: <code id="pending"></code></div><div>breakpoints: <span id="breaks"></span></div><div class="why" id="clearing"></div></section></main>
<script src="live.js"></script></body></html>
`;

export interface LiveServer {
  readonly url: string;
  /** resolves when the page sends `quit` */
  readonly quit: Promise<void>;
  close(): Promise<void>;
}

/** Serves the live stepper for `dbg` on 127.0.0.1:`port` (0: any free port). */
export async function serveLiveDebugger(dbg: Debugger, port = 0): Promise<LiveServer> {
  const script = `(${liveClient.toString()})();\n`;
  let chain: Promise<unknown> = Promise.resolve();
  let quitNow: () => void = () => undefined;
  const quit = new Promise<void>((resolve) => (quitNow = resolve));
  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) return send(res, 200, 'text/html; charset=utf-8', PAGE);
    if (req.method === 'GET' && url.pathname === '/live.js') return send(res, 200, 'text/javascript; charset=utf-8', script);
    if (req.method === 'GET' && url.pathname === '/favicon.ico') return send(res, 204, 'text/plain', '');
    if (req.method === 'GET' && url.pathname === '/api/state') return send(res, 200, 'application/json', JSON.stringify(dbg.view()));
    if (req.method === 'POST' && url.pathname === '/api/cmd') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
        if (body.length > 10_000) req.destroy();
      });
      req.on('end', () => {
        let line: string;
        try {
          line = String((JSON.parse(body) as { line?: unknown }).line ?? '');
        } catch {
          return send(res, 400, 'application/json', JSON.stringify({ error: 'body must be JSON {"line": "<command>"}' }));
        }
        // one command at a time, in arrival order
        chain = chain.then(async () => {
          let output = '';
          const keep = await dbg.execTo(line, (t) => (output += t));
          send(res, 200, 'application/json', JSON.stringify({ output, quit: !keep, state: dbg.view() }));
          if (!keep) quitNow();
        }).catch((e: unknown) => send(res, 500, 'application/json', JSON.stringify({ error: (e as Error).message })));
      });
      return;
    }
    send(res, req.method === 'GET' || req.method === 'POST' ? 404 : 405, 'application/json', JSON.stringify({ error: `no such path ${url.pathname}` }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${addr.port}/`, quit, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
