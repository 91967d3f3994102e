/**
 * Validation of STIX objects against the official OASIS STIX 2.1 JSON schemas
 * (shared/stix2-json-schemas, oasis-open/cti-stix2-json-schemas; JSON Schema draft 2020-12).
 *
 * The schemas accept custom properties (`x_opencti_*`, extensions) through common/properties.json,
 * so OpenCTI's additions pass as long as they are well-formed (e.g. no empty lists).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { domainToASCII } from 'node:url';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { SHARED_DIR } from './fixtures';
import addFormats from 'ajv-formats';

export const STIX_SCHEMAS_DIR = join(SHARED_DIR, 'stix2-json-schemas', 'schemas');

/** Where the schema of each STIX type lives (SDOs, SROs, SCOs; marking-definition is under common/). */
const SCHEMA_FOLDERS = ['sdos', 'sros', 'observables'] as const;

/** RFC 1123 host name, as ajv-formats' `hostname`. */
const HOSTNAME =
  /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?$/i;

let validators: Map<string, ValidateFunction> | undefined;

function loadValidators(): Map<string, ValidateFunction> {
  // unicodeRegExp off: the schemas use escapes such as `\-` outside classes, invalid in `u` mode.
  // strict off: the schemas use `definitions` and annotations Ajv's strict mode would reject.
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  // ajv-formats has no `idn-hostname` (used by domain-name): accept what IDNA maps to a valid ASCII host name.
  ajv.addFormat('idn-hostname', (value: string) => HOSTNAME.test(domainToASCII(value)));
  const byType = new Map<string, string>();
  for (const folder of ['common', ...SCHEMA_FOLDERS]) {
    for (const file of readdirSync(join(STIX_SCHEMAS_DIR, folder)).filter((f) => f.endsWith('.json'))) {
      const schema = JSON.parse(readFileSync(join(STIX_SCHEMAS_DIR, folder, file), 'utf8')) as { $id: string };
      ajv.addSchema(schema);
      if (folder !== 'common') byType.set(file.replace(/\.json$/, ''), schema.$id);
    }
  }
  const markingSchema = JSON.parse(
    readFileSync(join(STIX_SCHEMAS_DIR, 'common', 'marking-definition.json'), 'utf8'),
  ) as { $id: string };
  byType.set('marking-definition', markingSchema.$id);

  const result = new Map<string, ValidateFunction>();
  for (const [type, id] of byType) {
    const validate = ajv.getSchema(id);
    if (!validate) throw new Error(`STIX schema ${id} did not compile`);
    result.set(type, validate);
  }
  return result;
}

/**
 * Validates one STIX object against the OASIS schema of its `type`.
 * @returns the problems found (empty when valid), each as `<object id><instance path>: <message>`.
 */
export function validateStixObject(obj: unknown): string[] {
  validators ??= loadValidators();
  const record = obj as { id?: unknown; type?: unknown } | null;
  const label = typeof record?.id === 'string' ? record.id : '(object without id)';
  if (typeof record?.type !== 'string') return [`${label}: no type`];
  const validate = validators.get(record.type);
  if (!validate) return [`${label}: no OASIS schema for type '${record.type}'`];
  if (validate(obj)) return [];
  return (validate.errors ?? []).map((e) => {
    const detail = e.params && Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : '';
    return `${label}${e.instancePath || ''}: ${e.message ?? 'invalid'}${detail} (schema ${e.schemaPath})`;
  });
}
