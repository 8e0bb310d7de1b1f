/**
 * Gathers the ReportData of a finished run from the simulation, its recorder and the iteration
 * summaries: the tables of the papers (energy balance, voltage statistics, violations and welfare
 * per battery configuration), per-period clearing outcomes, the merit order of the middle period,
 * load-node voltages of the last iteration and the feeder map with violation counts.
 */
import type { RunRecorder } from '../io/run-results.js';
import type { IterationSummary, Simulation } from '../sim/simulation.js';
import type { ReportData, ReportTable } from './report-data.js';
import type { Network } from '../../grid/model/network.js';
import { electricalDistanceFromSource } from './distance.js';
import { welfareElastic } from '../io/run-results.js';

/** Each bus's distance from the sources in branches (breadth-first over lines and transformers); -1 where none reaches. */
export function hopsFromSource(net: Network): Int32Array {
  const hops = new Int32Array(net.buses.length).fill(-1);
  const adjacent: number[][] = net.buses.map(() => []);
  for (const br of net.branches) {
    const ends = [...new Set(br.terminals.map((t) => t.bus))];
    for (const a of ends) for (const b of ends) if (a !== b) adjacent[a].push(b);
  }
  const queue: number[] = [];
  for (const s of net.sources) {
    const b = s.terminals[0].bus;
    if (hops[b] < 0) {
      hops[b] = 0;
      queue.push(b);
    }
  }
  for (let head = 0; head < queue.length; head++) {
    const a = queue[head];
    for (const b of adjacent[a]) {
      if (hops[b] < 0) {
        hops[b] = hops[a] + 1;
        queue.push(b);
      }
    }
  }
  return hops;
}

export function collectReportData(sim: Simulation, rec: RunRecorder, summaries: readonly IterationSummary[]): ReportData {
  const s = sim.scenario;
  const last = summaries[summaries.length - 1];
  const lastIt = last.iteration;
  const e = last.energyBalanceKwh;
  const ep = last.energyBalanceKwPeriods;
  const v = last.voltage;
  const tables: ReportTable[] = [
    {
      id: 'energy_balance',
      title: "Energy balance over the horizon, kWh and in seed 004's Table 2 unit (kW summed over the market periods)",
      columns: ['item', 'kwh', 'kw_periods'],
      rows: (['consumption', 'production', 'self_consumption', 'local_trading', 'import', 'export'] as const).map((k) => [k, e[k], ep[k]]),
    },
    {
      id: 'voltage',
      title: `Voltage over every sub-step, bus and phase node, deviations from ${s.limits.nominal_v_pu} pu (seed 004, Tables 3–4)`,
      columns: ['statistic', 'value'],
      rows: [
        ['average_pu', v.average_pu ?? 'not measured'],
        ['difference_from_nominal_pct', v.difference_from_nominal_pct ?? 'not measured'],
        ['mae_all_pct', v.mae_all_pct ?? 'not measured'],
        ['mae_positive_pct', v.mae_positive_pct ?? 'not measured'],
        ['mae_negative_pct', v.mae_negative_pct ?? 'not measured'],
      ],
    },
    {
      id: 'iterations',
      title:
        'Violations and social welfare per battery configuration (seed 000, Tables II, IV, V). welfare_elastic_eur is the welfare of every participant but the price-taking demand; ' +
        "that demand's payment and energy are apart; welfare_eur, the market's objective, also counts it at its cap price (passive_demand_cap_value_eur), a bidding device rather than a value",
      columns: ['iteration', 'welfare_eur', 'violations', 'violating_buses', 'battery_sites', 'battery_units', 'decision', 'violation_episodes', 'configuration', 'worst_voltage_deviation_pu', 'welfare_elastic_eur', 'passive_demand_kwh', 'passive_demand_payment_eur', 'passive_demand_cap_value_eur'],
      rows: summaries.map((it) => [
        it.iteration, it.welfareEur, it.violations, it.violatingBuses.length, it.batteries.length, it.batteries.reduce((a, b) => a + b.units, 0), it.decision ?? '', it.violationCounts.violation_episodes, it.configuration, it.violationCounts.deviation.voltage_pu.max,
        welfareElastic(it), it.passiveDemand.kwh, it.passiveDemand.paymentEur, it.passiveDemand.capValueEur,
      ]),
    },
  ];
  // traded locally = production not exported (self-consumption included, as in seed 004's Figure 5)
  const periods = rec.periodRows.map((p) => ({ ...p, tradedKw: Math.max(0, p.productionKw - p.exportKw) }));
  // bus voltages of the last iteration (mean of each bus's phase nodes), bus × time
  const net = sim.base.network;
  const hops = hopsFromSource(net);
  const distance = electricalDistanceFromSource(net, sim.baseKvLn);
  const voltages: ReportData['voltages'] = { buses: sim.world.voltageBuses.map((b) => ({ name: b.name, hops: hops[b.index], distancePu: distance[b.index] })), steps: rec.busVoltages };
  const byEl = rec.violationsByElement.get(lastIt) ?? new Map<string, number>();
  const buses = net.buses
    .filter((b) => sim.busCoords.has(b.name))
    .map((b) => ({ name: b.name, x: sim.busCoords.get(b.name)!.x, y: sim.busCoords.get(b.name)!.y, violations: byEl.get(`bus.${b.name}`) ?? 0 }));
  const withCoords = new Set(buses.map((b) => b.name));
  const lines = net.branches
    .filter((br) => br.kind === 'line')
    .map((br) => ({ from: net.buses[br.terminals[0].bus].name, to: net.buses[br.terminals[1].bus].name, violations: byEl.get(br.name) ?? 0 }))
    .filter((l) => withCoords.has(l.from) && withCoords.has(l.to));
  return {
    title: `lemsim — ${s.name}`,
    subtitle: `${s.market.mechanism} market, ${s.market.period_min}-minute periods ${s.horizon.from}–${s.horizon.to}, power flow every ${s.power_flow.step_s} s, ${summaries.length} iteration(s), seed ${s.seed}`,
    tables,
    // the welfare the report draws leaves price-taking demand's value at its cap out (issue 14)
    iterations: summaries.map((it) => ({ iteration: it.iteration, welfareEur: welfareElastic(it), violations: it.violations, batteryUnits: it.batteries.reduce((a, b) => a + b.units, 0), passiveDemandPaymentEur: it.passiveDemand.paymentEur })),
    periods,
    meritOrders: rec.meritOrders.views(),
    voltages,
    map: { buses, lines },
    limits: { vMinPu: s.limits.v_min_pu, vMaxPu: s.limits.v_max_pu, nominalVPu: s.limits.nominal_v_pu },
  };
}
