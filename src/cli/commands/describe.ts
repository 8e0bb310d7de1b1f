/**
 * `lemsim describe <file.dss> [--json]`: what lemsim loaded from a feeder — objects per class,
 * voltage levels, phases per bus, total base load, and every property or command it accepted but
 * ignored (with file:line). A user's first check on a feeder of their own.
 */
import type { Command } from 'commander';
import { relative } from 'node:path';
import { type ControlsDescription, describeControls } from '../../../grid/controls/static-control.js';
import { loadDssCircuit } from '../../../grid/dss/interpreter.js';
import { voltageBases } from '../../../grid/feeder.js';
import { buildNetwork } from '../../../grid/model/network.js';
import { compile } from '../../../grid/powerflow/compile.js';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';

export interface FeederDescription {
  file: string;
  circuit: string;
  base_frequency_hz: number;
  objects: Record<string, number>;
  buses: number;
  nodes: number;
  voltage_levels: { kv_ll: number; kv_ln: number; buses: number; source: 'voltagebases' | 'no-load voltage' }[];
  buses_by_phase_nodes: Record<string, number>;
  total_load_kw: number;
  total_load_kvar: number;
  loads: number;
  load_models: Record<string, number>;
  series_chains_folded: number;
  jumpers_merged: number;
  ignored: { what: string; at: string }[];
  /** regulator and capacitor controls as the script sets them (solved in OpenDSS's static mode) */
  controls: ControlsDescription;
  /** accepted objects that change the physics and are not applied by lemsim (yet) */
  not_applied: { what: string; at: string }[];
}

/** Describes a feeder file (throws DssError/LemsimError for bad input). */
export function describeFeeder(file: string): FeederDescription {
  const circuit = loadDssCircuit(file);
  const network = buildNetwork(circuit);
  const model = compile(network);
  const bases = voltageBases(network, model);
  const objects: Record<string, number> = {};
  for (const [cls, objs] of circuit.objects) objects[cls] = objs.size;

  // voltage levels: the bus bases where known, else the no-load line-to-neutral voltage (3 digits)
  const levels = new Map<string, { kvLn: number; buses: number; source: 'voltagebases' | 'no-load voltage' }>();
  network.buses.forEach((_bus, b) => {
    const nodes = model.busNodes[b];
    let kvLn = bases[b];
    let source: 'voltagebases' | 'no-load voltage' = 'voltagebases';
    if (kvLn === undefined) {
      let mx = 0;
      for (const k of nodes) mx = Math.max(mx, Math.hypot(model.v0Re[k], model.v0Im[k]));
      kvLn = Number((mx / 1000).toPrecision(3));
      source = 'no-load voltage';
    }
    const key = `${source}:${kvLn}`;
    const l = levels.get(key) ?? { kvLn, buses: 0, source };
    l.buses++;
    levels.set(key, l);
  });
  const phaseCounts: Record<string, number> = {};
  model.busNodes.forEach((nodes) => {
    const phases = [...nodes].filter((k) => model.nodeNumber[k] >= 1 && model.nodeNumber[k] <= 3).length;
    const key = `${phases}`;
    phaseCounts[key] = (phaseCounts[key] ?? 0) + 1;
  });
  const loadModels: Record<string, number> = {};
  let kw = 0;
  let kvar = 0;
  for (const l of network.loads) {
    kw += l.kW;
    kvar += l.kvar;
    loadModels[`model ${l.model}`] = (loadModels[`model ${l.model}`] ?? 0) + 1;
  }
  const round = (x: number, d: number) => Number(x.toFixed(d));
  return {
    file,
    circuit: network.name,
    base_frequency_hz: network.baseFrequencyHz,
    objects,
    buses: network.buses.length,
    nodes: model.nNodes,
    voltage_levels: [...levels.values()]
      .sort((a, b) => b.kvLn - a.kvLn)
      .map((l) => ({ kv_ll: round(l.kvLn * Math.sqrt(3), 4), kv_ln: round(l.kvLn, 4), buses: l.buses, source: l.source })),
    buses_by_phase_nodes: phaseCounts,
    total_load_kw: round(kw, 6),
    total_load_kvar: round(kvar, 6),
    loads: network.loads.length,
    load_models: loadModels,
    series_chains_folded: model.chains.count,
    jumpers_merged: model.jumpers.reduce((a, b) => a + b, 0),
    ignored: network.ignored.map(located),
    not_applied: network.notApplied.map(located),
    controls: describeControls(circuit),
  };
}

/** An input item with its file:line relative to the working directory. */
export function located(i: { what: string; loc: { file: string; line: number } }): { what: string; at: string } {
  return { what: i.what, at: `${relative(process.cwd(), i.loc.file) || i.loc.file}:${i.loc.line}` };
}

/** Warns on stderr about every accepted object that changes the physics and is not applied. */
export function warnNotApplied(io: CliIo, items: readonly { what: string; loc: { file: string; line: number } }[]): void {
  if (items.length === 0) return;
  const shown = items.slice(0, 10).map((i) => `  ${located(i).at}: ${i.what}`);
  io.err(`warning: ${items.length} object(s) that change the power flow are NOT applied by lemsim:\n${shown.join('\n')}${items.length > 10 ? `\n  … (${items.length - 10} more; lemsim describe lists them)` : ''}\n`);
}

function text(d: FeederDescription): string {
  const lines: string[] = [];
  lines.push(`${d.file}: circuit '${d.circuit}', ${d.base_frequency_hz} Hz`);
  lines.push(`  ${d.buses} buses, ${d.nodes} nodes`);
  lines.push('  objects:');
  for (const [cls, n] of Object.entries(d.objects).sort()) lines.push(`    ${cls.padEnd(14)} ${n}`);
  lines.push('  voltage levels:');
  for (const l of d.voltage_levels) lines.push(`    ${String(l.kv_ll).padStart(9)} kV LL (${l.kv_ln} kV LN)  ${l.buses} buses  [${l.source}]`);
  lines.push('  buses by number of phase nodes (1–3):');
  for (const [k, n] of Object.entries(d.buses_by_phase_nodes).sort()) lines.push(`    ${k}: ${n}`);
  lines.push(`  loads: ${d.loads} (${Object.entries(d.load_models).map(([k, n]) => `${k}: ${n}`).join(', ')}), base total ${d.total_load_kw} kW, ${d.total_load_kvar} kvar`);
  lines.push(`  solver: ${d.series_chains_folded} series chains folded, ${d.jumpers_merged} jumpers merged`);
  const { regcontrols, capcontrols } = d.controls;
  lines.push(`  controls (OpenDSS static mode): ${regcontrols.length} RegControl, ${capcontrols.length} CapControl`);
  for (const r of regcontrols) {
    lines.push(`    RegControl.${r.name}: Transformer.${r.transformer} winding ${r.winding}, vreg ${r.vreg} V ± ${r.band / 2} on PT ${r.ptratio}, LDC R ${r.r} X ${r.x} V at CT ${r.ctprim} A, delay ${r.delay_s} s, tap ${r.tap} in [${r.tap_range?.join(', ')}]${r.enabled ? '' : ' (disabled)'}`);
  }
  for (const c of capcontrols) {
    lines.push(`    CapControl.${c.name}: Capacitor.${c.capacitor} by ${c.type} at ${c.element}, on ${c.on} off ${c.off}, delays ${c.delay_s}/${c.delayoff_s} s${c.enabled ? '' : ' (disabled)'}`);
  }
  lines.push(`  ignored (accepted, no effect on the power flow): ${d.ignored.length}`);
  for (const i of d.ignored) lines.push(`    ${i.what}  (first at ${i.at})`);
  if (d.not_applied.length > 0) {
    lines.push(`  NOT APPLIED (changes the power flow; lemsim does not model it yet): ${d.not_applied.length}`);
    for (const i of d.not_applied) lines.push(`    ${i.what}  (at ${i.at})`);
  }
  return `${lines.join('\n')}\n`;
}

export const describeCommand: CliCommand = {
  register(program: Command, io: CliIo) {
    program
      .command('describe')
      .description('print what was loaded from an OpenDSS feeder: classes, voltage levels, phases, load, ignored input')
      .argument('<file.dss>', 'OpenDSS entry script')
      .option('--json', 'print JSON instead of text')
      .action((file: string, opts: { json?: boolean }) => {
        const d = describeFeeder(file);
        io.out(opts.json ? `${JSON.stringify(d, null, 2)}\n` : text(d));
      });
  },
};
