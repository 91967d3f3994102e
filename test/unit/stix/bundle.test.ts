import { describe, expect, it } from 'vitest';
import type { StixObject } from '../../../src/shared/types';
import { BundlePartTooLargeError, encodedSize, jsonSize, makeBundle, splitBundle } from '../../../src/stix/bundle';
import { convertScenario } from './fixture-scenarios';

function ipRichBundle() {
  const { scenario, objects } = convertScenario('ip-rich');
  return { scenario, bundle: makeBundle(objects) };
}

describe('makeBundle', () => {
  it('wraps the objects in a STIX 2.1 bundle with a random bundle--uuid4 id', () => {
    const objects: StixObject[] = [{ id: 'x--1', type: 'x' }];
    const a = makeBundle(objects);
    expect(a).toEqual({
      type: 'bundle',
      id: expect.stringMatching(/^bundle--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      spec_version: '2.1',
      objects,
    });
    expect(makeBundle(objects).id).not.toBe(a.id);
    expect(makeBundle(objects, 'bundle--given').id).toBe('bundle--given');
  });
});

describe('splitBundle', () => {
  it('gives one part per object, each carrying the original bundle id and x_opencti_seq = nb_deps', () => {
    const { bundle } = ipRichBundle();
    const { parts } = splitBundle(bundle);
    expect(parts).toHaveLength(bundle.objects.length);
    for (const part of parts) {
      expect(part).toMatchObject({ type: 'bundle', id: bundle.id, spec_version: '2.1' });
      expect(part.objects).toHaveLength(1);
      expect(part.x_opencti_seq).toBe(part.objects[0].nb_deps);
    }
    expect(new Set(parts.map((p) => p.objects[0].id))).toEqual(new Set(bundle.objects.map((o) => o.id)));
  });

  it('sends the marking, the author and the entity before anything that refers to them, relationships last', () => {
    const { bundle, scenario } = ipRichBundle();
    const order = splitBundle(bundle).parts.map((p) => p.objects[0]);
    expect(order.slice(0, 3).map((o) => o.id)).toEqual([
      'identity--fed9dc45-9659-5e32-9d2d-eb9a45df43a7',
      'marking-definition--826578e1-40ad-459f-bc73-ede076f81f37',
      scenario.entityId,
    ]);
    const firstRelationship = order.findIndex((o) => o.type === 'relationship');
    expect(order.slice(firstRelationship).every((o) => o.type === 'relationship')).toBe(true);
    // Every in-bundle reference points at an earlier part.
    const position = new Map(order.map((o, i) => [o.id, i]));
    for (const [i, o] of order.entries()) {
      const refs = Object.entries(o).flatMap(([k, v]) =>
        k.endsWith('_ref') ? [v] : k.endsWith('_refs') && Array.isArray(v) ? v : [],
      );
      for (const ref of refs) if (position.has(ref as string)) expect(position.get(ref as string)).toBeLessThan(i);
    }
  });

  it('counts nb_deps as pycti does: 1 + the nb_deps of every in-bundle ref, refs outside the bundle count 0', () => {
    const { bundle, scenario } = ipRichBundle();
    const deps = new Map(splitBundle(bundle).parts.map((p) => [p.objects[0].id, p.objects[0]]));
    const byType = (type: string) => [...deps.values()].filter((o) => o.type === type).map((o) => o.nb_deps);
    expect(byType('identity')).toEqual([1]);
    expect(byType('marking-definition')).toEqual([1]);
    // The entity refers only to the TLP:GREEN marking and its own author, which are not in the bundle.
    expect(deps.get(scenario.entityId)?.nb_deps).toBe(1);
    // Created observables and the location: 1 + author (1) + marking (1).
    for (const type of ['domain-name', 'file', 'location', 'autonomous-system'])
      expect(new Set(byType(type))).toEqual(new Set([3]));
    // Relationships: 1 + author + marking + related object (3) + entity (1).
    expect(new Set(byType('relationship'))).toEqual(new Set([7]));
  });

  it('keeps references to objects outside the bundle, including relationship endpoints', () => {
    const bundle = makeBundle([
      {
        id: 'relationship--1',
        type: 'relationship',
        relationship_type: 'resolves-to',
        source_ref: 'domain-name--absent',
        target_ref: 'ipv4-addr--absent',
        object_marking_refs: ['marking-definition--absent'],
      },
    ]);
    const [part] = splitBundle(bundle).parts;
    expect(part?.objects[0]).toMatchObject({
      source_ref: 'domain-name--absent',
      target_ref: 'ipv4-addr--absent',
      object_marking_refs: ['marking-definition--absent'],
      nb_deps: 1,
    });
  });

  it('removes self references and duplicate refs, survives cycles, and sends a repeated id once (last wins)', () => {
    const bundle = makeBundle([
      { id: 'identity--a', type: 'identity', created_by_ref: 'identity--a', name: 'first' },
      { id: 'x-thing--b', type: 'x-thing', object_refs: ['x-thing--c', 'x-thing--c', 'x-thing--b'] },
      { id: 'x-thing--c', type: 'x-thing', related_ref: 'x-thing--b' },
      { id: 'identity--a', type: 'identity', created_by_ref: 'identity--a', name: 'last' },
    ]);
    const parts = splitBundle(bundle).parts.map((p) => p.objects[0]);
    expect(parts.map((o) => o.id).sort()).toEqual(['identity--a', 'x-thing--b', 'x-thing--c']);
    const a = parts.find((o) => o.id === 'identity--a');
    expect(a).toMatchObject({ name: 'last', created_by_ref: null, nb_deps: 1 });
    const b = parts.find((o) => o.id === 'x-thing--b');
    expect(b?.object_refs).toEqual(['x-thing--c']);
    expect(b?.nb_deps).toBe(2); // c counts 1: its ref back to b is a cycle and is dropped
    expect(parts.find((o) => o.id === 'x-thing--c')).toMatchObject({ related_ref: null, nb_deps: 1 });
  });

  it('does not modify the bundle it splits', () => {
    const { bundle } = ipRichBundle();
    const before = structuredClone(bundle);
    splitBundle(bundle);
    expect(bundle).toEqual(before);
  });

  it('refuses a part that would not fit in a push message', () => {
    const big: StixObject = { id: 'x-big--1', type: 'x-big', description: 'x'.repeat(2000) };
    expect(() => splitBundle(makeBundle([big]), { maxMessageBytes: 4 * 1024 + 1000 })).toThrow(BundlePartTooLargeError);
    try {
      splitBundle(makeBundle([big]), { maxMessageBytes: 4 * 1024 + 1000 });
    } catch (e) {
      expect(e).toMatchObject({ name: 'BundlePartTooLargeError', objectId: 'x-big--1', maxBytes: 1000 });
    }
    expect(splitBundle(makeBundle([big])).parts).toHaveLength(1); // far below the 16 MiB default
  });
});

describe('encodedSize', () => {
  it('is the base64 length of the UTF-8 JSON text', () => {
    const bundle = makeBundle([{ id: 'x--1', type: 'x', name: 'bäckerei' }], 'bundle--1');
    const text = JSON.stringify(bundle);
    expect(jsonSize(bundle)).toBe(Buffer.byteLength(text));
    expect(encodedSize(bundle)).toBe(Buffer.from(text).toString('base64').length);
  });
});
