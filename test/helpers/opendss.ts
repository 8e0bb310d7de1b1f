/**
 * The OpenDSS oracle (`$LEMSIM_SHARED/tools/opendss/dssrun.py`, AltDSS through ctypes) from tests:
 * solve a circuit in daily mode at given minutes and read every load's P and Q (and every node's
 * voltage) at full double precision through the engine's element API. The tool is used beside the
 * project, never copied into it. Availability needs python3, the built engine and Debian's KLU
 * runtime (`libklu1`, …); `describeWithOpenDss` skips with the reason when any is missing and fails
 * instead under LEMSIM_REQUIRE_SHARED=1.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { sharedPath } from '../../src/shared-data.js';

const TOOL_DIR = sharedPath('tools', 'opendss');

let probed: string | null | undefined;

/** Why the oracle cannot run here, or null when it can. */
export function openDssMissing(): string | null {
  if (probed !== undefined) return probed;
  if (!existsSync(`${TOOL_DIR}/dssrun.py`)) probed = `OpenDSS oracle missing: ${TOOL_DIR}/dssrun.py (set LEMSIM_SHARED)`;
  else {
    try {
      execFileSync('python3', ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(TOOL_DIR)}); import dssrun; dssrun.DSS(${JSON.stringify(`${TOOL_DIR}/lib`)})`], { stdio: 'pipe' });
      probed = null;
    } catch (err) {
      const msg = String((err as { stderr?: Buffer }).stderr ?? err).trim().split('\n').pop();
      probed = `OpenDSS oracle does not start (${msg}); it needs python3 and libklu1 libmetis5 libamd2 libcolamd2 libbtf1 libsuitesparseconfig5`;
    }
  }
  return probed;
}

/** `describe` that runs only where the OpenDSS oracle starts. */
export function describeWithOpenDss(name: string, body: () => void): void {
  const missing = openDssMissing();
  if (missing === null) describe(name, body);
  else if (process.env.LEMSIM_REQUIRE_SHARED === '1') describe(name, () => it('has the OpenDSS oracle', () => {
    throw new Error(`${missing}; LEMSIM_REQUIRE_SHARED=1 forbids skipping`);
  }));
  else describe.skip(`${name} [skipped: ${missing}]`, body);
}

export interface OpenDssStep {
  readonly minute: number;
  /** load name (lower case, without `load.`) → P, Q drawn at its first terminal, kW and kvar */
  readonly loads: Record<string, { pKw: number; qKvar: number }>;
  /** `bus.node` → voltage magnitude, V */
  readonly volts: Record<string, number>;
}

const SCRIPT = `
import sys, json, ctypes
sys.path.insert(0, sys.argv[1])
import dssrun
d = dssrun.DSS(sys.argv[1] + '/lib')
d.cmd('compile "' + sys.argv[2] + '"')
d.cmd('set tolerance=1e-10')
L = d.L
out = []
for m in json.loads(sys.argv[3]):
    # daily mode advances the clock by one step before solving: this solves at t = m*60 s
    d.cmd('set mode=daily stepsize=1m number=1 hour=0 sec=%d' % ((m - 1) * 60))
    d.cmd('solve')
    loads = {}
    for name in d._str(L.Loads_Get_AllNames):
        d.cmd('select load.' + name)
        pw = d._dbl(L.CktElement_Get_Powers)
        n = L.CktElement_Get_NumConductors()
        loads[name.lower()] = {'pKw': sum(pw[0:2 * n:2]), 'qKvar': sum(pw[1:2 * n:2])}
    volts = {}
    for name, nodes, kv in d.buses():
        for node, re, im in nodes:
            volts['%s.%d' % (name.lower(), node)] = (re * re + im * im) ** 0.5
    out.append({'minute': m, 'loads': loads, 'volts': volts})
print(json.dumps(out))
`;

/** Solves `file` in daily mode at each minute (t = minute·60 s) and returns loads' P, Q and node voltages. */
export function openDssDaily(file: string, minutes: readonly number[]): OpenDssStep[] {
  const text = execFileSync('python3', ['-c', SCRIPT, TOOL_DIR, file, JSON.stringify(minutes)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(text) as OpenDssStep[];
}
