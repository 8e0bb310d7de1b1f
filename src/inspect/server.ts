/**
 * `lemsim inspect DIR`: a local web server over a finished run folder (bound to 127.0.0.1 only). It
 * serves one page, its script (src/inspect/client.ts, compiled by the package's own build and sent
 * as the compiled function's source, so nothing is fetched from the network) and a small JSON API
 * over the run (src/inspect/run-data.ts). Read-only: every request is a GET of data the run wrote.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspectorClient } from './client.js';
import { type InspectedRun, periodKey } from './run-data.js';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lemsim inspector</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:6px 12px;background:#234;color:#fff;display:flex;gap:16px;align-items:baseline}
header h1{font-size:15px;margin:0}
#timeline{padding:6px 12px;background:#fff;border-bottom:1px solid #ccc;overflow-x:auto;white-space:nowrap}
#timeline .it{margin:2px 0}
#timeline button{font:11px monospace;margin:0 1px;padding:1px 3px;border:1px solid #bbb;background:#f4f4f4;cursor:pointer}
#timeline button.sel{background:#234;color:#fff}
#timeline button.low{border-bottom:3px solid #d80}
main{display:grid;grid-template-columns:minmax(520px,1.2fr) minmax(380px,1fr);gap:10px;padding:10px}
section{background:#fff;border:1px solid #ddd;padding:8px;min-width:0}
h2{font-size:14px;margin:0 0 6px}
table{border-collapse:collapse;font-size:12px}
td,th{padding:1px 6px;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child{text-align:left}
.why{background:#fffbea;border-left:3px solid #d80;padding:4px 8px}
.k{color:#666}
#events{max-height:320px;overflow-y:auto;font:11px monospace}
#events div{cursor:pointer;white-space:nowrap}
#events div:hover{background:#eef}
.legend span{display:inline-block;margin-right:10px}
.sw{display:inline-block;width:10px;height:10px;margin-right:3px;vertical-align:middle}
</style></head>
<body><div id="app">loading…</div><script src="app.js"></script></body></html>
`;

function json(res: ServerResponse, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** The JSON API; undefined for an unknown path. */
export function apiResponse(run: InspectedRun, url: URL): { status: number; body: unknown } | undefined {
  const q = url.searchParams;
  const num = (k: string, d: number) => (q.has(k) && Number.isFinite(Number(q.get(k))) ? Number(q.get(k)) : d);
  switch (url.pathname) {
    case '/api/run': {
      const minutes: Record<number, number[]> = {};
      // per iteration: the widest load-node deviation from nominal, the map's colour span
      const spanPu: Record<number, number> = {};
      for (const [it, byMin] of run.voltages) {
        minutes[it] = [...byMin.keys()].sort((a, b) => a - b);
        let span = 0;
        for (const byBus of byMin.values()) for (const v of byBus.values()) span = Math.max(span, Math.abs(v.min - run.nominalVPu), Math.abs(v.max - run.nominalVPu));
        spanPu[it] = span;
      }
      return {
        status: 200,
        body: {
          name: run.summary.scenario, dir: run.dir, summary: { seed: run.summary.seed, feeder: run.summary.feeder, market: run.summary.market, final: run.summary.final },
          grid: run.grid, nominalVPu: run.nominalVPu, vMinPu: run.vMinPu, vMaxPu: run.vMaxPu,
          periods: run.periods, agents: run.agents, minutes, spanPu, batteries: run.batteries, map: run.map,
          eventTypes: [...new Set(run.events.map((e) => e.type))],
          community: run.communities.size > 0 || run.curves.size > 0,
          hasBranches: run.branches.length > 0,
        },
      };
    }
    case '/api/book': {
      const blocks = run.books.get(periodKey(num('it', 0), num('period', 0)));
      return blocks ? { status: 200, body: { blocks } } : { status: 404, body: { error: `no period ${q.get('period')} in iteration ${q.get('it')}` } };
    }
    case '/api/agent': {
      const id = q.get('id') ?? '';
      const a = run.agents.find((x) => x.id === id);
      if (!a) return { status: 404, body: { error: `no agent '${id}'` } };
      const bids: Record<string, unknown[]> = {};
      for (const [key, blocks] of run.books) {
        const mine = blocks.filter((b) => b.agent === id);
        if (mine.length > 0) bids[key] = mine;
      }
      // rows of agents.csv / batteries.csv that belong to the agent: by its id, or by its bus for a battery site
      const tables: Record<string, { columns: readonly string[]; rows: Record<string, string>[] }> = {};
      for (const [name, t] of Object.entries(run.extraTables)) {
        const rows = t.rows.filter((r) => r.agent === id || r.id === id || (a.bus !== null && r.bus !== undefined && r.bus.toLowerCase() === a.bus.toLowerCase()));
        if (rows.length > 0) tables[name] = { columns: t.columns, rows };
      }
      const curves: Record<string, unknown[]> = {};
      for (const [key, list] of run.curves) {
        const mine = list.filter((c) => c.owner === id);
        if (mine.length > 0) curves[key] = mine;
      }
      // a community manager's own offer per period (issue 16), with its community's cleared price and net import
      const offers: Record<string, unknown> = {};
      for (const [key, list] of run.managerOffers) {
        const mine = list.find((o) => o.owner === id);
        if (!mine) continue;
        const row = run.communities.get(key)?.find((c) => c.community === mine.community);
        offers[key] = { ...mine, clearedPriceEurPerKwh: row ? row.priceEurPerKwh : null, clearedNetImportKw: row ? row.netImportKw : null };
      }
      return { status: 200, body: { agent: a, market: run.market.filter((r) => r.agent === id), bids, voltage: a.load ? run.loadVoltages.get(a.load)?.rows ?? [] : [], tables, curves, offers, strategy: run.strategyStates.get(id) ?? [] } };
    }
    case '/api/community': {
      const key = periodKey(num('it', 0), num('period', 0));
      return { status: 200, body: { communities: run.communities.get(key) ?? [], agents: run.curves.get(key) ?? [] } };
    }
    case '/api/branches': {
      const it = num('it', 0);
      const overloaded = [...new Set(run.violations.filter((v) => v.iteration === it && v.kind === 'overcurrent').map((v) => v.element.toLowerCase()))];
      return { status: 200, body: { branches: run.branches.filter((b) => b.iteration === it), overloaded } };
    }
    case '/api/voltages': {
      const it = num('it', 0);
      const minute = num('minute', 0);
      const byMin = run.voltages.get(it);
      const buses = byMin?.get(minute);
      return { status: 200, body: { minute, buses: buses ? Object.fromEntries(buses) : {}, violations: run.violations.filter((v) => v.iteration === it && v.minute === minute) } };
    }
    case '/api/events': {
      const type = q.get('type') ?? '';
      const agent = q.get('agent') ?? '';
      const it = q.has('it') ? num('it', 0) : undefined;
      const period = q.has('period') ? num('period', 0) : undefined;
      const limit = Math.min(2000, Math.max(1, num('limit', 500)));
      const offset = Math.max(0, num('offset', 0));
      const hit = run.events.filter((e) => (!type || e.type === type) && (!agent || e.agent === agent) && (it === undefined || e.iteration === it) && (period === undefined || e.period === period));
      return { status: 200, body: { total: hit.length, offset, events: hit.slice(offset, offset + limit) } };
    }
    default:
      return undefined;
  }
}

export interface InspectorServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the inspector over `run` on 127.0.0.1:`port` (0: any free port). */
export async function serveInspector(run: InspectedRun, port = 0): Promise<InspectorServer> {
  const script = `(${inspectorClient.toString()})();\n`;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET' });
      res.end();
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:" });
      res.end(PAGE);
      return;
    }
    if (url.pathname === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(script);
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    const api = apiResponse(run, url);
    if (api) return json(res, api.body, api.status);
    json(res, { error: `no such path ${url.pathname}` }, 404);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
