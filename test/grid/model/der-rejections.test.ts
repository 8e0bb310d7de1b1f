/**
 * What the power conversion elements and InvControl still do not model is refused with the file and
 * line of the statement and a reason (issue 12: nothing that changes the physics is ignored).
 */
import { expect, it } from 'vitest';
import { DssError } from '../../../src/errors.js';
import { ControlledPowerFlow } from '../../../grid/controls/static-control.js';
import { feederFromText } from '../../helpers/dss.js';

const circuit = (elements: string) => `Clear
New Circuit.r basekv=12.47 bus1=src
New Line.l bus1=src bus2=c phases=3 r1=0.3 x1=0.6 length=1 units=km
New XYCurve.c npts=3 Xarray=[0 0.5 1] Yarray=[1 1 0.9]
${elements}
`;

function refusal(elements: string): DssError {
  try {
    // the controls are built with the controlled solve (where a DERList is resolved)
    new ControlledPowerFlow(feederFromText(circuit(elements)));
  } catch (e) {
    if (e instanceof DssError) return e;
    throw e;
  }
  throw new Error('accepted');
}

const cases: [string, string, RegExp, number | undefined][] = [
  ['generator model 6 (user-written DLL)', 'New Generator.g bus1=c kV=12.47 kW=100 model=6', /user-written model/, 5],
  ['generator model 8', 'New Generator.g bus1=c kV=12.47 kW=100 model=8', /expected a generator model 1–7/, 5],
  ['PVSystem model 3 (user-written DLL)', 'New PVSystem.p bus1=c kV=12.47 kVA=100 Pmpp=100 model=3', /user-written model/, 5],
  ['Storage model 3 (user-written DLL)', 'New Storage.s bus1=c kV=12.47 kWrated=100 model=3', /user-written model/, 5],
  ['InvControl DRC', 'New InvControl.i Mode=DynamicReaccurr', /rolling average/, 5],
  ['InvControl AVR', 'New InvControl.i Mode=AVR', /active voltage regulation/, 5],
  ['InvControl hysteresis', 'New InvControl.i Mode=VOLTVAR vvc_curve1=c hysteresis_offset=-0.02', /hysteresis/, 5],
  ['InvControl rate-of-change mode misspelt', 'New InvControl.i Mode=VOLTVAR vvc_curve1=c RateofChangeMode=fast', /expected INACTIVE, LPF or RISEFALL/, 5],
  ['InvControl voltage over its rolling average', 'New InvControl.i Mode=VOLTVAR vvc_curve1=c voltage_curvex_ref=avg', /does not settle/, 5],
  ['InvControl window length that is no time', 'New InvControl.i Mode=VOLTVAR vvc_curve1=c avgwindowlen=soon', /expected a time/, 5],
  ['monBus without a node', 'New InvControl.i Mode=VOLTVAR vvc_curve1=c monBus=[c] MonBusesVbase=[7200]', /must name one node/, 5],
  ['monBus without its voltage base', 'New InvControl.i Mode=VOLTVAR vvc_curve1=c monBus=[c.1]', /MonBusesVbase/, 5],
];

for (const [what, el, message, line] of cases) {
  it(`refuses ${what} at its line`, () => {
    const e = refusal(el);
    expect(e.message).toMatch(message);
    if (line !== undefined) expect(e.location?.line).toBe(line);
  });
}

it('refuses a Storage efficiency curve that falls (OpenDSS takes a root off the curve there)', () => {
  const e = refusal('New XYCurve.f npts=3 Xarray=[0.1 0.5 1] Yarray=[0.9 0.97 0.95]\nNew Storage.s bus1=c kV=12.47 kWrated=100 EffCurve=f');
  expect(e.message).toMatch(/must not decrease/);
});

it('refuses watt-pf on a Storage (OpenDSS reads its available power as 0)', () => {
  const e = refusal('New XYCurve.w npts=2 Xarray=[0 1] Yarray=[1 0.9]\nNew Storage.s bus1=c kV=12.47 kWrated=100\nNew InvControl.i DERList=[Storage.s] Mode=WATTPF wattpf_curve=w');
  expect(e.message).toMatch(/PVSystem only/);
});
