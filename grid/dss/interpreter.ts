/**
 * Executes parsed OpenDSS statements into a circuit definition: the objects of every supported class
 * with their properties applied in script order, the `Set` options, voltage bases, bus coordinates,
 * and the list of everything that was accepted but has no effect on the power flow (reported once
 * each, for `lemsim describe`). Unknown classes, unknown properties of known classes and malformed
 * values are DssErrors naming file:line.
 */
import { DssError, type DssLocation } from '../../src/errors.js';
import { lineCodeClass } from '../model/elements/linecode.js';
import { lineClass } from '../model/elements/line.js';
import { loadClass } from '../model/elements/load.js';
import { loadShapeClass } from '../model/elements/loadshape.js';
import { transformerClass } from '../model/elements/transformer.js';
import { vsourceClass } from '../model/elements/vsource.js';
import { cnDataClass, lineGeometryClass, lineSpacingClass, tsDataClass, wireDataClass } from '../model/elements/conductors.js';
import { type DssClass, type SetContext, findProperty } from './object-class.js';
import { type DssFileSystem, type DssStatement, nodeFileSystem, parseDssFile, resolveScriptPath } from './parser.js';
import { parseNumber, parseNumberArray } from './values.js';
import type { DssToken } from './lexer.js';

// biome-ignore lint: the registry holds classes of different state types
type AnyClass = DssClass<any>;

/** Classes lemsim models. Order is irrelevant; names are OpenDSS's (lower case). */
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
];

/** Classes accepted and ignored: they only observe or report (monitors, meters, curves for them). */
const IGNORED_CLASSES = new Set(['monitor', 'energymeter', 'tcc_curve', 'sensor', 'fmonitor']);

/** Commands accepted and ignored because they only solve, display, plot or export. */
const IGNORED_COMMANDS = new Set([
  'solve', 'show', 'plot', 'export', 'closedi', 'sample', 'reset', 'visualize', 'summary', 'totals', 'help',
  'interpolate', 'makebuslist', 'cleanup', 'fileedit', 'dump', 'open', 'close', 'disable', 'enable', 'save', 'var',
  'guids', 'makeposseq', 'formedit', 'set_kvbase_ignored', 'ltcupdate', 'calcincmatrix', 'calcincmatrix_o',
]);

export interface IgnoredItem {
  readonly what: string;
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
  readonly ignored: IgnoredItem[];
  /** where each object was defined (its New, or first Edit): `class.name` → file:line */
  readonly definedAt: Map<string, DssLocation>;
  /** where `New Circuit` was written; undefined when the script has none */
  circuitAt: DssLocation | undefined;
}

/** Classes of circuit elements: OpenDSS refuses them before `New Circuit` ("no active circuit"). */
const CIRCUIT_ELEMENTS = new Set(['vsource', 'line', 'transformer', 'load']);

function findClass(name: string): AnyClass | undefined {
  const lower = name.toLowerCase();
  return CLASSES.find((c) => c.name === lower);
}

/** Reads a script file and everything it redirects to into a circuit definition. */
export function loadDssCircuit(path: string, fs: DssFileSystem = nodeFileSystem): DssCircuit {
  return interpret(parseDssFile(path, fs), path, fs);
}

/** Executes statements (from `parseDssFile`/`parseDssText`). */
export function interpret(statements: readonly DssStatement[], file: string, fs: DssFileSystem = nodeFileSystem): DssCircuit {
  let circuit = emptyCircuit(file);
  const ignoredSeen = new Set<string>();
  let last: { cls: AnyClass; state: unknown } | undefined;

  const ignore = (what: string, loc: DssLocation): void => {
    const key = what.toLowerCase();
    if (ignoredSeen.has(key)) return;
    ignoredSeen.add(key);
    circuit.ignored.push({ what, loc });
  };

  const context = (st: DssStatement, prop: string): SetContext => ({
    loc: st.loc,
    prop,
    dir: st.dir,
    fs,
    baseFrequencyHz: circuit.baseFrequencyHz,
    find: <T>(cls: string, name: string) => circuit.objects.get(cls)?.get(name.toLowerCase()) as T | undefined,
    ignored: (what) => ignore(`${last ? last.cls.name : ''}.${what}`, st.loc),
  });

  const apply = (cls: AnyClass, state: unknown, args: readonly DssToken[], st: DssStatement): void => {
    let positional = 0;
    let lastProp = -1;
    for (const tok of args) {
      let prop;
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

  for (const st of statements) {
    switch (st.verb) {
      case 'clear':
        circuit = emptyCircuit(file, circuit.baseFrequencyHz);
        last = undefined;
        break;
      case 'new':
      case 'edit': {
        const [target, ...rest] = st.args;
        if (!target) throw new DssError(st.loc, `${st.verb} needs Class.name`);
        const ref = target.name?.toLowerCase() === 'object' ? target.value : target.name === undefined ? target.value : undefined;
        if (!ref) throw new DssError(st.loc, `${st.verb}: expected Class.name, got '${target.name}=${target.value}'`);
        const dot = ref.indexOf('.');
        if (dot <= 0) throw new DssError(st.loc, `${st.verb}: expected Class.name, got '${ref}'`);
        let className = ref.slice(0, dot).toLowerCase();
        let objName = ref.slice(dot + 1).toLowerCase();
        if (className === 'circuit') {
          if (st.verb === 'new') {
            circuit = emptyCircuit(file, circuit.baseFrequencyHz);
            circuit.name = objName;
            circuit.circuitAt = st.loc;
          }
          className = 'vsource';
          objName = 'source';
        }
        if (IGNORED_CLASSES.has(className)) {
          ignore(`New ${className}`, st.loc);
          last = undefined;
          break;
        }
        const cls = findClass(className);
        if (!cls) throw new DssError(st.loc, `unsupported OpenDSS class '${className}' (in ${ref})`);
        if (!circuit.circuitAt && CIRCUIT_ELEMENTS.has(cls.name)) {
          throw new DssError(st.loc, `${st.verb} ${ref}: no circuit yet (write New Circuit.<name> before any ${cls.name})`);
        }
        const key = `${cls.name}.${objName}`;
        if (st.verb === 'new' || !circuit.definedAt.has(key)) circuit.definedAt.set(key, st.loc);
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
        }
        last = { cls, state };
        apply(cls, state, rest, st);
        break;
      }
      case 'more':
        if (!last) throw new DssError(st.loc, 'continuation (~ / more) without an object to continue');
        apply(last.cls, last.state, st.args, st);
        break;
      case 'batchedit': {
        const [target, ...rest] = st.args;
        if (!target || target.name !== undefined) throw new DssError(st.loc, 'batchedit needs Class.pattern');
        const dot = target.value.indexOf('.');
        if (dot <= 0) throw new DssError(st.loc, `batchedit: expected Class.pattern, got '${target.value}'`);
        const className = target.value.slice(0, dot).toLowerCase();
        if (IGNORED_CLASSES.has(className)) {
          ignore(`batchedit ${className}`, st.loc);
          break;
        }
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
            apply(cls, state, rest, st);
          }
        }
        break;
      }
      case 'set':
        for (const tok of st.args) setOption(circuit, tok, st, ignore);
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
      default:
        if (IGNORED_COMMANDS.has(st.verb)) {
          ignore(`command ${st.verb}`, st.loc);
          break;
        }
        throw new DssError(st.loc, `unknown or unsupported OpenDSS command '${st.verb}'`);
    }
  }
  return circuit;
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
    ignored: [],
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
    case 'mode':
    case 'number':
    case 'stepsize':
    case 'time':
    case 'tolerance':
    case 'maxiterations':
    case 'algorithm':
    case 'loadmult':
    case 'controlmode':
    case 'earthmodel':
      circuit.options.set(name, tok.value);
      break;
    default:
      ignore(`Set ${name}`, st.loc);
  }
}

function readBusCoords(text: string, path: string, circuit: DssCircuit): void {
  for (const [bus, xy] of parseBusCoords(text, path)) circuit.busCoords.set(bus, xy);
}

/** Parses a bus-coordinates file (`bus, x, y` per line, as OpenDSS's Buscoords reads); names lower case. */
export function parseBusCoords(text: string, path: string): Map<string, { x: number; y: number }> {
  const out = new Map<string, { x: number; y: number }>();
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k].replace(/!.*$/, '').trim();
    if (line === '') continue;
    const cells = line.split(/[\s,]+/);
    const x = Number(cells[1]);
    const y = Number(cells[2]);
    if (cells.length < 3 || !Number.isFinite(x) || !Number.isFinite(y)) {
      throw new DssError({ file: path, line: k + 1 }, `bus coordinates: expected 'bus, x, y', got '${line}'`);
    }
    out.set(cells[0].toLowerCase(), { x, y });
  }
  return out;
}
