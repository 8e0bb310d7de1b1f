/// <reference lib="dom" />
/**
 * The page script of `lemsim debug --web` (sent as this function's compiled source: self-contained).
 * Buttons and a command line post the terminal stepper's commands; the page shows their output, the
 * pending event, the breakpoints and the last clearing's "why this price" with its blocks marked.
 */
export function liveClient(): void {
  const $ = (id: string) => document.getElementById(id)!;
  const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
  const COLOUR: Record<string, string> = { accepted: '#2a9d4a', rejected: '#c8c8c8', 'paradoxically-rejected': '#e08a00', 'paradoxically-accepted': '#8a3ab9' };
  const history: string[] = [];
  let back = 0;

  function show(state: Record<string, any>): void {
    $('where').textContent = `event ${state.position}${state.current ? ` · at ${state.current}` : ' · at the start'}`;
    $('pending').textContent = state.pending ?? '(finished)';
    $('breaks').textContent = state.breakpoints.length ? state.breakpoints.join(' · ') : 'none';
    const c = state.clearing;
    if (!c) {
      $('clearing').innerHTML = 'no clearing yet';
      return;
    }
    const blocks: any[] = c.why?.blocks ?? [];
    $('clearing').innerHTML = `<b>period ${esc(c.label)}</b>: ${esc(c.status)}, price <b id="live-price">${esc((Object.values(c.prices) as number[]).map((v) => Number(v.toFixed(6))).join(', ') || 'none')}</b> EUR/kWh<br>set by <code id="live-set-by">${esc(c.priceSetBy)}</code>
<p>${esc(c.why?.text ?? '')}</p>
<table><tbody>${blocks.filter((b) => b.marginal || b.status !== 'rejected').slice(0, 200).map((b) => `<tr><td><i style="display:inline-block;width:9px;height:9px;background:${COLOUR[b.status]}"></i> ${esc(b.id)}</td><td>${esc(b.agent)}</td><td>${b.side}</td><td>${b.kw}</td><td>${b.priceEurPerKwh.toFixed(4)}</td><td>${esc(b.status)}${b.marginal ? ' <b>marginal</b>' : ''}</td></tr>`).join('')}</tbody></table>`;
  }

  async function run(line: string): Promise<void> {
    history.push(line);
    back = 0;
    const r = await fetch('api/cmd', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ line }) });
    const body = (await r.json()) as Record<string, any>;
    const out = $('out');
    out.textContent += `(lemsim) ${line}\n${body.output ?? body.error ?? ''}`;
    out.scrollTop = out.scrollHeight;
    if (body.state) show(body.state);
    if (body.quit) out.textContent += '(the session has ended)\n';
    document.body.dataset.seq = String(history.length);
  }

  for (const cmd of ['next', 'step period', 'continue', 'back', 'pending', 'why', 'book', 'breaks']) {
    const b = document.createElement('button');
    b.textContent = cmd;
    b.addEventListener('click', () => void run(cmd));
    $('buttons').append(b);
  }
  $('form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = $('cmd') as HTMLInputElement;
    const line = input.value;
    input.value = '';
    void run(line);
  });
  $('cmd').addEventListener('keydown', (ev) => {
    const input = $('cmd') as HTMLInputElement;
    if ((ev as KeyboardEvent).key === 'ArrowUp' && history.length > 0) {
      back = Math.min(history.length, back + 1);
      input.value = history[history.length - back];
    } else if ((ev as KeyboardEvent).key === 'ArrowDown') {
      back = Math.max(0, back - 1);
      input.value = back === 0 ? '' : history[history.length - back];
    }
  });
  void fetch('api/state').then((r) => r.json()).then((s) => {
    show(s as Record<string, any>);
    document.body.dataset.seq = '0';
  });
}
