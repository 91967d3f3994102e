/**
 * Playbooks known to the fake and the `playbookStepExecution` callbacks it received (§4.5),
 * after `manager/playbookManager/playbookManager.ts` and the connector component's executor in
 * `modules/playbook/playbook-components.ts`.
 */
import { isDeepStrictEqual } from 'node:util';

/** The nine arguments of `playbookStepExecution`, as received (strings untouched). */
export interface PlaybookStepExecutionArgs {
  execution_id: string;
  event_id: string;
  execution_start: string;
  data_instance_id: string;
  playbook_id: string;
  previous_step_id: string;
  step_id: string;
  previous_bundle: string;
  bundle: string;
}

/** One recorded `playbookStepExecution` call. */
export interface PlaybookExecution {
  at: string;
  args: PlaybookStepExecutionArgs;
  /** `previous_bundle` parsed, or undefined when it is not JSON (see `parseError`). */
  previousBundle: unknown;
  /** `bundle` parsed, or undefined when it is not JSON. */
  bundle: unknown;
  parseError: string | null;
  /** What the mutation answered: false for an unknown playbook or step. */
  result: boolean;
  /**
   * The step's output as the platform computes it: output objects deep-merged with the previous
   * version of the same id (arrays concatenated without duplicates, other values from the
   * output), previous objects missing from the output appended. Null when not computed. The
   * platform also adds missing OpenCTI extensions to every object; the fake does not.
   */
  mergedBundle: { objects: unknown[]; [key: string]: unknown } | null;
}

/** Playbook definitions (only node ids matter) and the executions reported back. */
export class PlaybookStore {
  private readonly nodes = new Map<string, Set<string>>();
  readonly executions: PlaybookExecution[] = [];

  constructor(private readonly now: () => Date) {}

  /** Declares a playbook with these node (step) ids; adds to an existing one. */
  register(playbookId: string, nodeIds: readonly string[]): void {
    const set = this.nodes.get(playbookId) ?? new Set<string>();
    for (const id of nodeIds) set.add(id);
    this.nodes.set(playbookId, set);
  }

  /** True when the playbook exists and has both step ids, the platform's condition for `true`. */
  knows(playbookId: string, stepId: string, previousStepId: string): boolean {
    const set = this.nodes.get(playbookId);
    return !!set && set.has(stepId) && set.has(previousStepId);
  }

  /**
   * Records a callback and answers like the platform: false for an unknown playbook or step;
   * for a known one, bundles that are not JSON make the call fail (the platform's `JSON.parse`).
   */
  execute(args: PlaybookStepExecutionArgs): boolean {
    const known = this.knows(args.playbook_id, args.step_id, args.previous_step_id);
    const previous = tryParse(args.previous_bundle);
    const output = tryParse(args.bundle);
    const parseError = previous.error ?? output.error;
    const execution: PlaybookExecution = {
      at: this.now().toISOString(),
      args: { ...args },
      previousBundle: previous.value,
      bundle: output.value,
      parseError,
      result: known,
      mergedBundle: known && parseError === null ? mergeStepOutput(previous.value, output.value) : null,
    };
    this.executions.push(execution);
    if (known && parseError !== null) throw new SyntaxError(parseError);
    return known;
  }
}

function tryParse(text: string): { value: unknown; error: string | null } {
  try {
    return { value: JSON.parse(text), error: null };
  } catch (err) {
    return { value: undefined, error: err instanceof Error ? err.message : String(err) };
  }
}

type Obj = Record<string, unknown>;
const isPlainObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Ramda `mergeDeepWith(resolveDuplicate, previous, output)` with the executor's resolver. */
function mergeDeep(previous: Obj, output: Obj): Obj {
  const merged: Obj = { ...previous };
  for (const [key, value] of Object.entries(output)) {
    const before = merged[key];
    if (!(key in merged)) merged[key] = value;
    else if (isPlainObject(before) && isPlainObject(value)) merged[key] = mergeDeep(before, value);
    else if (Array.isArray(before) && Array.isArray(value)) merged[key] = uniqueDeep([...before, ...value]);
    else merged[key] = value;
  }
  return merged;
}

function uniqueDeep(values: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of values) if (!out.some((o) => isDeepStrictEqual(o, v))) out.push(v);
  return out;
}

function mergeStepOutput(previous: unknown, output: unknown): PlaybookExecution['mergedBundle'] {
  if (!isPlainObject(output) || !Array.isArray(output.objects)) return null;
  const outputObjects = output.objects.filter(isPlainObject);
  const previousObjects = isPlainObject(previous) && Array.isArray(previous.objects) ? previous.objects.filter(isPlainObject) : [];
  const byId = new Map(previousObjects.map((o) => [o.id, o]));
  const objects = outputObjects.map((o) => {
    const before = byId.get(o.id);
    return before ? mergeDeep(before, o) : o;
  });
  const present = new Set(outputObjects.map((o) => o.id));
  for (const o of previousObjects) if (!present.has(o.id)) objects.push(o);
  return { ...output, objects };
}
