/**
 * The scenario file schema (YAML, snake_case as in CSV headers). Validation errors name the field
 * path (`market.period_min`). Every field has a default except the feeder; see
 * scenarios/example-small.yaml for a commented template.
 */
import { z } from 'zod';

const clock = z.string().regex(/^\d{1,2}:\d{2}$/, 'expected HH:MM');
const strategyRef = z.object({ name: z.string(), params: z.record(z.string(), z.number()).default({}) }).strict();

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
      })
      .strict()
      .default({ mechanism: 'auction', period_min: 5, import_price: 0.1, export_price: 0.05, pricing: 'midpoint', solver: 'highs', inter_community_fee: 0.01 }),
    power_flow: z
      .object({
        step_s: z.number().positive().default(60),
        tolerance: z.number().positive().default(1e-8),
        // OpenDSS's daily mode leaves a load with only a Yearly shape at base power; true drives it
        // by that shape (the IEEE European LV feeder's loads carry their day as a Yearly shape)
        yearly_shapes_in_daily: z.boolean().default(false),
      })
      .strict()
      .default({ step_s: 60, tolerance: 1e-8, yearly_shapes_in_daily: false }),
    solar: z
      .object({
        latitude: z.number().min(-90).max(90).default(45.07),
        longitude: z.number().min(-180).max(180).default(14.6),
        date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD').default('2019-06-01'),
        utc_offset_h: z.number().default(2),
        derate: z.number().positive().max(1).default(0.85),
      })
      .strict()
      .default({ latitude: 45.07, longitude: 14.6, date: '2019-06-01', utc_offset_h: 2, derate: 0.85 }),
    prosumers: z
      .object({
        loads: z.union([z.literal('all'), z.array(z.string()).min(1)]).default('all'),
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
      })
      .strict()
      .default({
        unit: { capacity_kwh: 10.24, power_kw: 2.56, soc: 0.5, soc_min: 0.2, soc_max: 0.8, eta_ch: 0.96, eta_dis: 0.96, rate_ch: 0.25, rate_dis: 0.9375, self_discharge: 1.72e-5, a: 0.001 },
        initial: [],
        strategy: { name: 'storage-threshold', params: {} },
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
      })
      .strict()
      .default({ v_min_pu: 0.9, v_max_pu: 1.1, check_lines: true, nominal_v_pu: 1 }),
    reinforcement: z
      .object({
        enabled: z.boolean().default(true),
        max_iterations: z.number().int().positive().default(4),
        unit_steps: z.array(z.number().int().positive()).min(1).default([1, 3, 5]),
      })
      .strict()
      .default({ enabled: true, max_iterations: 4, unit_steps: [1, 3, 5] }),
  })
  .strict();

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
