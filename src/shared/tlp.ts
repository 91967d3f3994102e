/**
 * TLP levels and their order (protocol §3.8). Dependency-free: used by the bridge and the workflow.
 */
export const TLP_LEVELS = ['TLP:CLEAR', 'TLP:WHITE', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'] as const;
export type TlpLevel = (typeof TLP_LEVELS)[number];

/** Rank for comparison: CLEAR and WHITE rank equal, as pycti's check_max_tlp does. */
export const TLP_RANK: Record<TlpLevel, number> = {
  'TLP:CLEAR': 0,
  'TLP:WHITE': 0,
  'TLP:GREEN': 1,
  'TLP:AMBER': 2,
  'TLP:AMBER+STRICT': 3,
  'TLP:RED': 4,
};

/** Static standard ids of the TLP marking definitions, as OpenCTI and pycti use them. */
export const TLP_MARKING_IDS: Record<TlpLevel, string> = {
  'TLP:CLEAR': 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  'TLP:WHITE': 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  'TLP:GREEN': 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
  'TLP:AMBER': 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
  'TLP:AMBER+STRICT': 'marking-definition--826578e1-40ad-459f-bc73-ede076f81f37',
  'TLP:RED': 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed',
};

/** The TLP level a marking id stands for, or undefined for a non-TLP (or unknown) marking. */
export function tlpOfMarkingId(id: string): TlpLevel | undefined {
  if (id === TLP_MARKING_IDS['TLP:CLEAR']) return 'TLP:CLEAR';
  return (Object.keys(TLP_MARKING_IDS) as TlpLevel[]).find((level) => TLP_MARKING_IDS[level] === id);
}

/** The highest TLP among marking ids, or undefined when the entity carries no TLP marking. */
export function highestTlp(markingIds: readonly string[]): TlpLevel | undefined {
  let best: TlpLevel | undefined;
  for (const id of markingIds) {
    const level = tlpOfMarkingId(id);
    if (level && (best === undefined || TLP_RANK[level] > TLP_RANK[best])) best = level;
  }
  return best;
}

/** True when an entity marked `entityTlp` may be sent to ET under the maximum `maxTlp`. */
export function isTlpAllowed(entityTlp: TlpLevel | undefined, maxTlp: TlpLevel): boolean {
  return entityTlp === undefined || TLP_RANK[entityTlp] <= TLP_RANK[maxTlp];
}
