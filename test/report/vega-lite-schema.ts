/**
 * Validation of the report's Vega-Lite specs against the published Vega-Lite v5 JSON schema (the
 * `vega-lite-v5` dev dependency is vega-lite 5 installed under an alias only for its
 * build/vega-lite-schema.json; the renderer is the vega-lite 6 the project depends on). Ajv compiles
 * the schema once per test file (about a second).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

let validate: ValidateFunction | undefined;

/** Why `spec` is not a valid Vega-Lite v5 spec, or [] when it is. */
export function vegaLiteV5Errors(spec: unknown): string[] {
  if (!validate) {
    const require = createRequire(import.meta.url);
    const schema = JSON.parse(readFileSync(require.resolve('vega-lite-v5/build/vega-lite-schema.json'), 'utf8'));
    const ajv = new Ajv({ strict: false, allErrors: false, allowUnionTypes: true, validateFormats: false });
    validate = ajv.compile(schema);
  }
  if (validate(spec)) return [];
  return (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(root)'}: ${e.message ?? ''}`);
}
