/**
 * The scenario file schema (YAML, snake_case as in CSV headers). Validation errors name the field
 * path (`market.period_min`). Every field has a default except the feeder; see
 * scenarios/example-small.yaml for a commented template.
 */
import { z } from 'zod';

const clock = z.string().regex(/^\d{1,2}:\d{2}$/, 'expected HH:MM');
const strategyRef = z.object({ name: z.string(), params: z.record(z.string(), z.number()).default({}) }).strict();

// ---- paper 004 (issue 10): the grid's role in the auction, measured PV, regulated LV bus ----
/** `counterparty`: the grid buys and sells any amount at its prices (limits optional).
 *  `residual` (seed 004, Eq. 2): peers clear among themselves, the grid only takes the surplus
 *  (import limit 0 unless `max_import_kw` says otherwise). */
const marketGrid = z.enum(['counterparty', 'residual']);
const gridLimitKw = z.number().nonnegative().optional();
/** `clear-sky`: Haurwitz over the site (agents/solar.ts); `file`: a CSV of measured PV or irradiance */
const solarSource = z.enum(['clear-sky', 'file']);
/** a bus held at a set voltage by an ideal regulator at the source (every sub-step) */
const regulatedBus = z.object({ bus: z.string(), v_pu: z.number().positive() }).strict();
// ---- end paper 004 ----

export const scenarioSchema = z
  .object({
    name: z.string().default('scenario'),
    seed: z.number().int().default(1),
    feeder: z.string(),
    /** bus-coordinate files (`bus, x, y` lines) for feeders that load none; relative to the scenario */
    bus_coords: z.array(z.string()).default([]),
    /** voltage bases (kV line-to-line) for feeders that set none, assigned to buses like Calcvoltagebases */
    voltage_bases_kv: z.array(z.number().positive()).optional(),
    horizon: z.object({ from: clock.default('00:00'), to: clock.default('24:00') }).strict().default({ from: '00:00', to: '24:00' }),
    market: z
      .object({
        mechanism: z.enum(['auction', 'community']).default('auction'),
        period_min: z.number().positive().default(5),
        import_price: z.number().default(0.1),
        export_price: z.number().default(0.05),
        pricing: z.enum(['midpoint', 'uniform']).default('midpoint'),
        solver: z.enum(['highs', 'lp-solver']).default('highs'),
        inter_community_fee: z.number().nonnegative().default(0.01),
        // paper 004: the grid's role in the clearing, and its limits, kW
        grid: marketGrid.default('counterparty'),
        max_import_kw: gridLimitKw,
        max_export_kw: gridLimitKw,
        // --- issue 10, paper 000: the community market's day ---
        /** community market: clear each period on its own (`hourly`, soc carried) or the whole day at once (`day-ahead`, seed 000 Eqs. 9–13 across the day) */
        day_mode: z.enum(['hourly', 'day-ahead']).default('hourly'),
        /** day-ahead solver: `fast` (reduced QP + exact hourly re-clearing) or `qp` (the full QP, HiGHS) */
        day_solver: z.enum(['fast', 'qp']).default('fast'),
        // --- end issue 10, paper 000 ---
      })
      .strict()
      .default({ mechanism: 'auction', period_min: 5, import_price: 0.1, export_price: 0.05, pricing: 'midpoint', solver: 'highs', inter_community_fee: 0.01, grid: 'counterparty', day_mode: 'hourly', day_solver: 'fast' }),
    power_flow: z
      .object({
        step_s: z.number().positive().default(60),
        tolerance: z.number().positive().default(1e-8),
        // paper 004: the LV bus the transformer's regulator holds (seed 004: bus 1 at 1.05 pu)
        regulated_bus: regulatedBus.optional(),
        // paper 004: what a passive consumer draws within its period: the cleared mean, or its own
        // load profile around that mean (the reference feeder simulation the paper's SREF is)
        passive_demand: z.enum(['flat', 'load-shape']).default('flat'),
      })
      .strict()
      .default({ step_s: 60, tolerance: 1e-8, passive_demand: 'flat' }),
    solar: z
      .object({
        latitude: z.number().min(-90).max(90).default(45.07),
        longitude: z.number().min(-180).max(180).default(14.6),
        date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').default('2019-06-01'),
        utc_offset_h: z.number().default(2),
        derate: z.number().positive().max(1).default(0.85),
        // paper 004: where the PV profile comes from; `file` is a CSV (`time` HH:MM on the scenario's
        // clock, then `pv_kw_per_kwp` or `ghi_w_per_m2`), relative to the scenario
        source: solarSource.default('clear-sky'),
        file: z.string().optional(),
      })
      .strict()
      .default({ latitude: 45.07, longitude: 14.6, date: '2019-06-01', utc_offset_h: 2, derate: 0.85, source: 'clear-sky' }),
    prosumers: z
      .object({
        loads: z.union([z.literal('all'), z.array(z.string()).min(1)]).default('all'),
        /** paper 004: factor on every prosumer's nominal demand (the load shapes as published: 1) */
        load_scale: z.number().positive().default(1),
        pv: z
          .object({ every: z.number().int().positive().default(4), offset: z.number().int().nonnegative().default(0), kw: z.number().nonnegative().default(4) })
          .strict()
          .default({ every: 4, offset: 0, kw: 4 }),
        communities: z
          .union([
            z.object({ count: z.number().int().positive() }).strict(),
            z.object({ map: z.record(z.string(), z.string()) }).strict(),
          ])
          .default({ count: 1 }),
        strategy: z
          .object({ supply: strategyRef.default({ name: 'srmc', params: {} }), demand: strategyRef.default({ name: 'elastic-demand', params: {} }) })
          .strict()
          .default({ supply: { name: 'srmc', params: {} }, demand: { name: 'elastic-demand', params: {} } }),
        /** strategy per group: the listed loads bid with these strategies instead (later groups win) */
        groups: z
          .array(z.object({ loads: z.array(z.string()).min(1), supply: strategyRef.optional(), demand: strategyRef.optional() }).strict())
          .default([]),
      })
      .strict()
      .default({
        loads: 'all',
        load_scale: 1,
        pv: { every: 4, offset: 0, kw: 4 },
        communities: { count: 1 },
        strategy: { supply: { name: 'srmc', params: {} }, demand: { name: 'elastic-demand', params: {} } },
        groups: [],
      }),
    batteries: z
      .object({
        /** one Standard Battery Unit (seed 000, Table III); units scale capacity and power */
        unit: z
          .object({
            capacity_kwh: z.number().positive().default(10.24),
            power_kw: z.number().positive().default(2.56),
            soc: z.number().min(0).max(1).default(0.5),
            soc_min: z.number().min(0).max(1).default(0.2),
            soc_max: z.number().min(0).max(1).default(0.8),
            eta_ch: z.number().positive().max(1).default(0.96),
            eta_dis: z.number().positive().max(1).default(0.96),
            rate_ch: z.number().positive().default(0.25),
            rate_dis: z.number().positive().default(0.9375),
            self_discharge: z.number().nonnegative().default(1.72e-5),
            a: z.number().nonnegative().default(0.001),
          })
          .strict()
          .default({ capacity_kwh: 10.24, power_kw: 2.56, soc: 0.5, soc_min: 0.2, soc_max: 0.8, eta_ch: 0.96, eta_dis: 0.96, rate_ch: 0.25, rate_dis: 0.9375, self_discharge: 1.72e-5, a: 0.001 }),
        initial: z.array(z.object({ bus: z.string(), units: z.number().int().positive() }).strict()).default([]),
        /** how batteries bid in the auction (agents/strategies); the community market takes them as battery agents */
        strategy: strategyRef.default({ name: 'storage-threshold', params: {} }),
        // --- issue 10, paper 000 ---
        /** day-ahead market: end the day at least at the starting soc (`initial`) or anywhere, leftover energy valued at the midpoint of the grid prices (`free`) */
        terminal_soc: z.enum(['initial', 'free']).default('initial'),
        // --- end issue 10, paper 000 ---
      })
      .strict()
      .default({
        unit: { capacity_kwh: 10.24, power_kw: 2.56, soc: 0.5, soc_min: 0.2, soc_max: 0.8, eta_ch: 0.96, eta_dis: 0.96, rate_ch: 0.25, rate_dis: 0.9375, self_discharge: 1.72e-5, a: 0.001 },
        initial: [],
        strategy: { name: 'storage-threshold', params: {} },
        terminal_soc: 'initial',
      }),
    limits: z
      .object({
        v_min_pu: z.number().positive().default(0.9),
        v_max_pu: z.number().positive().default(1.1),
        /** a line current limit for every line, A; default: each line's normamps */
        line_amps: z.number().positive().optional(),
        check_lines: z.boolean().default(true),
        /** the voltage the deviation statistics are measured from (seed 004: 1.05, the tap setting) */
        nominal_v_pu: z.number().positive().default(1),
        /** paper 004: the voltage levels (kV line-to-line bases) the voltage statistics cover; default all */
        statistics_kv: z.array(z.number().positive()).min(1).optional(),
        // --- issue 10, paper 000 ---
        /** what the reinforcement planner counts: `violations` (element × sub-step) or `violation_episodes` (element × market period) */
        count: z.enum(['violations', 'violation_episodes']).default('violations'),
        // --- end issue 10, paper 000 ---
      })
      .strict()
      .default({ v_min_pu: 0.9, v_max_pu: 1.1, check_lines: true, nominal_v_pu: 1, count: 'violations' }),
    reinforcement: z
      .object({
        enabled: z.boolean().default(true),
        max_iterations: z.number().int().positive().default(4),
        unit_steps: z.array(z.number().int().positive()).min(1).default([1, 3, 5]),
        // --- issue 10, paper 000 ---
        /**
         * `paper` (seed 000, Sec. III Stage VI): one unit at every bus violating in the base run, then
         * only buses whose violations persist grow through `unit_steps`, every configuration run and
         * reported; `stop-on-no-improvement`: every violating bus grows, stop when the count stops falling
         */
        rule: z.enum(['paper', 'stop-on-no-improvement']).default('stop-on-no-improvement'),
        // --- end issue 10, paper 000 ---
      })
      .strict()
      .default({ enabled: true, max_iterations: 4, unit_steps: [1, 3, 5], rule: 'stop-on-no-improvement' }),
  })
  .strict();

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
