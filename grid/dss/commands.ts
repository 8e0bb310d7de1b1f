/**
 * OpenDSS's command names in the order of its command table (ExecCommands), so that an
 * abbreviation resolves as OpenDSS resolves it: an exact name wins, else the first command in this
 * order that starts with what was written (`calcv` → calcvoltagebases, `redir` → redirect).
 */
const COMMANDS = [
  'new', 'edit', 'more', 'm', '~', 'select', 'save', 'show', 'solve', 'enable', 'disable', 'plot', 'reset',
  'compile', 'set', 'dump', 'open', 'close', '//', 'redirect', 'help', 'quit', '?', 'next', 'panel', 'sample',
  'clear', 'about', 'calcvoltagebases', 'setkvbase', 'buildy', 'get', 'init', 'export', 'fileedit', 'voltages',
  'currents', 'powers', 'seqvoltages', 'seqcurrents', 'seqpowers', 'losses', 'phaselosses', 'cktlosses',
  'allocateloads', 'formedit', 'totals', 'capacity', 'classes', 'userclasses', 'zsc', 'zsc10', 'zscrefresh', 'ysc',
  'puvoltages', 'varvalues', 'varnames', 'buscoords', 'makebuslist', 'makeposseq', 'reduce', 'interpolate',
  'alignfile', 'top', 'rotate', 'vdiff', 'summary', 'distribute', 'di_plot', 'comparecases', 'yearlycurves', 'cd',
  'visualize', 'closedi', 'doscmd', 'estimate', 'reconductor', '_initsnap', '_solvenocontrol', '_samplecontrols',
  '_docontrolactions', '_showcontrolqueue', '_solvedirect', '_solvepflow', 'addbusmarker', 'uuids',
  'setloadandgenkv', 'cvrtloadshapes', 'nodediff', 'rephase', 'setbusxy', 'updatestorage', 'obfuscate',
  'latlongcoords', 'batchedit', 'pstcalc', 'variable', 'reprocessbuses', 'clearbusmarkers', 'relcalc', 'var',
  'cleanup', 'finishtimestep', 'nodelist', 'connect', 'disconnect', 'remove', 'calcincmatrix', 'calcincmatrix_o',
  'refine_buslevels', 'calclaplacian', 'clearall',
] as const;

const EXACT = new Set<string>(COMMANDS);

/** The OpenDSS command a written verb names (lower case), or undefined when it names none. */
export function canonicalCommand(verb: string): string | undefined {
  const v = verb.toLowerCase();
  if (EXACT.has(v)) return v;
  return COMMANDS.find((c) => c.startsWith(v));
}
