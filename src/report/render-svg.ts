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
  readonly svg: string;
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
    const svg = await view.toSVG();
    return { svg: inlineSvg(svg, idPrefix), warnings };
  } finally {
    view.finalize();
  }
}
