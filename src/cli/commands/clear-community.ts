/**
 * `lemsim clear-community problem.json --out result.json`: clears one period of the multi-community
 * market of seed 000 (see README) and writes the result atomically. Input errors name the agent and
 * field; an infeasible market is written as a result with status `infeasible` (exit code 0, with a
 * note on stderr), never as NaN.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { communityResultToJson, communitySolvers, parseCommunityProblem } from '../../../markets/community/index.js';
import { ScenarioError, UsageError } from '../../errors.js';
import { OutputTextFile } from '../../io/atomic.js';
import type { CliCommand } from '../command.js';
import type { CliIo } from '../io.js';

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ScenarioError(path, '', `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(path, '', `not valid JSON: ${(err as Error).message}`);
  }
}

export const clearCommunityCommand: CliCommand = {
  register(program: Command, io: CliIo): void {
    program
      .command('clear-community')
      .description('clear one period of the multi-community consumer-centric market (seed 000)')
      .argument('<problem>', 'problem JSON file')
      .requiredOption('--out <file>', 'result JSON file')
      .option('--solver <name>', `clearing solver: ${Object.keys(communitySolvers).join(' or ')}`, 'fast')
      .action(async (problemPath: string, opts: { out: string; solver: string }) => {
        const solver = Object.hasOwn(communitySolvers, opts.solver) ? communitySolvers[opts.solver] : undefined;
        if (!solver) throw new UsageError(`--solver must be one of ${Object.keys(communitySolvers).join(', ')}, got '${opts.solver}'`);
        const problem = parseCommunityProblem(readJson(problemPath), problemPath);
        const outFile = OutputTextFile.open(opts.out);
        let result;
        try {
          result = await solver.clear(problem);
        } catch (err) {
          outFile.abort();
          throw err;
        }
        outFile.write(`${JSON.stringify(communityResultToJson(result), null, 2)}\n`);
        outFile.commit();
        if (result.status === 'optimal') {
          io.out(`optimal: welfare ${result.welfareEur?.toFixed(4)} EUR, ${result.agents.length} agents, ${result.communities.length} communities -> ${opts.out}\n`);
        } else {
          io.err(`lemsim: market ${result.status}: ${result.reason ?? ''} (written to ${opts.out})\n`);
        }
      });
  },
};
