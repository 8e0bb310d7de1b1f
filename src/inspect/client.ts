/// <reference lib="dom" />
/**
 * The inspector's page script. It runs in the browser: the server sends this function's compiled
 * source (`inspectorClient.toString()`), so it must be self-contained — no imports, no references to
 * anything outside its body. Views: a timeline of iterations and periods (← → step periods, [ ] step
 * minutes), the period's merit order with every block's status, the grid's offers and the clearing
 * point, "why this price", the community market (each community's price and trades, each bid
 * agent's quadratic curve at the optimum), the feeder map coloured by voltage at the selected minute
 * or by branch loading (branches.csv), one agent's bids, curves, dispatch, strategy state and voltage,
 * and the event list. The URL holds the state (it, period, minute, agent, colour), so every view can
 * be linked to.
 */
export function inspectorClient(): void {
  type Dict = Record<string, any>;
  const SVG = 'http://www.w3.org/2000/svg';
  const STATUS_COLOUR: Record<string, string> = { accepted: '#2a9d4a', rejected: '#c8c8c8', 'paradoxically-rejected': '#e08a00', 'paradoxically-accepted': '#8a3ab9', open: '#9ab' };
  const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
  const fmt = (x: number | null | undefined, d = 6) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : String(Number(x.toFixed(d))));
  const clock = (min: number) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(Math.floor(min % 60)).padStart(2, '0')}`;
  const get = async (path: string): Promise<Dict> => {
    const r = await fetch(path);
    const body = (await r.json()) as Dict;
    if (!r.ok) throw new Error(body.error ?? `${path}: HTTP ${r.status}`);
    return body;
  };
  const el = (tag: string, attrs: Dict = {}, text?: string): SVGElement => {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const $ = (id: string) => document.getElementById(id)!;

  let run: Dict;
  const state = { it: 0, period: 0, minute: 0, agent: '' as string, colour: 'voltage' as string };
  let periodsOf: Dict[] = [];

  function periodList(it: number): Dict[] {
    return run.periods.filter((p: Dict) => p.iteration === it);
  }
  function current(): Dict | undefined {
    return periodsOf[state.period];
  }

  function writeUrl(): void {
    const p = current();
    const q = new URLSearchParams();
    q.set('it', String(state.it));
    if (p) q.set('period', p.label);
    q.set('minute', String(state.minute));
    if (state.agent) q.set('agent', state.agent);
    if (state.colour !== 'voltage') q.set('colour', state.colour);
    history.replaceState(null, '', `?${q.toString()}`);
  }

  function readUrl(): void {
    const q = new URLSearchParams(location.search);
    const its = [...new Set(run.periods.map((p: Dict) => p.iteration))] as number[];
    state.it = q.has('it') && its.includes(Number(q.get('it'))) ? Number(q.get('it')) : its[its.length - 1] ?? 0;
    periodsOf = periodList(state.it);
    const label = q.get('period');
    const k = periodsOf.findIndex((p) => p.label === label);
    state.period = k >= 0 ? k : 0;
    const p = current();
    state.minute = q.has('minute') && Number.isFinite(Number(q.get('minute'))) ? Number(q.get('minute')) : p ? p.startMinute : 0;
    state.agent = q.get('agent') ?? '';
    const colour = q.get('colour') ?? 'voltage';
    state.colour = run.hasBranches && ['peak', 'mean'].includes(colour) ? colour : 'voltage';
  }

  function layout(): void {
    $('app').innerHTML = `
<header><h1>lemsim inspector</h1><span>${esc(run.name)}</span><span class="k">${esc(run.dir)}</span>
<span class="k">${esc(run.grid.mechanism)} · ${esc(run.grid.pricing)} · import ${fmt(run.grid.importPriceEurPerKwh)} · export ${fmt(run.grid.exportPriceEurPerKwh)} EUR/kWh</span>
<span class="k">keys: ← → period · [ ] minute</span></header>
<div id="timeline"></div>
<main>
<section><h2>Period <span id="period-label"></span> <span class="k" id="period-status"></span></h2>
<div class="legend">${Object.entries(STATUS_COLOUR).filter(([k]) => k !== 'open').map(([k, c]) => `<span><i class="sw" style="background:${c}"></i>${k}</span>`).join('')}<span><i class="sw" style="border:2px solid #000"></i>marginal</span><span>supply: blue edge · demand: red edge</span></div>
<div id="merit"></div>
<div class="why" id="why"></div>${run.community ? '<div id="community"></div>' : ''}</section>
<section><h2>Feeder at <span id="minute-label"></span> <input id="minute" type="range" step="1"> <select id="map-colour"><option value="voltage">colour: voltage</option>${run.hasBranches ? '<option value="peak">colour: peak loading (branches.csv)</option><option value="mean">colour: mean loading (branches.csv)</option>' : ''}</select></h2><div id="map"></div></section>
<section><h2>Agent <select id="agent-select"><option value="">(pick one, or click a block or a bus)</option></select></h2><div id="agent"></div></section>
<section><h2>Events <select id="ev-type"><option value="">all types</option></select> <input id="ev-agent" placeholder="agent" size="10"> <label><input id="ev-period" type="checkbox" checked> this period</label> <span class="k" id="ev-count"></span></h2><div id="events"></div></section>
</main>`;
    const sel = $('agent-select') as HTMLSelectElement;
    for (const a of run.agents) sel.append(new Option(a.id, a.id));
    sel.addEventListener('change', () => selectAgent(sel.value));
    const et = $('ev-type') as HTMLSelectElement;
    for (const t of run.eventTypes) et.append(new Option(t, t));
    for (const id of ['ev-type', 'ev-period']) $(id).addEventListener('change', () => void renderEvents());
    $('ev-agent').addEventListener('input', () => void renderEvents());
    const mc = $('map-colour') as HTMLSelectElement;
    mc.value = state.colour;
    mc.addEventListener('change', () => {
      state.colour = mc.value;
      writeUrl();
      void renderMap().then(markReady);
    });
    $('minute').addEventListener('input', () => {
      state.minute = Number(($('minute') as HTMLInputElement).value);
      writeUrl();
      void renderMap().then(renderAgent).then(markReady);
    });
  }

  function renderTimeline(): void {
    const its = [...new Set(run.periods.map((p: Dict) => p.iteration))] as number[];
    $('timeline').innerHTML = its
      .map((it) => `<div class="it"><span class="k">it${it}</span> ${periodList(it).map((p: Dict, k: number) => {
        const price = p.prices.market ?? Object.values(p.prices)[0];
        return `<button data-it="${it}" data-k="${k}" class="${it === state.it && k === state.period ? 'sel' : ''}" title="${esc(`${p.label}: ${fmt(price as number)} EUR/kWh, ${p.priceSetBy}`)}">${esc(p.label)}</button>`;
      }).join('')}</div>`)
      .join('');
    for (const b of Array.from($('timeline').querySelectorAll('button'))) {
      b.addEventListener('click', () => selectPeriod(Number(b.dataset.it), Number(b.dataset.k)));
    }
  }

  function selectPeriod(it: number, k: number, minute?: number): void {
    state.it = it;
    periodsOf = periodList(it);
    state.period = Math.max(0, Math.min(periodsOf.length - 1, k));
    state.minute = minute ?? current()?.startMinute ?? 0;
    writeUrl();
    void renderAll();
  }

  function selectAgent(id: string): void {
    state.agent = id;
    ($('agent-select') as HTMLSelectElement).value = id;
    writeUrl();
    void renderAgent().then(markReady);
  }

  /** Marks the page settled on a state (tests and scripts wait for it). */
  function markReady(): void {
    document.body.dataset.ready = `${state.it}:${current()?.label ?? ''}:${state.minute}:${state.agent}`;
  }

  async function renderPeriod(): Promise<void> {
    const p = current();
    if (!p) {
      $('period-label').textContent = '(no periods)';
      return;
    }
    $('period-label').textContent = p.label;
    $('period-status').textContent = `it${p.iteration} · ${p.status} · welfare ${fmt(p.welfareEur)} EUR`;
    const { blocks } = await get(`api/book?it=${p.iteration}&period=${p.period}`);
    if (blocks.length === 0 && run.community) $('merit').innerHTML = '<p class="k">community market: no order book (see each community’s price and each agent’s curve below)</p>';
    else drawMerit(p, blocks);
    await renderCommunity(p);
    const price = p.prices.market ?? null;
    const why = p.why;
    const marginal = blocks.filter((b: Dict) => b.marginal);
    const communityPrices = Object.entries(p.prices).filter(([k]) => k !== 'market');
    $('why').innerHTML = `<h2>Why this price</h2>
<div>price <b id="price">${price === null ? (communityPrices.length ? communityPrices.map(([k, v]) => `${esc(k)} ${fmt(v as number)}`).join(', ') : 'none') : fmt(price)}</b> EUR/kWh · import ${fmt(p.importKw, 4)} kW · export ${fmt(p.exportKw, 4)} kW</div>
<div>set by: <code id="price-set-by">${esc(p.priceSetBy)}</code></div>
${why ? `<p id="why-text">${esc(why.text)}</p>
<ul id="binds">${why.binds.map((b: string) => `<li>${esc(b)}</li>`).join('')}</ul>
<div>grid as marginal: <span id="why-grid">${esc([why.lower.grid, why.upper.grid].filter(Boolean).join(', ') || 'no')}</span>${why.consistent ? '' : ' <b>(explanation inconsistent with the price!)</b>'}</div>
<table id="marginal"><thead><tr><th>marginal block</th><th>agent</th><th>side</th><th>kW</th><th>EUR/kWh</th><th>status</th></tr></thead><tbody>
${marginal.map((b: Dict) => `<tr data-id="${esc(b.id)}" data-agent="${esc(b.agent)}"><td>${esc(b.id)}</td><td><a href="#" data-agent="${esc(b.agent)}">${esc(b.agent)}</a></td><td>${b.side}</td><td>${fmt(b.kw, 4)}</td><td>${fmt(b.priceEurPerKwh)}</td><td>${b.status}</td></tr>`).join('')}</tbody></table>` : '<p id="why-text">this mechanism gives no per-block explanation</p>'}`;
    for (const a of Array.from($('why').querySelectorAll('a[data-agent]')) as HTMLElement[]) {
      a.addEventListener('click', (ev) => {
        ev.preventDefault();
        selectAgent(a.dataset.agent!);
      });
    }
  }

  /** The community market of the period: each community's price and trades, each agent's curve at the optimum. */
  async function renderCommunity(p: Dict): Promise<void> {
    if (!run.community) return;
    const c = await get(`api/community?it=${p.iteration}&period=${p.period}`);
    const ids: string[] = c.communities.map((r: Dict) => r.community);
    const num = (x: number, d = 4) => `<td>${fmt(x, d)}</td>`;
    $('community').innerHTML = `<h2>Community market</h2>
<table id="comm-table"><thead><tr><th>community</th><th>clearing</th><th>EUR/kWh</th><th>internal kW</th><th>grid import kW</th><th>grid export kW</th><th>from communities kW</th><th>to communities kW</th><th>members welfare EUR</th><th>manager margin EUR</th></tr></thead><tbody>
${c.communities.map((r: Dict) => `<tr data-community="${esc(r.community)}"><td>${esc(r.community)}</td><td>${esc(r.clearing)}</td><td class="price">${fmt(r.priceEurPerKwh, 6)}</td>${num(r.internalVolumeKw)}${num(r.gridImportKw)}${num(r.gridExportKw)}${num(r.interImportKw)}${num(r.interExportKw)}${num(r.membersWelfareEur)}${num(r.managerMarginEur)}</tr>`).join('')}</tbody></table>
${ids.length > 1 ? `<div class="k">inter-community trades: net kW each row's community bought from the column's (negative: sold to it)</div><table id="comm-trades"><thead><tr><th></th>${ids.map((j) => `<th>${esc(j)}</th>`).join('')}</tr></thead><tbody>
${c.communities.map((r: Dict) => `<tr data-community="${esc(r.community)}"><td>${esc(r.community)}</td>${ids.map((j) => `<td data-from="${esc(j)}">${j === r.community ? '' : fmt(r.netFromKw[j] ?? 0, 4)}</td>`).join('')}</tr>`).join('')}</tbody></table>` : ''}
<h2>Agents at the optimum <span class="k">(${c.agents.length}; consumer: marginal utility b − a·P, producer: marginal cost b + a·G)</span></h2>
<div style="max-height:220px;overflow-y:auto"><table id="curves-table"><thead><tr><th>agent</th><th>bid agent</th><th>kind</th><th>community</th><th>a</th><th>b</th><th>kW range</th><th>optimum kW</th><th>marginal EUR/kWh</th><th>price</th></tr></thead><tbody>
${c.agents.map((g: Dict) => `<tr data-id="${esc(g.id)}" data-owner="${esc(g.owner)}"><td><a href="#" data-agent="${esc(g.owner)}">${esc(g.owner)}</a></td><td>${esc(g.id)}</td><td>${esc(g.kind)}</td><td>${esc(g.community)}</td><td>${fmt(g.aEurPerKwhPerKw)}</td><td>${fmt(g.bEurPerKwh)}</td><td>${g.pMinKw === null ? '–' : `${fmt(g.pMinKw, 3)}–${fmt(g.pMaxKw, 3)}`}</td><td>${fmt(g.optimumKw, 4)}${g.optimumFrom === 'price' ? '*' : ''}</td><td>${fmt(g.marginalAtOptimum, 6)}</td><td>${fmt(g.priceEurPerKwh, 6)}</td></tr>`).join('')}</tbody></table></div>
<div class="k">* optimum from the price (the agent bid several agents of its kind); otherwise from its dispatch</div>`;
    for (const a of Array.from($('community').querySelectorAll('a[data-agent]')) as HTMLElement[]) {
      a.addEventListener('click', (ev) => {
        ev.preventDefault();
        selectAgent(a.dataset.agent!);
      });
    }
  }

  /** One agent's quadratic curves in the period: marginal utility or cost over its range, its community's price, the optimum. */
  function drawCurves(list: Dict[]): SVGElement | null {
    const qs = list.filter((g) => (g.kind === 'consumer' || g.kind === 'producer') && g.pMinKw !== null && g.bEurPerKwh !== null);
    if (qs.length === 0) return null;
    const W = 380, H = 170, L = 46, B = 22, T = 8, R = 8;
    const marginal = (g: Dict, kw: number) => (g.kind === 'consumer' ? g.bEurPerKwh - g.aEurPerKwhPerKw * kw : g.bEurPerKwh + g.aEurPerKwhPerKw * kw);
    const kMax = Math.max(...qs.map((g) => g.pMaxKw), 1e-3) * 1.05;
    const ps = qs.flatMap((g) => [marginal(g, g.pMinKw), marginal(g, g.pMaxKw), g.priceEurPerKwh ?? g.bEurPerKwh]);
    const p0 = Math.min(0, ...ps), p1 = Math.max(...ps) * 1.1 || 1;
    const x = (kw: number) => L + ((W - L - R) * kw) / kMax;
    const y = (pr: number) => T + ((H - T - B) * (p1 - pr)) / (p1 - p0 || 1);
    const svg = el('svg', { width: W, height: H, id: 'agent-curve-svg' });
    svg.append(el('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#444' }), el('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#444' }));
    svg.append(el('text', { x: L - 3, y: y(p1) + 8, 'text-anchor': 'end', 'font-size': 9 }, fmt(p1, 3)), el('text', { x: L - 3, y: y(p0), 'text-anchor': 'end', 'font-size': 9 }, fmt(p0, 3)));
    svg.append(el('text', { x: W - R, y: H - 6, 'text-anchor': 'end', 'font-size': 9 }, `kW (0–${fmt(kMax, 2)}) · EUR/kWh`));
    qs.forEach((g, k) => {
      const colour = g.kind === 'consumer' ? '#a8321f' : '#1f5fa8';
      const pts = [0, 0.25, 0.5, 0.75, 1].map((f) => g.pMinKw + f * (g.pMaxKw - g.pMinKw)).map((kw) => `${x(kw).toFixed(1)},${y(marginal(g, kw)).toFixed(1)}`).join(' ');
      const line = el('polyline', { points: pts, fill: 'none', stroke: colour, 'stroke-width': 2, class: 'curve', 'data-id': g.id, 'data-kind': g.kind });
      line.append(el('title', {}, `${g.id}: ${g.kind === 'consumer' ? `marginal utility ${fmt(g.bEurPerKwh)} − ${fmt(g.aEurPerKwhPerKw)}·P` : `marginal cost ${fmt(g.bEurPerKwh)} + ${fmt(g.aEurPerKwhPerKw)}·G`} on ${fmt(g.pMinKw, 3)}–${fmt(g.pMaxKw, 3)} kW`));
      svg.append(line);
      if (g.priceEurPerKwh !== null && k === 0) svg.append(el('line', { x1: L, y1: y(g.priceEurPerKwh), x2: W - R, y2: y(g.priceEurPerKwh), stroke: '#000', 'stroke-dasharray': '3 3', class: 'price' }), el('text', { x: W - R, y: y(g.priceEurPerKwh) - 3, 'text-anchor': 'end', 'font-size': 9 }, `${g.community} price ${fmt(g.priceEurPerKwh)}`));
      if (g.optimumKw !== null) {
        const c = el('circle', { cx: x(g.optimumKw), cy: y(g.marginalAtOptimum), r: 4, fill: '#fff', stroke: colour, 'stroke-width': 2, class: 'optimum', 'data-id': g.id, 'data-kw': g.optimumKw, 'data-marginal': g.marginalAtOptimum });
        c.append(el('title', {}, `${g.id} at the optimum: ${fmt(g.optimumKw, 4)} kW, marginal ${fmt(g.marginalAtOptimum)} EUR/kWh`));
        svg.append(c);
      }
    });
    return svg;
  }

  /**
   * A community manager's offer (issue 16): its community's net import by internal price — at each
   * price the range [low, high], linear between prices, constant beyond the ends — with the cleared
   * point (communities.csv: the community's price and net import) and the offer's terms.
   */
  function drawOffer(o: Dict): HTMLElement {
    const div = document.createElement('div');
    div.id = 'agent-offer';
    const terms = [`export margin ${fmt(o.exportMarginEurPerKwh)} EUR/kWh`, o.maxGridImportKw === null ? 'no import cap' : `import cap ${fmt(o.maxGridImportKw, 3)} kW`, o.refuses.length > 0 ? `refuses ${o.refuses.map(esc).join(', ')}` : '', o.storage > 0 ? `${o.storage} storage banks` : ''].filter((t) => t !== '');
    div.innerHTML = `<h2>Manager's offer <span class="k">(${esc(o.community)}: net import by internal price; ${terms.join(' · ')})</span></h2>`;
    const ps: number[] = o.pricesEurPerKwh;
    const n = ps.length;
    if (n === 0) {
      div.append('an empty curve (no member bid)');
      return div;
    }
    const W = 380, H = 170, L = 46, B = 22, T = 8, R = 8;
    const pad = Math.max((ps[n - 1] - ps[0]) * 0.1, 0.005);
    const p0 = ps[0] - pad, p1 = ps[n - 1] + pad;
    const kws: number[] = [...o.lowKw, ...o.highKw, ...(o.clearedNetImportKw === null ? [] : [o.clearedNetImportKw]), 0];
    const k0 = Math.min(...kws), k1 = Math.max(...kws);
    const span = k1 - k0 || 1;
    const x = (kw: number) => L + ((W - L - R) * (kw - k0 + 0.05 * span)) / (1.1 * span);
    const y = (pr: number) => T + ((H - T - B) * (p1 - pr)) / (p1 - p0);
    const svg = el('svg', { width: W, height: H, id: 'agent-offer-svg' });
    svg.append(el('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#444' }), el('line', { x1: x(0), y1: T, x2: x(0), y2: H - B, stroke: '#bbb', 'stroke-dasharray': '2 2' }));
    const pts: string[] = [`${x(o.highKw[0]).toFixed(1)},${y(p0).toFixed(1)}`];
    for (let k = 0; k < n; k++) pts.push(`${x(o.highKw[k]).toFixed(1)},${y(ps[k]).toFixed(1)}`, `${x(o.lowKw[k]).toFixed(1)},${y(ps[k]).toFixed(1)}`);
    pts.push(`${x(o.lowKw[n - 1]).toFixed(1)},${y(p1).toFixed(1)}`);
    const line = el('polyline', { points: pts.join(' '), fill: 'none', stroke: '#6a3d9a', 'stroke-width': 2, class: 'offer-curve', 'data-points': n });
    line.append(el('title', {}, `${o.community}'s net import: ${fmt(o.highKw[0], 3)} kW below ${fmt(ps[0])}, ${fmt(o.lowKw[n - 1], 3)} kW above ${fmt(ps[n - 1])} EUR/kWh`));
    svg.append(line);
    if (o.clearedPriceEurPerKwh !== null && o.clearedNetImportKw !== null) {
      const c = el('circle', { cx: x(o.clearedNetImportKw), cy: y(Math.min(p1, Math.max(p0, o.clearedPriceEurPerKwh))), r: 4, fill: '#fff', stroke: '#000', 'stroke-width': 2, class: 'offer-cleared', 'data-kw': o.clearedNetImportKw, 'data-price': o.clearedPriceEurPerKwh });
      c.append(el('title', {}, `cleared: ${fmt(o.clearedNetImportKw, 3)} kW at ${fmt(o.clearedPriceEurPerKwh)} EUR/kWh`));
      svg.append(c);
    }
    svg.append(el('text', { x: L - 3, y: y(ps[n - 1]) + 3, 'text-anchor': 'end', 'font-size': 9 }, fmt(ps[n - 1], 3)), el('text', { x: L - 3, y: y(ps[0]) + 3, 'text-anchor': 'end', 'font-size': 9 }, fmt(ps[0], 3)));
    svg.append(el('text', { x: W - R, y: H - 6, 'text-anchor': 'end', 'font-size': 9 }, `net import kW (${fmt(k0, 2)} – ${fmt(k1, 2)}) · EUR/kWh`));
    div.append(svg);
    return div;
  }

  function drawMerit(p: Dict, blocks: Dict[]): void {
    const W = 560, H = 300, L = 50, R = 10, T = 10, B = 30;
    const supply = blocks.filter((b) => b.side === 'supply').sort((a, b) => a.priceEurPerKwh - b.priceEurPerKwh || (a.id < b.id ? -1 : 1));
    const demand = blocks.filter((b) => b.side === 'demand').sort((a, b) => b.priceEurPerKwh - a.priceEurPerKwh || (a.id < b.id ? -1 : 1));
    const sum = (xs: Dict[]) => xs.reduce((s, b) => s + b.kw, 0);
    const g = run.grid;
    const maxKw = Math.max(sum(supply), sum(demand), 1e-3) * 1.05;
    const prices = [...blocks.map((b) => b.priceEurPerKwh), g.importPriceEurPerKwh, g.exportPriceEurPerKwh];
    const pMax = Math.max(...prices) * 1.08;
    const pMin = Math.min(0, ...prices);
    const x = (kw: number) => L + ((W - L - R) * kw) / maxKw;
    const y = (pr: number) => T + ((H - T - B) * (pMax - pr)) / (pMax - pMin || 1);
    const svg = el('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, id: 'merit-svg', role: 'img' });
    svg.append(el('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#444' }), el('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#444' }));
    for (let k = 0; k <= 4; k++) {
      const pr = pMin + ((pMax - pMin) * k) / 4;
      svg.append(el('text', { x: L - 4, y: y(pr) + 4, 'text-anchor': 'end', 'font-size': 10 }, fmt(pr, 3)));
      const kw = (maxKw * k) / 4;
      svg.append(el('text', { x: x(kw), y: H - B + 14, 'text-anchor': 'middle', 'font-size': 10 }, fmt(kw, 1)));
    }
    svg.append(el('text', { x: W - R, y: H - 4, 'text-anchor': 'end', 'font-size': 10 }, 'cumulative kW'), el('text', { x: 4, y: T + 8, 'font-size': 10 }, 'EUR/kWh'));
    const drawSide = (list: Dict[], stroke: string) => {
      let cum = 0;
      for (const b of list) {
        const r = el('rect', { x: x(cum), y: y(b.priceEurPerKwh) - 3, width: Math.max(1, x(cum + b.kw) - x(cum)), height: 6, fill: STATUS_COLOUR[b.status] ?? '#999', stroke: b.marginal ? '#000' : stroke, 'stroke-width': b.marginal ? 2 : 0.7, 'data-id': b.id, 'data-status': b.status, 'data-marginal': b.marginal ? '1' : '0', class: 'block', style: 'cursor:pointer' });
        r.append(el('title', {}, `${b.id} (${b.agent}) ${b.side} ${fmt(b.kw, 4)} kW @ ${fmt(b.priceEurPerKwh)} EUR/kWh: ${b.status}${b.marginal ? ', marginal' : ''}`));
        r.addEventListener('click', () => selectAgent(b.agent));
        svg.append(r);
        cum += b.kw;
      }
    };
    drawSide(supply, '#1f5fa8');
    drawSide(demand, '#a8321f');
    // the grid's orders: import is a supply order at the import price for up to max_import_kw, export a demand order at the export price
    const gridCurve = (kind: 'import' | 'export', price: number, limit: number | null, colour: string) => {
      const end = limit === null ? maxKw : Math.min(limit, maxKw);
      const label = `grid ${kind} @ ${fmt(price)} (${limit === null ? 'unlimited' : `max ${fmt(limit, 3)} kW`})`;
      if (end > 0) svg.append(el('line', { x1: x(0), y1: y(price), x2: x(end), y2: y(price), stroke: colour, 'stroke-dasharray': '6 3', 'stroke-width': 1.5, class: `grid-${kind}` }));
      else svg.append(el('circle', { cx: x(0), cy: y(price), r: 3, fill: 'none', stroke: colour, class: `grid-${kind}` }));
      svg.append(el('text', { x: x(0) + 4, y: y(price) - 4, 'font-size': 10, fill: colour }, label));
    };
    gridCurve('import', g.importPriceEurPerKwh, g.maxImportKw, '#1f5fa8');
    gridCurve('export', g.exportPriceEurPerKwh, g.maxExportKw, '#a8321f');
    const price = p.prices.market;
    if (price !== undefined) {
      const q = sum(supply.filter((b) => b.status === 'accepted' || b.status === 'paradoxically-accepted')) + p.importKw;
      svg.append(el('line', { x1: L, y1: y(price), x2: W - R, y2: y(price), stroke: '#000', 'stroke-dasharray': '2 2' }));
      const c = el('circle', { cx: x(q), cy: y(price), r: 5, fill: '#fff', stroke: '#000', 'stroke-width': 2, id: 'clearing-point' });
      c.append(el('title', {}, `clearing: ${fmt(q, 4)} kW at ${fmt(price)} EUR/kWh`));
      svg.append(c, el('text', { x: x(q) + 7, y: y(price) + 12, 'font-size': 10 }, `${fmt(price)} EUR/kWh`));
    }
    $('merit').replaceChildren(svg);
  }

  let mapScale = 1;
  const branchCache = new Map<number, Dict>();
  /** loading in % of NormAmps → colour: green at 0, yellow at 50, red at 100, purple above */
  const loadingColour = (pct: number) => {
    if (pct > 100) return '#7a1fa2';
    const f = Math.max(0, pct) / 100;
    const r = Math.round(f < 0.5 ? 510 * f : 255);
    const g = Math.round(f < 0.5 ? 190 : 190 * (2 - 2 * f));
    return `rgb(${r},${g},40)`;
  };
  async function renderMap(): Promise<void> {
    const mins: number[] = run.minutes[state.it] ?? [];
    const input = $('minute') as HTMLInputElement;
    if (mins.length > 0) {
      input.min = String(mins[0]);
      input.max = String(mins[mins.length - 1]);
      input.value = String(state.minute);
    }
    $('minute-label').textContent = clock(state.minute);
    const m = run.map;
    if (m.buses.length === 0) {
      $('map').innerHTML = `<p class="k">${esc(m.note ?? 'no map')}</p>`;
      return;
    }
    const v = await get(`api/voltages?it=${state.it}&minute=${state.minute}`);
    const xs = m.buses.map((b: Dict) => b.x);
    const ys = m.buses.map((b: Dict) => b.y);
    const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
    const W = 420, H = 320, pad = 10;
    const s = Math.min((W - 2 * pad) / (x1 - x0 || 1), (H - 2 * pad) / (y1 - y0 || 1));
    const px = (b: Dict) => pad + (b.x - x0) * s;
    const py = (b: Dict) => H - pad - (b.y - y0) * s;
    const cx = W / 2, cy = H / 2;
    const vw = W / mapScale, vh = H / mapScale;
    const svg = el('svg', { width: W, height: H, viewBox: `${cx - vw / 2} ${cy - vh / 2} ${vw} ${vh}`, id: 'map-svg' });
    const loading = state.colour !== 'voltage';
    let branchData: Dict | undefined;
    if (loading) {
      branchData = branchCache.get(state.it) ?? (await get(`api/branches?it=${state.it}`));
      branchCache.set(state.it, branchData!);
    }
    const byBranch = new Map<string, Dict>((branchData?.branches ?? []).map((r: Dict) => [r.branch.toLowerCase(), r]));
    const overloaded = new Set<string>(branchData?.overloaded ?? []);
    m.lines.forEach(([a, b]: [number, number], k: number) => {
      const name = String(m.lineNames[k] ?? '');
      const r = loading ? byBranch.get(name.toLowerCase()) : undefined;
      const pct = r ? (state.colour === 'peak' ? r.peakLoadingPct : r.meanLoadingPct) : null;
      const over = loading && overloaded.has(name.toLowerCase());
      const attrs: Dict = { x1: px(m.buses[a]), y1: py(m.buses[a]), x2: px(m.buses[b]), y2: py(m.buses[b]), stroke: pct === null ? '#bbb' : loadingColour(pct), 'stroke-width': (pct === null ? 1 : 2.5) / mapScale, class: 'branch', 'data-branch': name };
      if (pct !== null) attrs['data-loading'] = pct;
      if (over) Object.assign(attrs, { 'data-overloaded': '1', 'stroke-dasharray': `${4 / mapScale} ${2 / mapScale}`, 'stroke-width': 4 / mapScale });
      const line = el('line', attrs);
      if (r) line.append(el('title', {}, `${name}: peak ${fmt(r.peakLoadingPct, 2)} % at ${r.peakMinute === null ? '–' : clock(r.peakMinute)}, mean ${fmt(r.meanLoadingPct, 2)} % of ${fmt(r.normAmps, 1)} A; ${r.overloadedH ? `, above 100 % for ${fmt(r.overloadedH, 2)} h` : ''}; losses ${fmt(r.lossesKwh, 3)} kWh (peak ${fmt(r.peakLossesKw, 3)} kW)${over ? ' · overcurrent violation' : ''}`));
      svg.append(line);
    });
    const nom = run.nominalVPu;
    // the colour span is the run's widest deviation from nominal (at least 0.005 pu), so small differences show
    const span = Math.max(run.spanPu[state.it] ?? 0, 0.005);
    const colour = (vp: number) => {
      const d = Math.max(-1, Math.min(1, (vp - nom) / span));
      // below nominal towards blue, above towards red
      const r = d > 0 ? 255 : Math.round(255 * (1 + d));
      const bl = d < 0 ? 255 : Math.round(255 * (1 - d));
      const gr = Math.round(255 * (1 - Math.abs(d)));
      return `rgb(${r},${gr},${bl})`;
    };
    const violated = new Set(v.violations.filter((x: Dict) => !loading || x.kind !== 'overcurrent').map((x: Dict) => x.bus));
    const batt = new Set(run.batteries.filter((b: Dict) => b.iteration === state.it).map((b: Dict) => b.bus.toLowerCase()));
    const agentAt = new Map(run.agents.filter((a: Dict) => a.bus).map((a: Dict) => [a.bus, a.id]));
    for (const b of m.buses) {
      const vb = v.buses[b.name];
      const isBatt = batt.has(b.name.toLowerCase());
      if ((!vb || loading) && !isBatt && !violated.has(b.name)) continue;
      const worst = vb ? (Math.abs(vb.min - nom) > Math.abs(vb.max - nom) ? vb.min : vb.max) : nom;
      const c = el('circle', { cx: px(b), cy: py(b), r: (loading ? 3 : 5) / mapScale, fill: vb && !loading ? colour(worst) : '#fff', stroke: violated.has(b.name) ? '#d00' : '#333', 'stroke-width': (violated.has(b.name) ? 2.5 : 0.8) / mapScale, 'data-bus': b.name, class: 'bus' });
      c.append(el('title', {}, `bus ${b.name}${vb ? `: ${fmt(vb.min, 4)}–${fmt(vb.max, 4)} pu` : ''}${violated.has(b.name) ? ' (violation)' : ''}${isBatt ? ' (battery)' : ''}${agentAt.has(b.name) ? ` · ${agentAt.get(b.name)}` : ''}`));
      if (agentAt.has(b.name)) c.addEventListener('click', () => selectAgent(agentAt.get(b.name)! as string));
      svg.append(c);
      if (isBatt) svg.append(el('rect', { x: px(b) - 4 / mapScale, y: py(b) - 4 / mapScale, width: 8 / mapScale, height: 8 / mapScale, fill: 'none', stroke: '#000', 'stroke-width': 1.5 / mapScale, class: 'battery' }));
    }
    svg.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      mapScale = Math.max(1, Math.min(20, mapScale * ((ev as WheelEvent).deltaY < 0 ? 1.25 : 0.8)));
      void renderMap();
    });
    $('map').replaceChildren(svg);
    const note = document.createElement('div');
    note.className = 'k';
    note.id = 'map-note';
    const worstBranch = (branchData?.branches ?? []).reduce((w: Dict | null, r: Dict) => (r.peakLoadingPct !== null && (!w || r.peakLoadingPct > w.peakLoadingPct) ? r : w), null);
    note.textContent = loading
      ? `colour: ${state.colour} loading of iteration ${state.it} in % of NormAmps (branches.csv; green 0, yellow 50, red 100, purple above; dashed: overcurrent violation in this iteration, ${overloaded.size} branch(es)); most loaded: ${worstBranch ? `${worstBranch.branch} ${fmt(worstBranch.peakLoadingPct, 2)} %` : '–'} · red ring: voltage violation at ${clock(state.minute)}; square: battery · wheel: zoom`
      : `${v.violations.length} violation(s) at ${clock(state.minute)} · colour: voltage vs nominal ${nom} pu (blue low, red high, full colour at ±${fmt(span, 4)} pu; red ring: violation; square: battery) · wheel: zoom`;
    $('map').append(note);
  }

  async function renderAgent(): Promise<void> {
    if (!state.agent) {
      $('agent').innerHTML = '<p class="k">no agent selected</p>';
      return;
    }
    const a = await get(`api/agent?id=${encodeURIComponent(state.agent)}`);
    const p = current();
    const rows = a.market.filter((r: Dict) => r.iteration === state.it);
    const bids = p ? a.bids[`${p.iteration}:${p.period}`] ?? [] : [];
    const volt = a.voltage.filter((r: number[]) => r[0] === state.it);
    const curves: Dict[] = p ? a.curves[`${p.iteration}:${p.period}`] ?? [] : [];
    const strat = a.strategy.filter((r: Dict) => r[0] === state.it);
    $('agent').innerHTML = `<h2 id="agent-title">${esc(a.agent.id)}</h2><div class="k">community ${esc(a.agent.community)}${a.agent.bus ? ` · bus ${esc(a.agent.bus)}` : ''}</div>
<div id="agent-volt"></div>
${run.community ? `<div id="agent-curve"><div class="k">community-market bid in ${esc(p?.label ?? '')}: ${curves.length === 0 ? 'none' : curves.map((g: Dict) => `${esc(g.id)} (${esc(g.kind)}) ${g.optimumKw === null ? '' : `${fmt(g.optimumKw, 4)} kW at marginal ${fmt(g.marginalAtOptimum)}`}`).join(' · ')}</div></div>` : ''}
<div id="agent-strategy"><h2>Strategy state <span class="k">(strategy_states.csv: where it changed)</span></h2>${strat.length === 0 ? '<p class="k">no strategy state in this iteration (stateless strategies write none)</p>' : `<div style="max-height:160px;overflow-y:auto"><table id="strategy-table"><thead><tr><th>period</th><th>side</th><th>state</th></tr></thead><tbody>${strat.map((r: Dict) => `<tr style="${p && r[1] === p.label ? 'background:#fffbea' : ''}" data-period="${esc(r[1])}"><td>${esc(r[1])}</td><td>${esc(r[3])}</td><td style="text-align:left;font:11px monospace">${esc(r[4])}</td></tr>`).join('')}</tbody></table></div>`}</div>
<div>bids in ${esc(p?.label ?? '')}: ${bids.length === 0 ? 'none' : bids.map((b: Dict) => `<span title="${esc(b.status)}" style="border-bottom:3px solid ${STATUS_COLOUR[b.status]}">${esc(b.id)} ${fmt(b.kw, 3)} kW @${fmt(b.priceEurPerKwh, 4)}</span>`).join(' · ')}</div>
<table id="agent-market"><thead><tr><th>period</th><th>bid supply kW</th><th>bid demand kW</th><th>bought kW</th><th>sold kW</th><th>dispatch kW</th><th>EUR/kWh</th><th>welfare EUR</th></tr></thead><tbody>
${rows.map((r: Dict) => `<tr style="${p && r.period === p.label ? 'background:#fffbea' : ''}"><td>${esc(r.period)}</td><td>${fmt(r.bidSupplyKw, 3)}</td><td>${fmt(r.bidDemandKw, 3)}</td><td>${fmt(r.boughtKw, 3)}</td><td>${fmt(r.soldKw, 3)}</td><td>${fmt(r.dispatchKw, 3)}</td><td>${fmt(r.priceEurPerKwh)}</td><td>${fmt(r.welfareEur)}</td></tr>`).join('')}</tbody></table>
${Object.keys(a.tables).length === 0 ? '<p class="k">bill and state of charge: this run wrote no agents.csv or batteries.csv rows for this agent.</p>' : Object.entries(a.tables).map(([name, t]: [string, any]) => `<h2>${esc(name)}</h2><table class="extra" data-file="${esc(name)}"><thead><tr>${t.columns.map((c: string) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${t.rows.map((r: Dict) => `<tr>${t.columns.map((c: string) => `<td>${esc(r[c] ?? '')}</td>`).join('')}</tr>`).join('')}</tbody></table>`).join('')}`;
    const curveSvg = drawCurves(curves);
    if (curveSvg) $('agent-curve').append(curveSvg);
    const offer: Dict | undefined = p ? a.offers?.[`${p.iteration}:${p.period}`] : undefined;
    if (offer) $('agent').insertBefore(drawOffer(offer), $('agent-strategy'));
    if (volt.length > 0) {
      const W = 380, H = 120, L = 40, B = 18;
      const ms = volt.map((r: number[]) => r[1]);
      const vs = volt.map((r: number[]) => r[3]);
      const m0 = Math.min(...ms), m1 = Math.max(...ms);
      const v0 = Math.min(...vs, run.nominalVPu) - 0.005, v1 = Math.max(...vs, run.nominalVPu) + 0.005;
      const x = (m: number) => L + ((W - L - 5) * (m - m0)) / (m1 - m0 || 1);
      const y = (v: number) => 5 + ((H - B - 5) * (v1 - v)) / (v1 - v0);
      const svg = el('svg', { width: W, height: H, id: 'agent-volt-svg' });
      svg.append(el('line', { x1: L, y1: y(run.nominalVPu), x2: W - 5, y2: y(run.nominalVPu), stroke: '#999', 'stroke-dasharray': '3 3' }));
      const nodes = [...new Set(volt.map((r: number[]) => r[2]))] as number[];
      nodes.forEach((n, k) => {
        const pts = volt.filter((r: number[]) => r[2] === n).map((r: number[]) => `${x(r[1]).toFixed(1)},${y(r[3]).toFixed(1)}`).join(' ');
        svg.append(el('polyline', { points: pts, fill: 'none', stroke: ['#1f5fa8', '#a8321f', '#2a9d4a'][k % 3], 'stroke-width': 1.2, class: 'volt' }));
      });
      svg.append(el('line', { x1: x(state.minute), y1: 5, x2: x(state.minute), y2: H - B, stroke: '#000' }));
      svg.append(el('text', { x: L - 3, y: y(v1 - 0.005) + 4, 'text-anchor': 'end', 'font-size': 9 }, fmt(v1 - 0.005, 3)), el('text', { x: L - 3, y: y(v0 + 0.005), 'text-anchor': 'end', 'font-size': 9 }, fmt(v0 + 0.005, 3)));
      svg.append(el('text', { x: L, y: H - 4, 'font-size': 9 }, clock(m0)), el('text', { x: W - 5, y: H - 4, 'text-anchor': 'end', 'font-size': 9 }, `${clock(m1)} · local voltage, pu (dashed: nominal)`));
      $('agent-volt').replaceChildren(svg);
    }
  }

  async function renderEvents(): Promise<void> {
    const p = current();
    const q = new URLSearchParams();
    q.set('it', String(state.it));
    const type = ($('ev-type') as HTMLSelectElement).value;
    const agent = ($('ev-agent') as HTMLInputElement).value.trim();
    if (type) q.set('type', type);
    if (agent) q.set('agent', agent);
    if (($('ev-period') as HTMLInputElement).checked && p) q.set('period', String(p.period));
    q.set('limit', '400');
    const r = await get(`api/events?${q.toString()}`);
    $('ev-count').textContent = `${r.total} event(s)${r.total > r.events.length ? `, first ${r.events.length}` : ''}`;
    const box = $('events');
    box.replaceChildren();
    for (const e of r.events) {
      const d = document.createElement('div');
      d.textContent = `#${e.seq} ${clock(e.minute)} ${e.type} ${e.text}`;
      d.dataset.seq = String(e.seq);
      d.addEventListener('click', () => {
        const k = e.period === null ? state.period : periodsOf.findIndex((x) => x.period === e.period);
        if (e.agent) state.agent = e.agent;
        selectPeriod(state.it, k >= 0 ? k : state.period, e.minute);
      });
      box.append(d);
    }
  }

  async function renderAll(): Promise<void> {
    renderTimeline();
    await renderPeriod();
    await renderMap();
    if (state.agent) ($('agent-select') as HTMLSelectElement).value = state.agent;
    await renderAgent();
    await renderEvents();
    markReady();
  }

  document.addEventListener('keydown', (ev) => {
    const t = ev.target as HTMLElement;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA') || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') {
      ev.preventDefault();
      selectPeriod(state.it, state.period + (ev.key === 'ArrowRight' ? 1 : -1));
    } else if (ev.key === ']' || ev.key === '[') {
      const mins: number[] = run.minutes[state.it] ?? [];
      const k = mins.indexOf(state.minute);
      const next = mins[Math.max(0, Math.min(mins.length - 1, (k < 0 ? 0 : k) + (ev.key === ']' ? 1 : -1)))];
      if (next !== undefined) {
        state.minute = next;
        writeUrl();
        void renderMap().then(renderAgent).then(markReady);
      }
    }
  });

  void (async () => {
    try {
      run = await get('api/run');
      readUrl();
      layout();
      writeUrl();
      await renderAll();
    } catch (e) {
      $('app').textContent = `could not load the run: ${(e as Error).message}`;
    }
  })();
}
