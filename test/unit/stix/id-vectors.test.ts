/**
 * Our deterministic ids against the reference implementation: every vector of
 * test/vectors/stix-ids.json was computed by pycti + stix2 (scripts/generate-id-vectors.py), and
 * src/stix/ids.ts must give the same id for the same input.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TLP_MARKING_IDS, type TlpLevel } from '../../../src/shared/tlp';
import {
  autonomousSystemId,
  deterministicId,
  fileId,
  identityId,
  locationId,
  observableId,
  relationshipId,
} from '../../../src/stix/ids';

interface Vector {
  kind: string;
  input: Record<string, unknown>;
  id: string;
  note?: string;
}

interface VectorFile {
  generated_by: string;
  libraries: { pycti: string; stix2: string };
  vectors: Vector[];
}

const file = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'vectors', 'stix-ids.json'), 'utf8'),
) as VectorFile;

const str = (input: Record<string, unknown>, key: string): string => {
  const value = input[key];
  if (typeof value !== 'string') throw new TypeError(`vector input.${key} is not a string: ${JSON.stringify(value)}`);
  return value;
};

/** The id our code gives for a vector's input. */
function ours({ kind, input }: Vector): string {
  switch (kind) {
    case 'ipv4-addr':
    case 'ipv6-addr':
    case 'domain-name':
      return observableId(kind, str(input, 'value'));
    case 'file':
      return fileId(input.hashes as Record<string, string>);
    case 'autonomous-system':
      return autonomousSystemId(input.number as number);
    case 'identity':
      return identityId(str(input, 'name'), str(input, 'identity_class'));
    case 'location':
      return locationId(str(input, 'name'), str(input, 'x_opencti_location_type') as 'Country');
    case 'marking-definition': {
      const definition = str(input, 'definition');
      if (str(input, 'definition_type') === 'TLP' && definition in TLP_MARKING_IDS) {
        return TLP_MARKING_IDS[definition as TlpLevel];
      }
      return deterministicId('marking-definition', {
        definition_type: str(input, 'definition_type'),
        definition,
      });
    }
    case 'relationship': {
      const [type, source, target] = [
        str(input, 'relationship_type'),
        str(input, 'source_ref'),
        str(input, 'target_ref'),
      ];
      // relationshipId leaves times out on purpose (as the reference connector does). pycti hashes
      // start_time (and then stop_time too) when given, and ignores stop_time without start_time:
      // check that our generic rule gives its ids in that case too.
      if (input.start_time === undefined) return relationshipId(type, source, target);
      const data: Record<string, string> = {
        relationship_type: type,
        source_ref: source,
        target_ref: target,
        start_time: str(input, 'start_time'),
      };
      if (input.stop_time !== undefined) data.stop_time = str(input, 'stop_time');
      return deterministicId('relationship', data);
    }
    default:
      throw new Error(`no id function for the vector kind ${kind}`);
  }
}

describe(`ids equal the reference (${file.generated_by}: pycti ${file.libraries.pycti}, stix2 ${file.libraries.stix2})`, () => {
  it('has vectors of every kind', () => {
    expect(file.generated_by).toBe('scripts/generate-id-vectors.py');
    expect(new Set(file.vectors.map((v) => v.kind))).toEqual(
      new Set([
        'ipv4-addr',
        'ipv6-addr',
        'domain-name',
        'file',
        'autonomous-system',
        'identity',
        'location',
        'marking-definition',
        'relationship',
      ]),
    );
  });

  it.each(file.vectors.map((v) => [`${v.kind} ${JSON.stringify(v.input)}${v.note ? ` (${v.note})` : ''}`, v] as const))(
    '%s',
    (_name, vector) => {
      expect(ours(vector)).toBe(vector.id);
    },
  );

  it('leaves start_time out of relationshipId: a dated relationship keeps the id of the undated one', () => {
    const dated = file.vectors.filter((v) => v.kind === 'relationship' && v.input.start_time !== undefined);
    expect(dated.length).toBeGreaterThan(0);
    for (const v of dated) {
      const undated = relationshipId(
        str(v.input, 'relationship_type'),
        str(v.input, 'source_ref'),
        str(v.input, 'target_ref'),
      );
      expect(undated).not.toBe(v.id);
      expect(file.vectors.some((w) => w.id === undated && w.input.start_time === undefined)).toBe(true);
    }
  });
});
