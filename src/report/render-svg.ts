/**
 * Vega-Lite spec → static SVG string, rendered in Node with no DOM and no browser (Vega's headless
 * `renderer: 'none'` view and its string SVG renderer), so report.html carries finished pictures and
 * needs no JavaScript. Two things make several SVGs safe to inline in one deterministic page: Vega's
 * clip-path and gradient id counters are process-global, so they are reset before each render (same
 * data → same ids), and every id is then prefixed with the plot's id so that two inline SVGs in one
 * document never share an id (a shared `clip1` would clip one plot with the other's rectangle).
 */
import { parse, resetSVGDefIds, View, type LoggerInterface } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** What Vega and Vega-Lite said while rendering one plot (warnings do not stop the render). */
export interface RenderedSvg {
  /** ready to inline in a page (ids prefixed, no namespace declarations) */
  readonly svg: string;
  /** the same picture as a standalone SVG file (with its namespaces, ids as Vega wrote them) */
  readonly standalone: string;
  readonly warnings: readonly string[];
}

/** A Vega/Vega-Lite logger that collects warnings instead of printing them to the run's console. */
function collectingLogger(warnings: string[]): LoggerInterface {
  let level = 2; // vega-util's Warn: keep warnings and errors, drop info and debug chatter
  const text = (args: readonly unknown[]): string => args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
  const logger = {
    level(next?: number) {
      if (next === undefined) return level;
      level = next;
      return logger;
    },
    error(...args: readonly unknown[]) {
      warnings.push(`error: ${text(args)}`);
      return logger;
    },
    warn(...args: readonly unknown[]) {
      warnings.push(text(args));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger as unknown as LoggerInterface;
}

/**
 * Makes Vega's SVG fit for inlining in an HTML page beside other SVGs: drops the `xmlns`
 * declarations (the HTML parser puts `<svg>` in the SVG namespace by itself, and the page then holds
 * no `http` reference at all) and prefixes every element id and `url(#…)` reference with `idPrefix`.
 * Only tags are rewritten: text content (node names, labels) may legitimately contain `id="`.
 */
export function inlineSvg(svg: string, idPrefix: string): string {
  return svg.replace(/<[^>]*>/g, (tag) =>
    tag
      .replace(/\sxmlns(:xlink)?="[^"]*"/g, '')
      .replace(/(\sid=")/g, `$1${idPrefix}-`)
      .replace(/(\s(?:clip-path|fill|stroke|mask|filter|marker-start|marker-mid|marker-end)="url\(#)/g, `$1${idPrefix}-`),
  );
}

/** Geometry attributes whose numbers are rounded (a hundredth of a pixel is below what any screen or printer shows). */
const GEOMETRY_ATTR = /\s(d|transform|x|y|x1|x2|y1|y2|width|height)="([^"]*)"/g;
const round2 = (text: string): string => text.replace(/-?\d+\.\d{3,}(?:e-?\d+)?/g, (n) => String(Number(Number(n).toFixed(2))));

/** A Vega circle symbol of radius r at the origin, as its SVG renderer writes it. */
const CIRCLE = /^M(\d+(?:\.\d+)?),0A\1,\1,0,1,1,-\1,0A\1,\1,0,1,1,\1,0$/;

/** Splits `<tag a="1" b="2"/>` into its tag name and attributes (in order). */
function attributes(el: string): { tag: string; attrs: [string, string][] } {
  const tag = /^<(\w+)/.exec(el)![1];
  const attrs: [string, string][] = [];
  for (const m of el.matchAll(/\s([\w:-]+)="([^"]*)"/g)) attrs.push([m[1], m[2]]);
  return { tag, attrs };
}

const element = (tag: string, attrs: readonly (readonly [string, string])[]): string => `<${tag}${attrs.map(([k, v]) => ` ${k}="${v}"`).join('')}/>`;

/**
 * One mark group's children rewritten as few paths: each child becomes a subpath (a line from its
 * translate, a circle symbol from its translate, a rectangle path as it is) and children with the
 * same remaining attributes are joined into one `<path>`. Only consecutive children are joined,
 * except in rect marks (`reorder`), whose cells the report never overlaps, where every child with
 * the same attributes joins one path. Dashed strokes are left alone (a dash pattern restarts at each
 * subpath, so joining could move the dashes).
 */
function joinMarks(children: string, reorder: boolean): string {
  const items = [...children.matchAll(/<(?:path|line) [^>]*\/>/g)].map((m) => m[0]);
  type Part = { key: string; tag: string; attrs: [string, string][]; d: string };
  const parts: (Part | string)[] = items.map((el) => {
    const { tag, attrs } = attributes(el);
    const get = (k: string) => attrs.find(([a]) => a === k)?.[1];
    if (get('stroke-dasharray') !== undefined || get('class') !== undefined || get('aria-label') !== undefined) return el;
    const rest = attrs.filter(([k]) => !['d', 'transform', 'x2', 'y2'].includes(k));
    const t = get('transform');
    const at = t === undefined ? [0, 0] : /^translate\((-?[\d.e-]+),(-?[\d.e-]+)\)$/.exec(t)?.slice(1).map(Number);
    if (!at) return el;
    let d: string | undefined;
    if (tag === 'line') {
      if (get('x1') !== undefined || get('y1') !== undefined) return el;
      d = `M${round2(String(at[0]))},${round2(String(at[1]))}l${get('x2') ?? 0},${get('y2') ?? 0}`;
      rest.push(['fill', 'none']);
    } else {
      const path = get('d') ?? '';
      const c = CIRCLE.exec(path);
      if (t === undefined) d = path;
      else if (c) {
        const r = Number(c[1]);
        d = `M${round2(String(at[0] + r))},${round2(String(at[1]))}a${r},${r},0,1,1,${-2 * r},0a${r},${r},0,1,1,${2 * r},0`;
      } else return el;
    }
    return { key: `${tag === 'line' ? 'L' : 'P'}${JSON.stringify(rest)}`, tag, attrs: rest, d };
  });
  const out: string[] = [];
  if (reorder) {
    const groups = new Map<string, { attrs: [string, string][]; d: string[] }>();
    for (const p of parts) {
      if (typeof p === 'string') {
        out.push(p);
        continue;
      }
      const g = groups.get(p.key) ?? { attrs: p.attrs, d: [] };
      g.d.push(p.d);
      groups.set(p.key, g);
    }
    for (const g of groups.values()) out.push(element('path', [['d', g.d.join('')], ...g.attrs]));
    return out.join('');
  }
  let run: { key: string; attrs: [string, string][]; d: string[] } | undefined;
  const flush = () => {
    if (run) out.push(element('path', [['d', run.d.join('')], ...run.attrs]));
    run = undefined;
  };
  for (const p of parts) {
    if (typeof p === 'string') {
      flush();
      out.push(p);
    } else if (run && run.key === p.key) run.d.push(p.d);
    else {
      flush();
      run = { key: p.key, attrs: p.attrs, d: [p.d] };
    }
  }
  flush();
  return out.join('');
}

/**
 * Thins Vega's SVG without changing the picture (issue 14: reports within 1.5 MB, still vector):
 * geometry rounded to 0.01 px, Vega's empty hover paths dropped, and the children of each mark group
 * joined into as few paths as attributes allow (see `joinMarks`): a heatmap of thousands of cells
 * becomes one path per colour, a feeder map one path for its lines and one for its dots.
 */
export function thinSvg(svg: string): string {
  let out = svg.replace(/<[^>]*>/g, (tag) => tag.replace(GEOMETRY_ATTR, (_m, k: string, v: string) => ` ${k}="${round2(v)}"`));
  out = out.replace(/<path class="foreground" aria-hidden="true" d="" pointer-events="none" display="none"\/>/g, '');
  out = out.replace(/(<g class="mark-(\w+) role-mark[^"]*"[^>]*>)((?:<(?:path|line) [^>]*\/>)+)(<\/g>)/g, (_m, open: string, kind: string, children: string, close: string) => open + joinMarks(children, kind === 'rect') + close);
  return out;
}

/**
 * Compiles a Vega-Lite spec and renders it to an SVG string ready to inline (see `inlineSvg`).
 * Deterministic: the same spec gives the same string. Text widths are Vega's canvas-free estimate.
 * @param idPrefix unique within the page; prefixes the SVG's internal ids
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<RenderedSvg> {
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  const vegaSpec = compile(spec, { logger }).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none', logger });
  try {
    resetSVGDefIds();
    const svg = thinSvg(await view.toSVG());
    return { svg: inlineSvg(svg, idPrefix), standalone: svg, warnings };
  } finally {
    view.finalize();
  }
}
