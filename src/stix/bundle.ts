/**
 * STIX bundles: building one, and splitting it into one-object parts the way pycti's
 * `OpenCTIStix2Splitter.split_bundle_with_expectations` does (protocol doc §4.2), so the OpenCTI
 * worker imports dependencies (author, marking, observables) before what refers to them.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { StixBundle, StixObject } from '../shared/types';

/** A split part: a one-object bundle carrying the original bundle id and its sequence (= nb_deps). */
export interface StixBundlePart extends StixBundle {
  spec_version: '2.1';
  x_opencti_seq: number;
  objects: [StixObject & { nb_deps: number }];
}

/** RabbitMQ's default maximum message size (4.x): a push message must stay below it. */
export const MAX_PUSH_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Room kept for the push envelope around the base64 content (work id, applicant id, flags: well under 1 KiB). */
export const PUSH_ENVELOPE_RESERVE_BYTES = 4 * 1024;

/** Thrown by {@link splitBundle} when one part would not fit in a push message; nothing should be sent. */
export class BundlePartTooLargeError extends Error {
  readonly objectId: string;
  readonly encodedBytes: number;
  readonly maxBytes: number;
  constructor(objectId: string, encodedBytes: number, maxBytes: number) {
    super(`STIX object ${objectId} is too large to push: ${encodedBytes} bytes once encoded, limit ${maxBytes}`);
    this.name = 'BundlePartTooLargeError';
    this.objectId = objectId;
    this.encodedBytes = encodedBytes;
    this.maxBytes = maxBytes;
  }
}

/** A STIX 2.1 bundle around `objects` (`bundle--<uuid4>` unless an id is given), as pycti's `stix2_create_bundle`. */
export function makeBundle(objects: StixObject[], id: string = `bundle--${randomUUID()}`): StixBundle {
  return { type: 'bundle', id, spec_version: '2.1', objects };
}

/** Size in bytes of the UTF-8 JSON text of a bundle (or part). */
export function jsonSize(bundle: StixBundle): number {
  return Buffer.byteLength(JSON.stringify(bundle), 'utf8');
}

/** Size in bytes of a part as it travels in a push message: base64 of its UTF-8 JSON text (protocol §4.3 `content`). */
export function encodedSize(part: StixBundle): number {
  return Math.ceil(jsonSize(part) / 3) * 4;
}

export interface SplitOptions {
  /** Largest allowed push message. @default MAX_PUSH_MESSAGE_BYTES (16 MiB) */
  maxMessageBytes?: number;
}

/**
 * One bundle per object, like pycti with `cleanup_inconsistent_bundle=false`:
 * - every part keeps the original bundle id and has `x_opencti_seq` = the object's `nb_deps`;
 * - `nb_deps` = 1 + the sum of the `nb_deps` of the in-bundle objects reached through top-level
 *   `*_ref` / `*_refs` properties (so also `x_opencti_created_by_ref`), recursively; refs to ids
 *   outside the bundle are kept and count 0 (they may exist in the platform);
 * - self references, circular references and duplicates in `*_refs` lists are removed;
 * - parts are ordered by ascending `nb_deps` (stable), so dependencies come first;
 * - objects sharing an id: the last one wins, and the id is sent once.
 * The input is not mutated.
 * @throws BundlePartTooLargeError when a part would exceed the push message limit.
 */
export function splitBundle(bundle: StixBundle, options: SplitOptions = {}): { parts: StixBundlePart[] } {
  const maxBytes = (options.maxMessageBytes ?? MAX_PUSH_MESSAGE_BYTES) - PUSH_ENVELOPE_RESERVE_BYTES;
  const byId = new Map<string, StixObject>();
  for (const object of bundle.objects) byId.set(object.id, structuredClone(object));

  const splitter = new DependencyCounter(byId);
  for (const object of bundle.objects) splitter.enlist(object.id, []);
  const ordered = [...splitter.elements].sort((a, b) => a.nb_deps - b.nb_deps); // Array#sort is stable

  const parts = ordered.map((object): StixBundlePart => {
    const part: StixBundlePart = {
      type: 'bundle',
      id: bundle.id,
      spec_version: '2.1',
      x_opencti_seq: object.nb_deps,
      objects: [object],
    };
    const size = encodedSize(part);
    if (size > maxBytes) throw new BundlePartTooLargeError(object.id, size, maxBytes);
    return part;
  });
  return { parts };
}

/** pycti's `enlist_element`: depth-first walk of the refs, memoized, objects listed after their dependencies. */
class DependencyCounter {
  readonly elements: Array<StixObject & { nb_deps: number }> = [];
  private readonly counted = new Map<string, number>();
  /** Refs followed from each object; a ref back to an object that already depends on us is not followed. */
  private readonly followed = new Map<string, string[]>();

  constructor(private readonly byId: ReadonlyMap<string, StixObject>) {}

  enlist(id: string, ancestors: readonly string[]): number {
    const object = this.byId.get(id);
    if (!object) return 0; // not in the bundle: kept as a reference, no dependency
    const known = this.counted.get(id);
    if (known !== undefined) return known;

    const followed: string[] = this.followed.get(id) ?? [];
    this.followed.set(id, followed);
    const mayFollow = (ref: string): boolean =>
      ref !== id && !ancestors.includes(ref) && !(this.followed.get(ref)?.includes(id) ?? false);
    let nbDeps = 1;
    for (const key of Object.keys(object)) {
      const value = object[key];
      if (key.endsWith('_refs') && Array.isArray(value)) {
        const kept: string[] = [];
        for (const ref of value) {
          if (typeof ref !== 'string' || kept.includes(ref) || !mayFollow(ref)) continue;
          followed.push(ref);
          nbDeps += this.enlist(ref, [...ancestors, ref]);
          kept.push(ref);
        }
        object[key] = kept;
      } else if (key.endsWith('_ref') && typeof value === 'string') {
        if (mayFollow(value)) {
          followed.push(value);
          nbDeps += this.enlist(value, [...ancestors, value]);
        } else {
          object[key] = null;
        }
      }
    }

    const element = Object.assign(object, { nb_deps: nbDeps });
    this.counted.set(id, nbDeps);
    // Like pycti, a relationship left without an endpoint (only possible here through a self reference) is dropped.
    if (!(object.type === 'relationship' && (object.source_ref == null || object.target_ref == null))) {
      this.elements.push(element);
    }
    return nbDeps;
  }
}
