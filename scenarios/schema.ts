/**
 * The scenario file schema (YAML, snake_case as in CSV headers). Validation errors name the field
 * path (`market.period_min`). Every field has a default except the feeder; see
 * scenarios/example-small.yaml for a commented template.
 */
import { z } from 'zod';
import { STANDARD_BATTERY_UNIT } from '../markets/community/battery.js';
import { checkIsoDate, parseClock } from '../src/kernel/clock.js';
import { TOLERANCE_RANGE_PU } from '../src/limits.js';
import { DEFAULT_CLOUDS } from '../agents/clouds.js';

/** A clock time (src/clock.ts): `HH:MM`, or `D+HH:MM` on a later day. */
const clock = z.string().superRefine((text, ctx) => {
  const r = parseClock(text);
  if ('error' in r) ctx.addIssue({ code: 'custom', message: r.error });
});
/** A finite number of at most `max` in magnitude: absurd magnitudes (1e296) are refused at input. */
const num = (max: number) => z.number().min(-max).max(max);
/** JSON whose numbers are finite and at most `max` in magnitude */
function boundedJson(max: number) {
  return z.json().superRefine((value, ctx) => {
    const walk = (v: unknown): boolean => (typeof v === 'number' ? Math.abs(v) <= max : Array.isArray(v) ? v.every(walk) : v !== null && typeof v === 'object' ? Object.values(v).every(walk) : true);
    if (!walk(value)) ctx.addIssue({ code: 'custom', message: `numbers must be at most ${max} in magnitude` });
  });
}
/** a strategy by name, with parameters of any JSON value (numbers, strings, arrays, schedules …); numbers far below 1e9 */
const strategyRef = z.object({ name: z.string(), params: z.record(z.string(), boundedJson(1e9)).default({}) }).strict();
/** an agent kind by name (built-in or a plugin's) */
const kindName = z.string().regex(/^[A-Za-z][\w.-]*$/, 'expected a kind name');


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

// ---- issue 13: a seeded cloud model (agents/clouds.ts; defaults there, with their source) ----
const D = DEFAULT_CLOUDS;
const cloudState = (d: (typeof D.states)[keyof typeof D.states]) =>
  z
    .object({
      /** mean length of a spell in this state, minutes */
      mean_duration_min: z.number().positive().max(1e6).default(d.meanDurationMin),
      /** the state's clear-sky index range [lo, hi], drawn uniformly each step */
      index: z.tuple([z.number().min(0).max(2), z.number().min(0).max(2)]).default([...d.index]).refine(([lo, hi]) => lo <= hi, 'expected [lo, hi] with lo ≤ hi'),
    })
    .strict()
    .default({ mean_duration_min: d.meanDurationMin, index: [...d.index] });
const clouds = z
  .object({
    /** `markov`: a three-state Markov-chain mixture of the clear-sky index (clear / broken / overcast) */
    model: z.enum(['markov']),
    /** minutes between transitions and index draws */
    step_min: z.number().min(1).max(1440).default(D.stepMin),
    /** share of broken spells that end clear (the rest end overcast) */
    p_broken_to_clear: z.number().min(0).max(1).default(D.pBrokenToClear),
    states: z
      .object({ clear: cloudState(D.states.clear), broken: cloudState(D.states.broken), overcast: cloudState(D.states.overcast) })
      .strict()
      .default({
        clear: { mean_duration_min: D.states.clear.meanDurationMin, index: [...D.states.clear.index] },
        broken: { mean_duration_min: D.states.broken.meanDurationMin, index: [...D.states.broken.index] },
        overcast: { mean_duration_min: D.states.overcast.meanDurationMin, index: [...D.states.overcast.index] },
      }),
    /** per-system decorrelation: the correlation of two systems' indices (1: one feeder-wide index) */
    spatial: z.object({ correlation: z.number().min(0).max(1).default(D.correlation) }).strict().default({ correlation: D.correlation }),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const st of ['clear', 'broken', 'overcast'] as const) {
      if (c.states[st].mean_duration_min < c.step_min) ctx.addIssue({ code: 'custom', path: ['states', st, 'mean_duration_min'], message: `must be at least step_min (${c.step_min})` });
    }
  });
// ---- end issue 13 ----

/** the Standard Battery Unit is defined once, in markets/community/battery.ts (seed 000, Table III) */
const SBU = STANDARD_BATTERY_UNIT;
/** wear curvature of a unit, EUR/kWh per kW: a market choice, not in Table III */
const DEFAULT_WEAR_A = 0.001;
const UNIT_DEFAULTS = {
  capacity_kwh: SBU.capacityKwh,
  power_kw: SBU.powerKw,
  soc: SBU.socInit,
  soc_min: SBU.socMin,
  soc_max: SBU.socMax,
  eta_ch: SBU.etaCh,
  eta_dis: SBU.etaDis,
  rate_ch: SBU.rateChPerH,
  rate_dis: SBU.rateDisPerH,
  self_discharge: SBU.selfDischargePerH,
  a: DEFAULT_WEAR_A,
};

export const scenarioSchema = z
  .object({
    name: z.string().default('scenario'),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
    feeder: z.string(),
    /** plugin modules (.js/.mjs/.ts/.mts), relative to the scenario: strategies, agent kinds, mechanisms */
    plugins: z.array(z.string().min(1)).default([]),
    /** extra agents built through the kind registry: `{ kind, id, config }` */
    agents: z.array(z.object({ kind: kindName, id: z.string().regex(/^[A-Za-z][\w.:-]*$/, 'expected an id'), config: boundedJson(1e12).default({}) }).strict()).default([]),
    /** bus-coordinate files (`bus, x, y` lines) for feeders that load none; relative to the scenario */
    bus_coords: z.array(z.string()).default([]),
    /** voltage bases (kV line-to-line) for feeders that set none, assigned to buses like Calcvoltagebases */
    voltage_bases_kv: z.array(z.number().positive().max(1000)).optional(),
    horizon: z.object({ from: clock.default('00:00'), to: clock.default('24:00') }).strict().default({ from: '00:00', to: '24:00' }),
    market: z
      .object({
        /** a clearing mechanism by name: auction (seed 004), community (seed 000), or a plugin's */
        mechanism: z.string().default('auction'),
        /** trading period, minutes: at least one minute, at most a day */
        period_min: z.number().min(1).max(1440).default(5),
        /** EUR/kWh; may be negative, at most 1000 in magnitude; export_price ≤ import_price (src/scenario.ts) */
        import_price: num(1000).default(0.1),
        export_price: num(1000).default(0.05),
        pricing: z.enum(['midpoint', 'uniform']).default('midpoint'),
        solver: z.enum(['highs', 'lp-solver']).default('highs'),
        inter_community_fee: z.number().nonnegative().max(1000).default(0.01),
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
        // issue 16: who clears the trade between communities — the central QP, or the managers' offers
        community_clearing: z.enum(['central', 'managers']).default('central'),
        /** issue 16: the community managers' strategy (agents/strategies/managers), and per-community ones by community id */
        managers: z
          .object({ strategy: strategyRef.default({ name: 'truthful', params: {} }), communities: z.record(z.string(), strategyRef).default({}) })
          .strict()
          .default({ strategy: { name: 'truthful', params: {} }, communities: {} }),
      })
      .strict()
      .default({
        mechanism: 'auction',
        period_min: 5,
        import_price: 0.1,
        export_price: 0.05,
        pricing: 'midpoint',
        solver: 'highs',
        inter_community_fee: 0.01,
        grid: 'counterparty',
        day_mode: 'hourly',
        day_solver: 'fast',
        community_clearing: 'central',
        managers: { strategy: { name: 'truthful', params: {} }, communities: {} },
      }),
    power_flow: z
      .object({
        /** seconds between power flows: at least 1 s (quasi-static power flow), at most a period (src/scenario.ts) */
        step_s: z.number().min(1).max(86_400).default(60),
        tolerance: z.number().min(TOLERANCE_RANGE_PU.min).max(TOLERANCE_RANGE_PU.max).default(1e-8),
        // paper 004: the LV bus the transformer's regulator holds (seed 004: bus 1 at 1.05 pu)
        regulated_bus: regulatedBus.optional(),
        // paper 004: what a passive consumer draws within its period: the cleared mean, or its own
        // load profile around that mean (the reference feeder simulation the paper's SREF is)
        passive_demand: z.enum(['flat', 'load-shape']).default('flat'),
        // OpenDSS's daily mode leaves a load with only a Yearly shape at base power; true drives it
        // by that shape (the IEEE European LV feeder's loads carry their day as a Yearly shape)
        yearly_shapes_in_daily: z.boolean().default(false),
      })
      .strict()
      .default({ step_s: 60, tolerance: 1e-8, passive_demand: 'flat', yearly_shapes_in_daily: false }),
    solar: z
      .object({
        latitude: z.number().min(-90).max(90).default(45.07),
        longitude: z.number().min(-180).max(180).default(14.6),
        date: z
          .string()
          .superRefine((text, ctx) => {
            const why = checkIsoDate(text);
            if (why) ctx.addIssue({ code: 'custom', message: why });
          })
          .default('2019-06-01'),
        /** civil time zones run from UTC−12 to UTC+14 */
        utc_offset_h: z.number().min(-12).max(14).default(2),
        derate: z.number().positive().max(1).default(0.85),
        // paper 004: where the PV profile comes from; `file` is a CSV (`time` HH:MM on the scenario's
        // clock, then `pv_kw_per_kwp` or `ghi_w_per_m2`), relative to the scenario
        source: solarSource.default('clear-sky'),
        file: z.string().optional(),
        /** shorthand for `source: file` with `file: <profile>` (a measured PV or irradiance CSV) */
        profile: z.string().optional(),
        /** issue 13: a seeded stochastic clear-sky index on the clear-sky profile (agents/clouds.ts) */
        clouds: clouds.optional(),
      })
      .strict()
      .transform((o, ctx) => {
        if (o.clouds !== undefined && (o.source === 'file' || o.profile !== undefined)) ctx.addIssue({ code: 'custom', path: ['clouds'], message: 'applies to the clear-sky profile; a measured profile (solar.source: file) already has its clouds' });
        if (o.profile === undefined) return o;
        if (o.file !== undefined && o.file !== o.profile) ctx.addIssue({ code: 'custom', path: ['profile'], message: 'names another file than solar.file: give one of them' });
        if (o.source === 'clear-sky' && o.file !== undefined) ctx.addIssue({ code: 'custom', path: ['profile'], message: 'contradicts solar.source: clear-sky' });
        return { ...o, source: 'file' as const, file: o.profile };
      })
      .default({ latitude: 45.07, longitude: 14.6, date: '2019-06-01', utc_offset_h: 2, derate: 0.85, source: 'clear-sky' }),
    prosumers: z
      .object({
        /** the agent kind of prosumers (default: the built-in `prosumer`; a plugin kind takes the same config) */
        kind: kindName.default('prosumer'),
        loads: z.union([z.literal('all'), z.array(z.string()).min(1)]).default('all'),
        /** paper 004: factor on every prosumer's nominal demand (the load shapes as published: 1) */
        load_scale: z.number().positive().default(1),
        /**
         * who has PV and how much: every `every`-th prosumer from `offset` (deterministic), or a seeded
         * `share` of them (placement drawn from `seed`); `kw` is one size, a list (one per PV prosumer,
         * in prosumer order) or a range `{ min, max }` drawn per system (0.1 kW steps)
         */
        pv: z
          .object({
            every: z.number().int().positive().max(1e6).default(4),
            offset: z.number().int().nonnegative().max(1e6).default(0),
            share: z.number().min(0).max(1).optional(),
            kw: z
              .union([
                z.number().nonnegative().max(1e5),
                z.array(z.number().nonnegative().max(1e5)).min(1),
                z.object({ min: z.number().nonnegative().max(1e5), max: z.number().nonnegative().max(1e5) }).strict(),
              ])
              .default(4),
          })
          .strict()
          .default({ every: 4, offset: 0, kw: 4 }),
        /**
         * issue 12: the feeder's own PVSystems as prosumers' PV (agents/feeder-elements.ts): `all`, a
         * list of names (each goes to the prosumer at its bus, else the nearest), or `{ <pvsystem>: <load> }`
         */
        feeder_pv: z.union([z.literal('all'), z.array(z.string().min(1)).min(1), z.record(z.string().min(1), z.string().min(1))]).optional(),
        /** multiplicative noise on each prosumer's demand, per period: lognormal with mean 1 and this sigma (seeded) */
        load_noise: z.object({ sigma: z.number().min(0).max(2) }).strict().optional(),
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
        kind: 'prosumer',
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
            capacity_kwh: z.number().positive().max(1e6).default(SBU.capacityKwh),
            power_kw: z.number().positive().max(1e6).default(SBU.powerKw),
            soc: z.number().min(0).max(1).default(SBU.socInit),
            soc_min: z.number().min(0).max(1).default(SBU.socMin),
            soc_max: z.number().min(0).max(1).default(SBU.socMax),
            eta_ch: z.number().positive().max(1).default(SBU.etaCh),
            eta_dis: z.number().positive().max(1).default(SBU.etaDis),
            rate_ch: z.number().positive().max(1000).default(SBU.rateChPerH),
            rate_dis: z.number().positive().max(1000).default(SBU.rateDisPerH),
            /** fraction of the stored energy lost per hour */
            self_discharge: z.number().nonnegative().max(1).default(SBU.selfDischargePerH),
            a: z.number().nonnegative().max(1000).default(DEFAULT_WEAR_A),
          })
          .strict()
          .default(UNIT_DEFAULTS),
        /** issue 12: the feeder's own Storage elements as battery agents `st-<name>`: `all` or a list of names */
        feeder_storage: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).optional(),
        /** the agent kind of batteries (default: the built-in `battery`) */
        kind: kindName.default('battery'),
        initial: z.array(z.object({ bus: z.string(), units: z.number().int().positive().max(10_000) }).strict()).default([]),
        /** how batteries bid in the auction (agents/strategies); the community market takes them as battery agents */
        strategy: strategyRef.default({ name: 'storage-threshold', params: {} }),
        // --- issue 10, paper 000 ---
        /** day-ahead market: end the day at least at the starting soc (`initial`) or anywhere, leftover energy valued at the midpoint of the grid prices (`free`) */
        terminal_soc: z.enum(['initial', 'free']).default('initial'),
        // --- end issue 10, paper 000 ---
      })
      .strict()
      .default({
        unit: UNIT_DEFAULTS,
        kind: 'battery',
        initial: [],
        strategy: { name: 'storage-threshold', params: {} },
        terminal_soc: 'initial',
      }),
    limits: z
      .object({
        v_min_pu: z.number().positive().max(2).default(0.9),
        v_max_pu: z.number().positive().max(2).default(1.1),
        /** a line current limit for every line, A; default: each line's normamps */
        line_amps: z.number().positive().max(1e6).optional(),
        check_lines: z.boolean().default(true),
        /**
         * transformers loaded above NormAmps (OpenDSS's %Normal over 100: NormHkVA, 110 % of winding 1's
         * kVA unless set) are always reported as `overcurrent` violations of element kind `transformer`
         * (events, violations.csv); `report` (default: seed 000's DSO checks bus voltages and line
         * currents only, Eqs. 19–20) leaves them out of the violation counts and the planner, `reinforce`
         * counts them and the planner answers them at the transformer's secondary bus
         */
        transformer_overloads: z.enum(['report', 'reinforce']).default('report'),
        /** the voltage the deviation statistics are measured from (seed 004: 1.05, the tap setting) */
        nominal_v_pu: z.number().positive().max(2).default(1),
        /** paper 004: the voltage levels (kV line-to-line bases) the voltage statistics cover; default all */
        statistics_kv: z.array(z.number().positive()).min(1).optional(),
        // --- issue 10, paper 000 ---
        /** what the reinforcement planner counts: `violations` (element × sub-step) or `violation_episodes` (element × market period) */
        count: z.enum(['violations', 'violation_episodes']).default('violations'),
        // --- end issue 10, paper 000 ---
      })
      .strict()
      .default({ v_min_pu: 0.9, v_max_pu: 1.1, check_lines: true, transformer_overloads: 'report', nominal_v_pu: 1, count: 'violations' }),
    reinforcement: z
      .object({
        enabled: z.boolean().default(true),
        max_iterations: z.number().int().positive().max(100).default(4),
        unit_steps: z.array(z.number().int().positive().max(10_000)).min(1).default([1, 3, 5]),
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
    // --- issue 14: the report ---
    report: z
      .object({
        /**
         * market periods whose merit order report.html draws, by their start (`HH:MM`, `D+HH:MM`);
         * each must start a period of the horizon (src/scenario.ts). Absent: the middle period and the
         * periods with the lowest and the highest price of the last iteration.
         */
        merit_order_periods: z.array(clock).min(1).max(24).optional(),
      })
      .strict()
      .default({}),
    // --- end issue 14 ---
  })
  .strict();

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
