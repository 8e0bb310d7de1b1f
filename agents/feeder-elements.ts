/**
 * A feeder's own PVSystem and Storage elements handed to market agents (issue 12):
 * `prosumers.feeder_pv` gives PVSystems to prosumers, `batteries.feeder_storage` makes a battery agent
 * of each Storage. The element stays in the power flow and keeps its OpenDSS physics; the market
 * decides how much of it is used.
 *
 * - PV: a prosumer's available PV in a period is the mean, over the period's power-flow sub-steps, of
 *   what its elements would deliver unconstrained, computed by the grid model itself
 *   (grid/powerflow/pce-power.ts `pvSystemPower`: irradiance × shape × Pmpp × P-T curve, efficiency
 *   curve, %Pmpp and kVA limits, cut-in/cut-out hysteresis carried step to step). The grid operator
 *   then caps each element at share × its unconstrained output at every sub-step, share = sold /
 *   available (`pvShare`), so the period's PV energy is exactly what the market sold and no sub-step
 *   exceeds what the sun gives; the owner's load takes only its consumption.
 * - Storage: the battery agent's limits and state of charge follow the element's data (`storageParams`:
 *   kWh from kWhrated, power from kWrated × %kWrated within kVA, %reserve as the lowest state of
 *   charge, %EffCharge / %EffDischarge, and %IdlingkW as OpenDSS's UpdateStorage charges it: taken
 *   from the energy while charging or discharging, drawn from the grid while idling), and the market's
 *   dispatch drives the element through `requestStorageKw` (OpenDSS's Set_kW), its energy integrated
 *   after every sub-step from its terminal power as OpenDSS does.
 *
 * Who owns a PVSystem: the prosumer named for it (`feeder_pv: { <pvsystem>: <load> }`), else the
 * prosumer whose load is at the element's bus (first in load order), else the prosumer nearest to it
 * in branches (lines and transformers) — a rooftop system behind its customer's service drop. A
 * Storage joins the community of the prosumer nearest to it the same way.
 */
import type { Network } from '../grid/model/network.js';
import type { PvSystemPce, StoragePce } from '../grid/model/pces.js';
import { initialKwh } from '../grid/model/elements/storage.js';
import { pvSystemPower } from '../grid/powerflow/pce-power.js';
import { ScenarioError, excerpt } from '../src/errors.js';
import type { Scenario } from '../scenarios/schema.js';
import type { Period } from './agent.js';
import type { BatteryParams } from './battery.js';

/** A feeder PVSystem handed to a prosumer. */
export interface HandedPv {
  readonly name: string;
  /** index in network.pces */
  readonly pce: number;
  /** the prosumer's load (without `load.`) */
  readonly owner: string;
}

/** A feeder Storage made a battery agent. */
export interface HandedStorage {
  readonly name: string;
  readonly pce: number;
  /** the battery agent's id: `st-<name>` */
  readonly id: string;
  readonly bus: string;
  readonly params: BatteryParams;
  /** initial state of charge, kWhstored / kWhrated (or %stored) */
  readonly soc: number;
}

export interface HandedElements {
  readonly pv: readonly HandedPv[];
  readonly storage: readonly HandedStorage[];
}

const shortName = (full: string): string => full.slice(full.indexOf('.') + 1);

/** Battery parameters of a Storage element, as the element's own data and OpenDSS's UpdateStorage give them. */
export function storageParams(st: StoragePce, wearEurPerKwhPerKw: number): BatteryParams {
  const s = st.state;
  // the active power the inverter gives at full reactive power as the element asks for it (pf or kvar,
  // within kvarMax): beyond it OpenDSS's kVA limit would trim the kW the market set
  const kvar = s.varMode === 'kvar' ? Math.min(Math.abs(s.kvarRequested), Math.max(s.kvarMax, s.kvarMaxAbs)) : 0;
  const kvaKw = s.varMode === 'pf' ? s.kVA * Math.abs(s.pf) : Math.sqrt(Math.max(0, s.kVA * s.kVA - kvar * kvar));
  const powerKw = Math.min(s.kWrated * s.puKwRated, kvaKw);
  return {
    capacityKwh: s.kWhRated,
    powerKw,
    socMin: s.pctReserve / 100,
    socMax: 1,
    etaCh: s.pctEffCharge / 100,
    etaDis: s.pctEffDischarge / 100,
    // the element's power limit is the only rate limit
    rateChPerH: powerKw / s.kWhRated,
    rateDisPerH: powerKw / s.kWhRated,
    selfDischargePerH: 0,
    aEurPerKwhPerKw: wearEurPerKwhPerKw,
    idlingKw: (s.pctIdlingKw * s.kWrated) / 100,
  };
}

/** Buses by number of branches from `from` (breadth first over lines and transformers). */
function hopsFrom(network: Network, from: number): Int32Array {
  const n = network.buses.length;
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const br of network.branches) {
    const buses = [...new Set(br.terminals.map((t) => t.bus))];
    for (const a of buses) for (const b of buses) if (a !== b) adj[a].push(b);
  }
  const hops = new Int32Array(n).fill(-1);
  hops[from] = 0;
  const queue = [from];
  for (let q = 0; q < queue.length; q++) {
    const b = queue[q];
    for (const c of adj[b]) {
      if (hops[c] < 0) {
        hops[c] = hops[b] + 1;
        queue.push(c);
      }
    }
  }
  return hops;
}

/** The prosumer load nearest to bus `bus`: same bus first (load order), then fewest branches. */
export function nearestProsumerLoad(network: Network, bus: number, prosumerLoads: readonly string[]): string | undefined {
  const index = new Map(network.loads.map((l, i) => [l.name.slice('load.'.length), i]));
  const at = prosumerLoads.map((name) => ({ name, bus: network.loads[index.get(name)!].terminal.bus }));
  const same = at.find((p) => p.bus === bus);
  if (same) return same.name;
  const hops = hopsFrom(network, bus);
  let best: { name: string; hops: number } | undefined;
  for (const p of at) {
    const h = hops[p.bus];
    if (h >= 0 && (!best || h < best.hops)) best = { name: p.name, hops: h };
  }
  return best?.name;
}

/**
 * Resolves `prosumers.feeder_pv` and `batteries.feeder_storage` against the feeder: every name must be
 * an enabled element of that class (a ScenarioError names the field and the name), not under an
 * InvControl (its volt-watt limit and the market would both set the element's power), and each PV
 * system gets an owner among the prosumers.
 */
export function resolveHandedElements(s: Scenario, network: Network, prosumerLoads: readonly string[], file: string): HandedElements {
  const byName = (kind: 'pvsystem' | 'storage') => new Map(network.pces.flatMap((p, i) => (p.kind === kind ? [[shortName(p.name), i] as const] : [])));
  const controlled = invControlled(network);
  const lookup = (kind: 'pvsystem' | 'storage', known: Map<string, number>, name: string, field: string): number => {
    const pi = known.get(name.toLowerCase());
    const label = kind === 'pvsystem' ? 'PVSystem' : 'Storage';
    if (pi === undefined) throw new ScenarioError(file, field, `'${excerpt(name)}' is not an enabled ${label} of the feeder (${known.size === 0 ? `it has no ${label}` : `${known.size}: ${[...known.keys()].slice(0, 5).join(', ')}${known.size > 5 ? ', …' : ''}`})`);
    const ctl = controlled.get(network.pces[pi].name);
    if (ctl) throw new ScenarioError(file, field, `${label} '${excerpt(name)}' is under InvControl.${ctl}: its volt-var/volt-watt control and the market would both set its power; hand over elements without an InvControl`);
    return pi;
  };
  const pv: HandedPv[] = [];
  const fp = s.prosumers.feeder_pv;
  if (fp !== undefined) {
    const known = byName('pvsystem');
    const prosumers = new Set(prosumerLoads);
    const entries: [string, string | undefined, string][] =
      fp === 'all' ? [...known.keys()].map((n) => [n, undefined, 'prosumers.feeder_pv']) : Array.isArray(fp) ? fp.map((n, k) => [n, undefined, `prosumers.feeder_pv[${k}]`]) : Object.entries(fp).map(([n, load]) => [n, load, `prosumers.feeder_pv.${excerpt(n)}`]);
    if (fp === 'all' && known.size === 0) throw new ScenarioError(file, 'prosumers.feeder_pv', 'the feeder has no enabled PVSystem to hand over');
    const seen = new Set<number>();
    for (const [name, load, field] of entries) {
      const pi = lookup('pvsystem', known, name, field);
      if (seen.has(pi)) throw new ScenarioError(file, field, `PVSystem '${excerpt(name)}' is named twice`);
      seen.add(pi);
      let owner: string | undefined;
      if (load !== undefined) {
        owner = load.toLowerCase();
        if (!prosumers.has(owner)) throw new ScenarioError(file, field, `'${excerpt(load)}' is not a prosumer's load (see prosumers.loads)`);
      } else owner = nearestProsumerLoad(network, network.pces[pi].terminal.bus, prosumerLoads);
      if (owner === undefined) throw new ScenarioError(file, field, `no prosumer is connected to PVSystem '${excerpt(name)}' (name its owner: feeder_pv: { ${excerpt(name)}: <load> })`);
      pv.push({ name: shortName(network.pces[pi].name), pce: pi, owner });
    }
  }
  const storage: HandedStorage[] = [];
  const fs = s.batteries.feeder_storage;
  if (fs !== undefined) {
    const known = byName('storage');
    if (fs === 'all' && known.size === 0) throw new ScenarioError(file, 'batteries.feeder_storage', 'the feeder has no enabled Storage to hand over');
    const names = fs === 'all' ? [...known.keys()].map((n) => [n, 'batteries.feeder_storage'] as const) : fs.map((n, k) => [n, `batteries.feeder_storage[${k}]`] as const);
    const seen = new Set<number>();
    for (const [name, field] of names) {
      const pi = lookup('storage', known, name, field);
      if (seen.has(pi)) throw new ScenarioError(file, field, `Storage '${excerpt(name)}' is named twice`);
      seen.add(pi);
      const st = network.pces[pi] as StoragePce;
      if (!(st.state.kWhRated > 0) || !(st.state.kWrated > 0)) throw new ScenarioError(file, field, `Storage '${excerpt(name)}' has no capacity (kWhrated ${st.state.kWhRated}, kWrated ${st.state.kWrated})`);
      // its inverter would refuse a dispatch below cut-in (OpenDSS idles it), which the market cannot know
      if (st.state.pctCutin > 0 || st.state.pctCutout > 0) throw new ScenarioError(file, field, `Storage '${excerpt(name)}' has %cutin ${st.state.pctCutin} / %cutout ${st.state.pctCutout}: its inverter would idle at dispatches below them; set both to 0 to hand it to the market`);
      const params = storageParams(st, s.batteries.unit.a);
      const soc = Math.min(1, Math.max(params.socMin, initialKwh(st.state) / st.state.kWhRated));
      storage.push({ name: shortName(st.name), pce: pi, id: `st-${shortName(st.name)}`, bus: network.buses[st.terminal.bus].name, params, soc });
    }
  }
  return { pv, storage };
}

/** Elements under an enabled InvControl: element name → control name (an empty DERList means every PVSystem and Storage). */
function invControlled(network: Network): Map<string, string> {
  const out = new Map<string, string>();
  const defs = network.circuit.objects.get('invcontrol');
  if (!defs) return out;
  for (const d of defs.values() as Iterable<{ name: string; enabled: boolean; derList: string[] }>) {
    if (!d.enabled) continue;
    const list = d.derList.length > 0 ? d.derList : network.pces.filter((p) => p.kind !== 'generator').map((p) => p.name);
    for (const n of list) if (!out.has(n)) out.set(n, d.name);
  }
  return out;
}

/** Sub-step start times (s) of a period, as the grid operator solves them. */
export function subStepTimes(p: Period, subStepS: number): number[] {
  const out: number[] = [];
  for (let t = p.startS; t < p.endS - 1e-9; t += subStepS) out.push(t);
  return out;
}

/**
 * Unconstrained output (kW, generation positive) of feeder PVSystems at every sub-step of the horizon,
 * by the grid model's own `pvSystemPower` in daily mode, the inverter's on/off state carried from
 * step to step from its initial on, as the grid operator's power flow carries it.
 */
export function pvElementOutput(network: Network, pces: readonly number[], periods: readonly Period[], subStepS: number): Float64Array[] {
  return periods.length === 0 ? [] : pces.map((pi) => {
    const pce = network.pces[pi] as PvSystemPce;
    let on = true;
    const out: number[] = [];
    for (const p of periods) {
      for (const t of subStepTimes(p, subStepS)) {
        const r = pvSystemPower(pce, t / 3600, 'daily', on);
        on = r.on;
        out.push(r.kW);
      }
    }
    return Float64Array.from(out);
  });
}
