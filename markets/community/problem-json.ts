/**
 * The community problem file (`lemsim clear-community problem.json`) and its result file: parsing an
 * already-read JSON value into a validated `CommunityProblem`, and the result back into JSON. No I/O
 * here — the CLI reads and writes the files. Field names are snake_case with units (DESIGN rule 1);
 * every error is a `ProblemError` naming the agent and field, e.g. `agents[3] (bat1).soc`.
 */
import { ProblemError } from '../errors.js';
import { defaultStoredValueEurPerKwh, STANDARD_BATTERY_UNIT } from './battery.js';
import { type CommunityAgent, type CommunityProblem, type CommunityResult, GRID_ID } from './model.js';

type Json = Record<string, unknown>;

/** The largest magnitude a number of a problem file may have (kW, EUR/kWh, kWh: far beyond any market). */
export const MAX_MAGNITUDE = 1e9;

/** A value as quoted in a message: its JSON, at most 40 characters. */
function shortJson(v: unknown): string {
  const t = JSON.stringify(v) ?? String(v);
  return t.length > 40 ? `${t.slice(0, 40)}…` : t;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Reader {
  constructor(
    readonly file: string | undefined,
    readonly path: string,
    readonly obj: Json,
  ) {}
  /** Rejects every key of the object outside `allowed` (a misspelt field is an error, not ignored). */
  only(allowed: readonly string[]): this {
    for (const key of Object.keys(this.obj)) {
      if (!allowed.includes(key)) this.fail(key.length > 40 ? `${key.slice(0, 40)}…` : key, `unknown field (known: ${allowed.join(', ')})`);
    }
    return this;
  }
  fail(field: string, detail: string): never {
    throw new ProblemError(this.file, field ? `${this.path}${this.path ? '.' : ''}${field}` : this.path, detail);
  }
  number(field: string, fallback?: number): number {
    const v = Object.hasOwn(this.obj, field) ? this.obj[field] : undefined;
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      this.fail(field, 'missing field');
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, `expected a finite number, got ${shortJson(v)}`);
    // magnitudes beyond any electrical or economic meaning overflow the result's rounding
    if (Math.abs(v) > MAX_MAGNITUDE) this.fail(field, `${v} is beyond ±${MAX_MAGNITUDE}, which no market quantity reaches`);
    return v;
  }
  string(field: string): string {
    const v = Object.hasOwn(this.obj, field) ? this.obj[field] : undefined;
    if (v === undefined) this.fail(field, 'missing field');
    if (typeof v !== 'string' || v.length === 0) this.fail(field, `expected a non-empty string, got ${shortJson(v)}`);
    return v;
  }
}

/**
 * Parses and validates a problem (the JSON value of a problem file). `file` only decorates error
 * messages. Throws `ProblemError` for missing fields, wrong types, unknown communities, p_min >
 * p_max, soc outside its bounds, a < 0 and the other checks of `validateProblem`.
 */
export function parseCommunityProblem(json: unknown, file?: string): CommunityProblem {
  if (!isObject(json)) throw new ProblemError(file, '', 'expected a JSON object');
  const top = new Reader(file, '', json).only(['period_hours', 'grid', 'inter_community_fee', 'communities', 'agents']);
  const periodHours = top.number('period_hours');
  if (!isObject(json.grid)) top.fail('grid', json.grid === undefined ? 'missing field' : 'expected an object');
  const grid = new Reader(file, 'grid', json.grid as Json).only(['import_price', 'export_price']);
  const importPriceEurPerKwh = grid.number('import_price');
  const exportPriceEurPerKwh = grid.number('export_price');
  const interCommunityFeeEurPerKwh = top.number('inter_community_fee', 0);
  if (!Array.isArray(json.communities)) top.fail('communities', json.communities === undefined ? 'missing field' : 'expected an array');
  const communities = (json.communities as unknown[]).map((c, k) => {
    if (!isObject(c)) throw new ProblemError(file, `communities[${k}]`, 'expected an object');
    return { id: new Reader(file, `communities[${k}]`, c).only(['id']).string('id') };
  });
  if (!Array.isArray(json.agents)) top.fail('agents', json.agents === undefined ? 'missing field' : 'expected an array');
  const defaultValue = defaultStoredValueEurPerKwh(importPriceEurPerKwh, exportPriceEurPerKwh);
  const agents = (json.agents as unknown[]).map((raw, k): CommunityAgent => {
    if (!isObject(raw)) throw new ProblemError(file, `agents[${k}]`, 'expected an object');
    const idOk = typeof raw.id === 'string' && raw.id.length > 0;
    const r = new Reader(file, idOk ? `agents[${k}] (${raw.id as string})` : `agents[${k}]`, raw);
    const id = r.string('id');
    const community = r.string('community');
    const kind = r.string('kind');
    if (kind === 'consumer' || kind === 'producer') {
      r.only(['id', 'community', 'kind', 'p_min_kw', 'p_max_kw', 'a', 'b']);
      return { kind, id, community, pMinKw: r.number('p_min_kw'), pMaxKw: r.number('p_max_kw'), aEurPerKwhPerKw: r.number('a'), bEurPerKwh: r.number('b') };
    }
    if (kind === 'battery') {
      r.only(['id', 'community', 'kind', 'units', 'capacity_kwh', 'power_kw', 'soc', 'soc_min', 'soc_max', 'eta_ch', 'eta_dis', 'rate_ch', 'rate_dis', 'self_discharge', 'a', 'value_eur_per_kwh']);
      // `units`: a bank of Standard Battery Units (Table III); explicit fields override the preset
      let preset: Partial<Record<string, number>> = {};
      if (Object.hasOwn(raw, 'units')) {
        const units = r.number('units');
        if (!Number.isInteger(units) || units < 1) r.fail('units', `expected a positive whole number of Standard Battery Units, got ${units}`);
        const u = STANDARD_BATTERY_UNIT;
        preset = {
          capacity_kwh: u.capacityKwh * units,
          power_kw: u.powerKw * units,
          soc: u.socInit,
          soc_min: u.socMin,
          soc_max: u.socMax,
          eta_ch: u.etaCh,
          eta_dis: u.etaDis,
          rate_ch: u.rateChPerH,
          rate_dis: u.rateDisPerH,
          self_discharge: u.selfDischargePerH,
          a: 0,
        };
      }
      const f = (name: string) => r.number(name, preset[name]);
      return {
        kind,
        id,
        community,
        capacityKwh: f('capacity_kwh'),
        powerKw: f('power_kw'),
        soc: f('soc'),
        socMin: f('soc_min'),
        socMax: f('soc_max'),
        etaCh: f('eta_ch'),
        etaDis: f('eta_dis'),
        rateChPerH: f('rate_ch'),
        rateDisPerH: f('rate_dis'),
        // `self_discharge` is per hour, as everywhere in lemsim; the market's Eq. (9) takes the period's loss
        selfDischargePerPeriod: f('self_discharge') * periodHours,
        aEurPerKwhPerKw: f('a'),
        valueEurPerKwh: Object.hasOwn(raw, 'value_eur_per_kwh') ? r.number('value_eur_per_kwh') : defaultValue,
      };
    }
    return r.fail('kind', `expected 'consumer', 'producer' or 'battery', got '${kind}'`);
  });
  const problem: CommunityProblem = { periodHours, grid: { importPriceEurPerKwh, exportPriceEurPerKwh }, interCommunityFeeEurPerKwh, communities, agents };
  validateProblem(problem, file);
  return problem;
}

/**
 * Checks a problem built in code (the parser calls it too). Field names in messages are those of the
 * problem file. Throws `ProblemError`.
 */
export function validateProblem(p: CommunityProblem, file?: string): void {
  const fail = (path: string, detail: string): never => {
    throw new ProblemError(file, path, detail);
  };
  const finite = (v: number, path: string) => {
    if (!Number.isFinite(v)) fail(path, `expected a finite number, got ${v}`);
  };
  finite(p.periodHours, 'period_hours');
  if (p.periodHours <= 0) fail('period_hours', `must be > 0, got ${p.periodHours}`);
  finite(p.grid.importPriceEurPerKwh, 'grid.import_price');
  finite(p.grid.exportPriceEurPerKwh, 'grid.export_price');
  if (p.grid.exportPriceEurPerKwh > p.grid.importPriceEurPerKwh) {
    fail('grid.export_price', `must not exceed import_price (${p.grid.importPriceEurPerKwh}): buying and selling back would pay without limit`);
  }
  finite(p.interCommunityFeeEurPerKwh, 'inter_community_fee');
  if (p.interCommunityFeeEurPerKwh < 0) fail('inter_community_fee', `must be ≥ 0, got ${p.interCommunityFeeEurPerKwh}`);
  if (p.communities.length === 0) fail('communities', 'needs at least one community');
  const ids = new Set<string>();
  p.communities.forEach((c, k) => {
    if (c.id === GRID_ID) fail(`communities[${k}].id`, `'${GRID_ID}' is reserved for the upstream grid`);
    if (ids.has(c.id)) fail(`communities[${k}].id`, `duplicate community id '${c.id}'`);
    ids.add(c.id);
  });
  const agentIds = new Set<string>();
  p.agents.forEach((ag, k) => {
    const at = `agents[${k}] (${ag.id})`;
    const check = (ok: boolean, field: string, detail: string) => {
      if (!ok) fail(`${at}.${field}`, detail);
    };
    const num = (v: number, field: string) => check(Number.isFinite(v), field, `expected a finite number, got ${v}`);
    check(!agentIds.has(ag.id), 'id', `duplicate agent id '${ag.id}'`);
    agentIds.add(ag.id);
    check(ids.has(ag.community), 'community', `unknown community '${ag.community}'`);
    num(ag.aEurPerKwhPerKw, 'a');
    check(ag.aEurPerKwhPerKw >= 0, 'a', `must be ≥ 0 (concave welfare), got ${ag.aEurPerKwhPerKw}`);
    if (ag.kind === 'consumer' || ag.kind === 'producer') {
      num(ag.pMinKw, 'p_min_kw');
      num(ag.pMaxKw, 'p_max_kw');
      num(ag.bEurPerKwh, 'b');
      check(ag.pMinKw >= 0, 'p_min_kw', `must be ≥ 0 (the sign comes from the kind), got ${ag.pMinKw}`);
      check(ag.pMinKw <= ag.pMaxKw, 'p_min_kw', `p_min_kw ${ag.pMinKw} exceeds p_max_kw ${ag.pMaxKw}`);
    } else {
      for (const [v, field] of [
        [ag.capacityKwh, 'capacity_kwh'],
        [ag.powerKw, 'power_kw'],
        [ag.soc, 'soc'],
        [ag.socMin, 'soc_min'],
        [ag.socMax, 'soc_max'],
        [ag.etaCh, 'eta_ch'],
        [ag.etaDis, 'eta_dis'],
        [ag.rateChPerH, 'rate_ch'],
        [ag.rateDisPerH, 'rate_dis'],
        [ag.selfDischargePerPeriod, 'self_discharge'],
        [ag.valueEurPerKwh, 'value_eur_per_kwh'],
      ] as const) {
        num(v, field);
      }
      check(ag.capacityKwh > 0, 'capacity_kwh', `must be > 0, got ${ag.capacityKwh}`);
      check(ag.powerKw >= 0, 'power_kw', `must be ≥ 0, got ${ag.powerKw}`);
      check(ag.socMin >= 0 && ag.socMin <= ag.socMax && ag.socMax <= 1, 'soc_min', `need 0 ≤ soc_min ≤ soc_max ≤ 1, got ${ag.socMin} and ${ag.socMax}`);
      check(ag.soc >= ag.socMin && ag.soc <= ag.socMax, 'soc', `${ag.soc} is outside [soc_min, soc_max] = [${ag.socMin}, ${ag.socMax}]`);
      check(ag.etaCh > 0 && ag.etaCh <= 1, 'eta_ch', `must be in (0, 1], got ${ag.etaCh}`);
      check(ag.etaDis > 0 && ag.etaDis <= 1, 'eta_dis', `must be in (0, 1], got ${ag.etaDis}`);
      check(ag.rateChPerH >= 0, 'rate_ch', `must be ≥ 0, got ${ag.rateChPerH}`);
      check(ag.rateDisPerH >= 0, 'rate_dis', `must be ≥ 0, got ${ag.rateDisPerH}`);
      check(ag.selfDischargePerPeriod >= 0 && ag.selfDischargePerPeriod < 1, 'self_discharge', `must be in [0, 1), got ${ag.selfDischargePerPeriod}`);
      // v < 0 would make charging and discharging at once pay, which the model excludes
      check(ag.valueEurPerKwh >= 0, 'value_eur_per_kwh', `must be ≥ 0, got ${ag.valueEurPerKwh}`);
    }
  });
}

/** The result file's JSON value (snake_case, units in names). */
export function communityResultToJson(r: CommunityResult): Record<string, unknown> {
  const out: Record<string, unknown> = {
    status: r.status,
    welfare_eur: r.welfareEur,
    agents: r.agents.map((a) => ({
      id: a.id,
      p_kw: a.pKw,
      s_kw: a.sKw,
      phi_kw: a.phiKw,
      alpha_kw: a.alphaKw,
      beta_kw: a.betaKw,
      soc: a.soc,
      welfare_eur: a.welfareEur,
    })),
    communities: r.communities.map((c) => ({ id: c.id, price_eur_per_kwh: c.priceEurPerKwh, import_kw: c.importKw, export_kw: c.exportKw })),
    flows: r.flows.map((f) => ({ from: f.from, to: f.to, kw: f.kw })),
  };
  if (r.reason !== undefined) out.reason = r.reason;
  return out;
}
