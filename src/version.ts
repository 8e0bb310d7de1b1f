/** The package version, read once from package.json beside the compiled or source tree. */
import { readFileSync } from 'node:fs';
import { projectDir } from './shared-data.js';
import { join } from 'node:path';

export const LEMSIM_VERSION: string = (JSON.parse(readFileSync(join(projectDir(), 'package.json'), 'utf8')) as { version: string }).version;
