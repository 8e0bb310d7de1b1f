/**
 * The `lemsim` command line. `main` never throws and never exits the process: it returns the exit
 * code, so the same function serves the bin launcher and in-process tests. Input errors
 * (`LemsimError`) are printed as one message without a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { isInputError } from '../errors.js';
import { LEMSIM_VERSION } from '../version.js';
import { commands } from './commands/index.js';
import { type CliIo, processIo } from './io.js';

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = new Command('lemsim')
    .description('Local electricity markets inside real three-phase distribution grids')
    .version(LEMSIM_VERSION, '-V, --version', 'print the lemsim version')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError(false);
  for (const c of commands) c.register(program, io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (or the help text)
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
    }
    if (isInputError(err)) {
      io.err(`lemsim: ${err.message}\n`);
      // a bug wrapped as a located error (an agent's failure): its stack only when asked for
      if (err.exitCode === 70 && process.env.LEMSIM_DEBUG) io.err(`${(err.cause as Error | undefined)?.stack ?? ''}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    io.err(`lemsim: internal error: ${e?.stack ?? String(err)}\n`);
    return 70;
  }
}
