/**
 * Executes parsed OpenDSS statements into a circuit definition: the objects of every supported class
 * with their properties applied in script order, the `Set` options, voltage bases, bus coordinates,
 * and the list of everything that was accepted but has no effect on the power flow (reported once
 * each, for `lemsim describe`). Unknown classes, unknown properties of known classes and malformed
 * values are DssErrors naming file:line.
 */
import { DssError, type DssLocation, excerpt } from '../errors.js';
import { lineCodeClass } from '../model/elements/linecode.js';
import { lineClass } from '../model/elements/line.js';
import { loadClass } from '../model/elements/load.js';
import { loadShapeClass } from '../model/elements/loadshape.js';
import { transformerClass } from '../model/elements/transformer.js';
import { vsourceClass } from '../model/elements/vsource.js';
import { generatorClass } from '../model/elements/generator.js';
import { pvSystemClass } from '../model/elements/pvsystem.js';
import { storageClass } from '../model/elements/storage.js';
import { tShapeClass } from '../model/elements/tshape.js';
import { xyCurveClass } from '../model/elements/xycurve.js';
import { capacitorClass } from '../model/elements/capacitor.js';
import { reactorClass } from '../model/elements/reactor.js';
import { xfmrCodeClass } from '../model/elements/xfmrcode.js';
import { cnDataClass, lineGeometryClass, lineSpacingClass, tsDataClass, wireDataClass } from '../model/elements/conductors.js';
import { capControlClass } from '../controls/capcontrol.js';
import { regControlClass } from '../controls/regcontrol.js';
import { invControlClass } from '../controls/invcontrol.js';
import { type DssClass, type SetContext, findProperty } from './object-class.js';
import { type DssFileSystem, type DssStatement, nodeFileSystem, resolveScriptPath, streamDssFile } from './parser.js';
import { parseInteger, parseNumber, parseNumberArray } from './values.js';
import { type DssToken, stripComment } from './lexer.js';

// biome-ignore lint: the registry holds classes of different state types
type AnyClass = DssClass<any>;

/** Classes lemsim models, one line each (names are OpenDSS's, lower case; order is irrelevant). */
const CLASSES: readonly AnyClass[] = [
  vsourceClass,
  lineCodeClass,
  lineClass,
  transformerClass,
  loadClass,
  loadShapeClass,
  wireDataClass,
  cnDataClass,
  tsDataClass,
  lineSpacingClass,
  lineGeometryClass,
  generatorClass,
  pvSystemClass,
  storageClass,
  xyCurveClass,
  tShapeClass,
  regControlClass,
  capControlClass,
  invControlClass,
  capacitorClass,
  reactorClass,
  xfmrCodeClass,
];

/**
 * Classes accepted with every property and ignored, because they do not take part in a power flow:
 * they observe, meter, protect (acting only in fault or dynamic studies) or describe harmonics.
 */
const IGNORED_CLASSES: Readonly<Record<string, string>> = {
  monitor: 'observes only',
  energymeter: 'observes only',
  sensor: 'observes only',
  fmonitor: 'observes only',
  tcc_curve: 'protection curve',
  fuse: 'protection: acts only in fault and dynamic studies',
  recloser: 'protection: acts only in fault and dynamic studies',
  relay: 'protection: acts only in fault and dynamic studies',
  spectrum: 'harmonics data',
  fault: 'fault studies are not modelled',
  priceshape: 'a price shape used by other objects',
  growthshape: 'load growth over years (not modelled)',
};

/**
 * Classes that change the power flow and that lemsim accepts but does not apply yet, one line
 * each: their objects are kept and every one is reported as not applied (never silently). A class
 * that gets modelled moves from here to CLASSES.
 */
const NOT_YET_APPLIED: Readonly<Record<string, string>> = {
  storagecontroller: 'storage controller not applied',
  swtcontrol: 'switch control not applied: switches stay in their written states',
  vccs: 'VCCS not applied: its current is missing from the power flow',
  isource: 'current source not applied: its current is missing from the power flow',
};

/** Commands that only solve, display, plot, meter or export: accepted and reported as ignored. */
const IGNORED_COMMANDS = new Set([
  'show', 'plot', 'export', 'closedi', 'sample', 'reset', 'visualize', 'summary', 'totals', 'help',
  'interpolate', 'makebuslist', 'cleanup', 'fileedit', 'dump', 'save', 'var', 'uuids', 'formedit', 'calcincmatrix',
  'calcincmatrix_o', 'buildy', 'get', 'init', 'voltages', 'currents', 'powers', 'seqvoltages', 'seqcurrents',
  'seqpowers', 'losses', 'phaselosses', 'cktlosses', 'capacity', 'classes', 'userclasses', 'zsc', 'zsc10',
  'zscrefresh', 'ysc', 'puvoltages', 'varvalues', 'varnames', 'about', '?', 'next', 'panel', 'vdiff', 'di_plot',
  'comparecases', 'yearlycurves', 'cd', 'addbusmarker', 'clearbusmarkers', 'nodelist', 'nodediff',
  'refine_buslevels', 'calclaplacian', 'relcalc', 'top', 'alignfile', 'rotate', 'reprocessbuses', 'finishtimestep',
  'pstcalc', '_showcontrolqueue', 'quit', 'doscmd', 'obfuscate', 'setbusxy',
]);

export interface IgnoredItem {
  readonly what: string;
  readonly loc: DssLocation;
}

/** An `Open`/`Close` of one conductor (0 = all) of one terminal (1-based), in script order. */
export interface SwitchAction {
  /** lower-case `class.name` */
  readonly element: string;
  readonly terminal: number;
  readonly conductor: number;
  readonly open: boolean;
  readonly loc: DssLocation;
}

/** What a script defined. Object maps keep creation order; names are lower case. */
export interface DssCircuit {
  readonly file: string;
  name: string;
  baseFrequencyHz: number;
  voltageBasesKv: number[];
  calcVoltageBases: boolean;
  readonly busKvBaseLn: Map<string, number>;
  readonly busCoords: Map<string, { x: number; y: number }>;
  // biome-ignore lint: states of different classes
  readonly objects: Map<string, Map<string, any>>;
  readonly options: Map<string, string>;
  /** `Set loadmult=`: multiplies every load but fixed ones (and exempt ones outside yearly mode) */
  loadMult: number;
  /** accepted, no effect on the power flow (reported once per kind) */
  readonly ignored: IgnoredItem[];
  /** `Solve` commands the script runs (OpenDSS solves, controls included, each time; see grid/controls) */
  solveCount: number;
  /** accepted, changes the physics, not applied by lemsim (one entry per object or command) */
  readonly notApplied: IgnoredItem[];
  readonly switches: SwitchAction[];
  /** where each object was defined (its `New`), by lower-case `class.name` */
  readonly definedAt: Map<string, DssLocation>;
  /** where `New Circuit` was written; undefined when the script has none */
  circuitAt: DssLocation | undefined;
}

/** Classes of circuit elements: OpenDSS refuses them before `New Circuit` ("no active circuit"). */
const CIRCUIT_ELEMENTS = new Set(['vsource', 'line', 'transformer', 'load']);

const opaqueClasses = new Map<string, AnyClass>();

/** The class lemsim models under an OpenDSS class name (lower case), if any. */
export function modelledClass(name: string): AnyClass | undefined {
  return CLASSES.find((c) => c.name === name);
}

/** A class lemsim models, or an opaque holder for an ignored or not-yet-applied class. */
function findClass(name: string): AnyClass | undefined {
  const lower = name.toLowerCase();
  const cls = CLASSES.find((c) => c.name === lower);
  if (cls || !(lower in IGNORED_CLASSES || lower in NOT_YET_APPLIED)) return cls;
  let opaque = opaqueClasses.get(lower);
  if (!opaque) {
    opaque = opaqueClass(lower);
    opaqueClasses.set(lower, opaque);
  }
  return opaque;
}

/** Keeps every property as written (so `~`, `like=`, Edit and BatchEdit work on these objects). */
export interface OpaqueState {
  readonly name: string;
  readonly props: Map<string, string>;
  enabled: boolean;
}

function opaqueClass(name: string): DssClass<OpaqueState> {
  return {
    name,
    properties: [],
    create: (objName) => ({ name: objName, props: new Map(), enabled: true }),
    acceptAny: (s, prop, value) => {
      if (prop.toLowerCase() === 'enabled') s.enabled = !/^(n|f)/i.test(value.trim());
      s.props.set(prop.toLowerCase(), value);
    },
  };
}

/**
 * Reads a script file and everything it redirects to into a circuit definition. Each statement is
 * executed as it is read, so the tokens of a 1 MB feeder never all live at once (they would survive
 * the young-generation collections and be copied; on IEEE 8500 that was a fifth of the load time).
 */
export function loadDssCircuit(path: string, fs: DssFileSystem = nodeFileSystem): DssCircuit {
  const run = interpreter(path, fs);
  streamDssFile(path, run.execute, fs);
  return run.circuit();
}

/** Executes statements (from `parseDssFile`/`parseDssText`). */
export function interpret(statements: readonly DssStatement[], file: string, fs: DssFileSystem = nodeFileSystem): DssCircuit {
  const run = interpreter(file, fs);
  for (const st of statements) run.execute(st);
  return run.circuit();
}

/** The statement executor: `execute` one statement after another, then take the `circuit`. */
function interpreter(file: string, fs: DssFileSystem): { execute: (st: DssStatement) => void; circuit: () => DssCircuit } {
  let circuit = emptyCircuit(file);
  const ignoredSeen = new Set<string>();
  let last: { cls: AnyClass; state: unknown } | undefined;

  const ignore = (what: string, loc: DssLocation): void => {
    const key = what.toLowerCase();
    if (ignoredSeen.has(key)) return;
    ignoredSeen.add(key);
    circuit.ignored.push({ what, loc });
  };
  const notAppliedSeen = new Set<string>();
  const notApplied = (what: string, loc: DssLocation): void => {
    const key = what.toLowerCase();
    if (notAppliedSeen.has(key)) return;
    notAppliedSeen.add(key);
    circuit.notApplied.push({ what, loc });
  };

  // one context for every property written (≈50,000 on IEEE 8500), its fields set before each
  // setter runs: setters read it while they run and keep none of it but `loc`
  const find = <T>(cls: string, name: string) => circuit.objects.get(cls)?.get(name.toLowerCase()) as T | undefined;
  const ignoredAt = (what: string, loc: DssLocation): void => ignore(`${last ? last.cls.name : ''}.${what}`, loc);
  const notAppliedAt = (what: string, loc: DssLocation): void => {
    const obj = last ? `${last.cls.name}.${(last.state as { name?: string }).name ?? ''}` : '';
    notApplied(`${obj} ${what}`, loc);
  };
  class StatementContext implements SetContext {
    loc: DssLocation = { file, line: 0 };
    prop = '';
    dir = '';
    baseFrequencyHz = 60;
    get fs(): DssFileSystem {
      return fs;
    }
    find<T>(cls: string, name: string): T | undefined {
      return find<T>(cls, name);
    }
    ignored(what: string): void {
      ignoredAt(what, this.loc);
    }
    notApplied(what: string): void {
      notAppliedAt(what, this.loc);
    }
  }
  const shared = new StatementContext();
  const context = (st: DssStatement, prop: string): SetContext => {
    shared.loc = st.loc;
    shared.prop = prop;
    shared.dir = st.dir;
    shared.baseFrequencyHz = circuit.baseFrequencyHz;
    return shared;
  };

  // args from index `from` (a New/Edit's first token names the object): no rest array per statement
  const apply = (cls: AnyClass, state: unknown, args: readonly DssToken[], st: DssStatement, from = 0): void => {
    let positional = 0;
    let lastProp = -1;
    for (let t = from; t < args.length; t++) {
      const tok = args[t];
      let prop;
      if (cls.acceptAny && (tok.name === undefined || tok.name.toLowerCase() !== 'like')) {
        cls.acceptAny(state, tok.name ?? `#${positional++}`, tok.value, context(st, tok.name ?? ''));
        continue;
      }
      if (tok.name === undefined) {
        // OpenDSS: a value without a name goes to the property after the last one written
        const index = lastProp >= 0 ? lastProp + 1 : positional;
        prop = cls.properties[index];
        if (!prop) throw new DssError(st.loc, `${cls.name}: unexpected value '${tok.value}' (no property in that position)`);
        positional = index + 1;
      } else if (tok.name.toLowerCase() === 'like') {
        const other = circuit.objects.get(cls.name)?.get(tok.value.toLowerCase());
        if (!other) throw new DssError(st.loc, `like: ${cls.name} '${tok.value}' is not defined`);
        const name = (state as { name: string }).name;
        Object.assign(state as object, structuredClone(other), { name });
        continue;
      } else {
        prop = findProperty(cls, tok.name);
        if (!prop) throw new DssError(st.loc, `unknown property '${tok.name}' of class ${cls.name}`);
      }
      lastProp = cls.properties.indexOf(prop);
      prop.set(state, tok.value, context(st, prop.name));
    }
    cls.finish?.(state, context(st, ''));
  };

  const execute = (st: DssStatement): void => {
    switch (st.verb) {
      case 'clear':
      case 'clearall':
        circuit = emptyCircuit(file, circuit.baseFrequencyHz);
        notAppliedSeen.clear();
        last = undefined;
        break;
      case 'new':
      case 'edit': {
        const target = st.args[0];
        if (!target) throw new DssError(st.loc, `${st.verb} needs Class.name`);
        const ref = target.name?.toLowerCase() === 'object' ? target.value : target.name === undefined ? target.value : undefined;
        if (!ref) throw new DssError(st.loc, `${st.verb}: expected Class.name, got '${target.name}=${target.value}'`);
        const dot = ref.indexOf('.');
        if (dot <= 0) throw new DssError(st.loc, `${st.verb}: expected Class.name, got '${ref}'`);
        let className = ref.slice(0, dot).toLowerCase();
        let objName = ref.slice(dot + 1).toLowerCase();
        if (className === 'circuit') {
          if (st.verb === 'new') {
            // general objects (shapes, codes, wire data, …) are not part of a circuit in OpenDSS:
            // those defined before `New Circuit` stay available to it
            const previous = circuit;
            circuit = emptyCircuit(file, circuit.baseFrequencyHz);
            circuit.name = objName;
            circuit.circuitAt = st.loc;
            for (const [cls, objs] of previous.objects) if (GENERAL_CLASSES.has(cls)) circuit.objects.set(cls, objs);
          }
          className = 'vsource';
          objName = 'source';
        }
        const cls = findClass(className);
        if (!cls) throw new DssError(st.loc, `unsupported OpenDSS class '${className}' (in ${ref})`);
        if (!circuit.circuitAt && CIRCUIT_ELEMENTS.has(cls.name)) {
          throw new DssError(st.loc, `${st.verb} ${ref}: no circuit yet (write New Circuit.<name> before any ${cls.name})`);
        }
        if (className in IGNORED_CLASSES) ignore(`New ${className} (${IGNORED_CLASSES[className]})`, st.loc);
        if (className in NOT_YET_APPLIED) notApplied(`${className}.${objName}: ${NOT_YET_APPLIED[className]}`, st.loc);
        let objects = circuit.objects.get(cls.name);
        if (!objects) {
          objects = new Map();
          circuit.objects.set(cls.name, objects);
        }
        let state = objects.get(objName);
        if (st.verb === 'new' || !state) {
          if (st.verb === 'edit' && !state && !(cls.name === 'vsource' && objName === 'source')) {
            throw new DssError(st.loc, `Edit: ${cls.name}.${objName} is not defined`);
          }
          if (st.verb === 'new' && state && cls.name !== 'vsource') {
            // OpenDSS redefines an existing object in place when New repeats its name
            ignore(`New ${cls.name}.${objName} repeated (object redefined)`, st.loc);
          }
          state = cls.create(objName, { baseFrequencyHz: circuit.baseFrequencyHz });
          objects.set(objName, state);
          circuit.definedAt.set(`${cls.name}.${objName}`, st.loc);
        }
        last = { cls, state };
        apply(cls, state, st.args, st, 1);
        break;
      }
      case 'more':
      case 'm':
        if (!last) throw new DssError(st.loc, 'continuation (~ / more) without an object to continue');
        apply(last.cls, last.state, st.args, st);
        break;
      case 'batchedit': {
        const target = st.args[0];
        if (!target || target.name !== undefined) throw new DssError(st.loc, 'batchedit needs Class.pattern');
        const dot = target.value.indexOf('.');
        if (dot <= 0) throw new DssError(st.loc, `batchedit: expected Class.pattern, got '${target.value}'`);
        const className = target.value.slice(0, dot).toLowerCase();
        const cls = findClass(className);
        if (!cls) throw new DssError(st.loc, `batchedit: unsupported OpenDSS class '${className}'`);
        let re: RegExp;
        try {
          re = new RegExp(target.value.slice(dot + 1), 'i');
        } catch {
          throw new DssError(st.loc, `batchedit: invalid pattern '${target.value.slice(dot + 1)}'`);
        }
        for (const [name, state] of circuit.objects.get(cls.name) ?? []) {
          if (re.test(name)) {
            last = { cls, state };
            apply(cls, state, st.args, st, 1);
          }
        }
        break;
      }
      case 'set':
        for (const tok of st.args) setOption(circuit, tok, st, ignore);
        break;
      case 'solve':
        circuit.solveCount++;
        break;
      case 'calcvoltagebases':
        circuit.calcVoltageBases = true;
        break;
      case 'setkvbase': {
        let bus: string | undefined;
        let kvln: number | undefined;
        for (const tok of st.args) {
          const n = tok.name?.toLowerCase();
          if (n === 'bus' || (n === undefined && bus === undefined)) bus = tok.value.toLowerCase().split('.')[0];
          else if (n === 'kvln' || (n === undefined && kvln === undefined)) kvln = parseNumber(tok.value, st.loc, 'kvln');
          else if (n === 'kvll') kvln = parseNumber(tok.value, st.loc, 'kvll') / Math.sqrt(3);
          else throw new DssError(st.loc, `SetkVBase: unknown parameter '${tok.name}'`);
        }
        if (!bus || kvln === undefined) throw new DssError(st.loc, 'SetkVBase needs bus= and kvln= (or kvll=)');
        circuit.busKvBaseLn.set(bus, kvln);
        break;
      }
      case 'buscoords':
      case 'latlongcoords': {
        const name = st.args[0]?.value;
        if (!name) throw new DssError(st.loc, `${st.verb} needs a file name`);
        const path = resolveScriptPath(fs, st.dir, name, ['']);
        if (!path) throw new DssError(st.loc, `${st.verb}: cannot find file '${name}'`);
        readBusCoords(fs.readText(path), path, circuit);
        break;
      }
      case 'open':
      case 'close':
        circuit.switches.push(switchAction(st, circuit));
        break;
      case 'enable':
      case 'disable': {
        const { cls, state } = elementOf(st, circuit, findClass);
        (state as { enabled: boolean }).enabled = st.verb === 'enable';
        last = { cls, state };
        break;
      }
      case 'select':
        last = elementOf(st, circuit, findClass);
        break;
      default:
        if (IGNORED_COMMANDS.has(st.verb)) {
          ignore(`command ${st.verb}`, st.loc);
          break;
        }
        if (CHANGING_COMMANDS.has(st.verb)) {
          throw new DssError(st.loc, `OpenDSS command '${excerpt(st.verb, 20)}' changes the circuit and is not supported by lemsim; write the circuit it produces instead`);
        }
        throw new DssError(st.loc, `unknown or unsupported OpenDSS command '${excerpt(st.verb, 20)}'`);
    }
  };
  return { execute, circuit: () => circuit };
}

/** OpenDSS's general (non-circuit-element) classes: their objects outlive `New Circuit`. */
const GENERAL_CLASSES = new Set([
  'loadshape', 'linecode', 'wiredata', 'cndata', 'tsdata', 'linespacing', 'linegeometry', 'xfmrcode', 'xycurve',
  'growthshape', 'tcc_curve', 'spectrum', 'tshape', 'priceshape',
]);

/** Commands that would change the circuit in ways lemsim does not reproduce: rejected at file:line. */
const CHANGING_COMMANDS = new Set([
  'allocateloads', 'reduce', 'makeposseq', 'setloadandgenkv', 'rephase', 'reconductor', 'distribute', 'connect',
  'disconnect', 'remove', 'cvrtloadshapes', 'updatestorage', 'estimate', '_initsnap', '_solvenocontrol',
  '_samplecontrols', '_docontrolactions', '_solvedirect', '_solvepflow', 'variable',
]);

/** The object named by a command's first argument (`Disable Line.x`, `Select Line.x term=1`). */
function elementOf(st: DssStatement, circuit: DssCircuit, find: (name: string) => AnyClass | undefined): { cls: AnyClass; state: unknown } {
  const tok = st.args[0];
  const ref = tok?.value ?? '';
  const dot = ref.indexOf('.');
  if (!tok || dot <= 0) throw new DssError(st.loc, `${st.verb}: expected Class.name, got '${ref}'`);
  const cls = find(ref.slice(0, dot));
  const state = cls ? circuit.objects.get(cls.name)?.get(ref.slice(dot + 1).toLowerCase()) : undefined;
  if (!cls || state === undefined) throw new DssError(st.loc, `${st.verb}: ${ref} is not defined`);
  return { cls, state };
}

/**
 * `Open|Close Class.name [terminal [conductor]]` (also `term=`, `cond=`): OpenDSS opens or closes one
 * conductor of a terminal, or all of them when the conductor is 0 or not written; terminal 1 by
 * default.
 */
function switchAction(st: DssStatement, circuit: DssCircuit): SwitchAction {
  let element: string | undefined;
  let terminal = 1;
  let conductor = 0;
  let positional = 0;
  for (const tok of st.args) {
    const n = tok.name?.toLowerCase() ?? ['object', 'term', 'cond'][positional++];
    if (n === 'object') element = tok.value.toLowerCase();
    else if (n === 'term' || n === 'terminal') terminal = parseInteger(tok.value, st.loc, 'terminal', 1);
    else if (n === 'cond' || n === 'conductor') conductor = parseInteger(tok.value, st.loc, 'conductor', 0);
    else throw new DssError(st.loc, `${st.verb}: unexpected parameter '${tok.name ?? tok.value}'`);
  }
  const dot = element?.indexOf('.') ?? -1;
  if (!element || dot <= 0) throw new DssError(st.loc, `${st.verb}: expected Class.name`);
  const cls = element.slice(0, dot);
  if (!['line', 'transformer', 'capacitor', 'reactor'].includes(cls)) throw new DssError(st.loc, `${st.verb}: only lines, transformers, capacitors and reactors can be opened or closed by lemsim, got ${element}`);
  if (!circuit.objects.get(cls)?.has(element.slice(dot + 1))) throw new DssError(st.loc, `${st.verb}: ${element} is not defined`);
  return { element, terminal, conductor, open: st.verb === 'open', loc: st.loc };
}

/** A fresh circuit; the default base frequency survives `clear` and `New Circuit` as in OpenDSS. */
function emptyCircuit(file: string, baseFrequencyHz = 60): DssCircuit {
  return {
    file,
    name: '',
    baseFrequencyHz,
    voltageBasesKv: [],
    calcVoltageBases: false,
    busKvBaseLn: new Map(),
    busCoords: new Map(),
    objects: new Map(),
    options: new Map(),
    loadMult: 1,
    ignored: [],
    solveCount: 0,
    notApplied: [],
    switches: [],
    definedAt: new Map(),
    circuitAt: undefined,
  };
}

/** Options that change what lemsim computes; anything else is recorded as ignored. */
function setOption(circuit: DssCircuit, tok: DssToken, st: DssStatement, ignore: (what: string, loc: DssLocation) => void): void {
  if (tok.name === undefined) throw new DssError(st.loc, `Set: expected option=value, got '${tok.value}'`);
  const name = tok.name.toLowerCase();
  switch (name) {
    case 'defaultbasefrequency':
    case 'defaultbasefreq': {
      const f = parseNumber(tok.value, st.loc, name);
      if (f <= 0) throw new DssError(st.loc, `${name}: expected a positive frequency, got ${f}`);
      circuit.baseFrequencyHz = f;
      break;
    }
    case 'voltagebases':
      circuit.voltageBasesKv = parseNumberArray(tok.value, st.loc, name);
      for (const kv of circuit.voltageBasesKv) if (!(kv > 0)) throw new DssError(st.loc, `voltagebases: expected positive line-to-line voltages in kV, got ${kv}`);
      break;
    case 'loadmult': {
      const f = parseNumber(tok.value, st.loc, name);
      if (!(f >= 0)) throw new DssError(st.loc, `loadmult: expected a multiplier ≥ 0, got ${f}`);
      circuit.loadMult = f;
      circuit.options.set(name, tok.value);
      break;
    }
    case 'mode':
    case 'number':
    case 'stepsize':
    case 'time':
    case 'tolerance':
    case 'maxiterations':
    case 'algorithm':
    case 'controlmode':
    case 'maxcontroliter':
    case 'earthmodel':
      circuit.options.set(name, tok.value);
      break;
    default:
      ignore(`Set ${name}`, st.loc);
  }
}

function readBusCoords(text: string, path: string, circuit: DssCircuit): void {
  parseBusCoords(text, path, circuit.busCoords);
}

/** Parses a bus-coordinates file (`bus, x, y` per line, as OpenDSS's Buscoords reads; `!` and `//` comments); names lower case. */
export function parseBusCoords(text: string, path: string, out = new Map<string, { x: number; y: number }>()): Map<string, { x: number; y: number }> {
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    // `!` and `//` start comments, as in scripts
    const line = stripComment(lines[k]).trim();
    if (line === '') continue;
    const cells = line.split(/[\s,]+/);
    const x = Number(cells[1]);
    const y = Number(cells[2]);
    // the message names the field, never the line's text: the file may be anything (a key file, /proc/self/environ)
    if (cells.length < 3) throw new DssError({ file: path, line: k + 1 }, `bus coordinates: expected 'bus, x, y', got ${cells.length} field${cells.length === 1 ? '' : 's'}`);
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new DssError({ file: path, line: k + 1 }, `bus coordinates: ${Number.isFinite(x) ? 'y (field 3)' : 'x (field 2)'} is not a number`);
    }
    out.set(cells[0].toLowerCase(), { x, y });
  }
  return out;
}
