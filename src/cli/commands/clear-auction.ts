/**
 * `lemsim clear-auction orders.json [--pricing midpoint|uniform] [--solver highs|lp-solver] --out result.json`:
 * clears the block auction of seed 004 for every period of an order file and writes one JSON result
 * atomically. This file owns the process boundary — reading, JSON-shape validation (unknown fields,
 * types) and writing; `markets/auction` validates meaning (duplicate ids, quantities, prices) and clears.
 *
 * orders.json: {"period_hours", "grid": {"import_price", "export_price", "max_import_kw"?, "max_export_kw"?},
 *               "periods": [{"id", "supply": [{"id", "agent", "kw", "price"}], "demand": [...]}]}
 * result.json: {"periods": [{"id", "status", "welfare_eur", "price_eur_per_kwh", "import_kw", "export_kw",
 *               "accepted_supply", "accepted_demand", "paradoxically_rejected", "welfare_bound_eur", "optimality_gap",
 *               "detail"?}], "welfare_eur", "max_optimality_gap"}
 * optimality_gap: (proven welfare bound − best selection found) / |bound|; 0 when the optimum is proven.
 * Non-zero only for large books of uneven blocks, where the MILP fallback is bounded (see clearing.ts).
 *
 * Numbers are rounded (kW to 1e-9, EUR and EUR/kWh to 1e-12) so float round-off never shows as
 * 0.30000000000000004; the same input gives a byte-identical file.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { type AuctionBook, type BlockOrder, clear, pricingRules, type PricingRule, validateBook } from '../../../markets/auction/index.js';
import { loadMilpSolver, milpSolverNames, type MilpSolverName } from '../../../markets/solvers/milp.js';
import { ScenarioError, UsageError } from '../../errors.js';
import { OutputTextFile } from '../../io/atomic.js';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';

/** kW and EUR/kWh beyond ±1e9 mean nothing in a market and overflow the result's rounding (1e296 → null) */
const amount = z.number().min(-1e9).max(1e9);
const orderSchema = z.strictObject({ id: z.string(), agent: z.string(), kw: amount, price: amount });
const periodSchema = z.strictObject({ id: z.string(), supply: z.array(orderSchema), demand: z.array(orderSchema) });
const fileSchema = z.strictObject({
  period_hours: amount,
  grid: z.strictObject({
    import_price: amount,
    export_price: amount,
    max_import_kw: amount.nullable().optional(),
    max_export_kw: amount.nullable().optional(),
  }),
  periods: z.array(periodSchema),
});
type OrdersFile = z.infer<typeof fileSchema>;

function pathText(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');
}

/** "period '08:00', order 's2'" for a path into the raw JSON, so the message names what to fix. */
function whereIn(raw: unknown, path: readonly PropertyKey[]): string {
  const at = (obj: unknown, key: PropertyKey): unknown => (obj !== null && typeof obj === 'object' ? (obj as Record<PropertyKey, unknown>)[key] : undefined);
  if (path[0] !== 'periods' || typeof path[1] !== 'number') return '';
  const period = at(at(raw, 'periods'), path[1]);
  const pid = at(period, 'id');
  let s = `period ${typeof pid === 'string' ? `'${pid}'` : `#${path[1]}`}`;
  if ((path[2] === 'supply' || path[2] === 'demand') && typeof path[3] === 'number') {
    const oid = at(at(at(period, path[2]), path[3]), 'id');
    s += `, ${path[2]} order ${typeof oid === 'string' ? `'${oid}'` : `#${path[3]}`}`;
  }
  return `${s}: `;
}

/** Parses and validates an order file; every problem is a `ScenarioError` naming the file, field, period and order. */
export function parseOrdersFile(text: string, file: string): AuctionBook {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(file, '', `not valid JSON (${(err as Error).message})`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    let path = issue.path;
    let detail = issue.message;
    if (issue.code === 'unrecognized_keys') {
      path = [...path, issue.keys[0]];
      detail = `unknown field '${issue.keys.join("', '")}'`;
    } else if (issue.code === 'invalid_type') {
      detail = `expected ${issue.expected}${issue.input === undefined ? ' (missing)' : `, got ${JSON.stringify(issue.input)}`}`;
    }
    throw new ScenarioError(file, pathText(path), `${whereIn(raw, issue.path)}${detail}`);
  }
  const book = toBook(parsed.data);
  validateBook(book, file); // meaning (duplicates, quantities, prices), with the file named
  return book;
}

function toBook(f: OrdersFile): AuctionBook {
  const orders = (list: OrdersFile['periods'][number]['supply']): BlockOrder[] =>
    list.map((o) => ({ id: o.id, agent: o.agent, kw: o.kw, priceEurPerKwh: o.price }));
  return {
    periodHours: f.period_hours,
    grid: {
      importPriceEurPerKwh: f.grid.import_price,
      exportPriceEurPerKwh: f.grid.export_price,
      maxImportKw: f.grid.max_import_kw ?? null,
      maxExportKw: f.grid.max_export_kw ?? null,
    },
    periods: f.periods.map((p) => ({ id: p.id, supply: orders(p.supply), demand: orders(p.demand) })),
  };
}

function round(x: number, scale: number): number {
  const r = Math.round(x * scale) / scale;
  return r === 0 ? 0 : r; // no "-0" in the file
}

interface Options {
  pricing: string;
  solver: string;
  out: string;
}

export const clearAuctionCommand: CliCommand = {
  register(program: Command, io: CliIo) {
    program
      .command('clear-auction')
      .description('clear the EUPHEMIA-style block auction of seed 004 for every period of an order file')
      .argument('<orders.json>', 'order book: period_hours, grid, periods with supply and demand blocks')
      .option('--pricing <rule>', `pricing rule: ${pricingRules.join('|')}`, 'midpoint')
      .option('--solver <name>', `MILP backend where the exact merit-order path needs one: ${milpSolverNames.join('|')}`, 'highs')
      .requiredOption('--out <result.json>', 'result file (written atomically)')
      .action(async (file: string, opts: Options) => {
        if (!(pricingRules as readonly string[]).includes(opts.pricing)) {
          throw new UsageError(`--pricing must be one of ${pricingRules.join(', ')}, got '${opts.pricing}'`);
        }
        if (!(milpSolverNames as readonly string[]).includes(opts.solver)) {
          throw new UsageError(`--solver must be one of ${milpSolverNames.join(', ')}, got '${opts.solver}'`);
        }
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (err) {
          throw new ScenarioError(file, '', `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        }
        const book = parseOrdersFile(text, file);
        const outFile = OutputTextFile.open(opts.out);
        let out;
        let result;
        try {
          const solver = await loadMilpSolver(opts.solver as MilpSolverName);
          result = clear(book, { pricing: opts.pricing as PricingRule, solver });
          out = {
            periods: result.periods.map((r) => ({
              id: r.id,
              status: r.status,
              welfare_eur: round(r.welfareEur, 1e12),
              price_eur_per_kwh: r.priceEurPerKwh === null ? null : round(r.priceEurPerKwh, 1e12),
              import_kw: round(r.importKw, 1e9),
              export_kw: round(r.exportKw, 1e9),
              accepted_supply: r.acceptedSupply,
              accepted_demand: r.acceptedDemand,
              paradoxically_rejected: r.paradoxicallyRejected,
              welfare_bound_eur: round(r.welfareBoundEur, 1e12),
              optimality_gap: r.optimalityGap,
              ...(r.detail !== undefined && r.status !== 'solver_failed' ? { detail: r.detail } : {}),
            })),
            welfare_eur: round(result.welfareEur, 1e12),
            max_optimality_gap: result.maxOptimalityGap,
          };
          outFile.write(`${JSON.stringify(out, null, 2)}\n`);
        } catch (err) {
          outFile.abort();
          throw err;
        }
        outFile.commit();
        for (const r of result.periods) {
          if (r.status === 'solver_failed') io.err(`lemsim: warning: period '${r.id}' not cleared: ${r.detail ?? 'solver failed'}\n`);
        }
        const unproven = result.periods.filter((r) => r.optimalityGap > 0);
        if (unproven.length > 0) io.err(`lemsim: warning: ${unproven.length} period(s) not proven optimal; largest optimality gap ${result.maxOptimalityGap.toExponential(2)} (optimality_gap in ${opts.out})\n`);
        const failed = result.periods.filter((r) => r.status === 'solver_failed').length;
        io.out(`cleared ${result.periods.length - failed}/${result.periods.length} periods (${opts.pricing}), welfare ${out.welfare_eur} EUR -> ${opts.out}\n`);
      });
  },
};
