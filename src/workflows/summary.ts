/**
 * The human-readable work message of a run: what ET returned, what was kept and dropped, and which
 * calls failed. Pure functions (workflow code).
 */
import type { EtFindings, EtListResult, FailedCall } from '../shared/types';

const LABELS: Record<string, string> = {
  reputation: 'reputation categories',
  relatedDomains: 'related domains',
  relatedIps: 'related IPs',
  relatedSamples: 'related samples',
  geolocation: 'geolocations',
};

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function describeList(name: string, r: EtListResult<unknown>): string {
  const what = LABELS[name] ?? name;
  const parts = [`${fmt(r.items.length)} ${what}`];
  if (r.items.length < r.total) {
    const why: string[] = [];
    if (r.outsideWindow > 0) why.push(`${fmt(r.outsideWindow)} last seen before the window`);
    if (r.overCap > 0) why.push(`${fmt(r.overCap)} over the cap`);
    parts[0] = `kept ${fmt(r.items.length)} of ${fmt(r.total)} ${what} (${why.join(', ')})`;
  }
  if (r.invalidCount > 0) parts.push(`${fmt(r.invalidCount)} invalid item(s) skipped`);
  return parts.join(', ');
}

/** One clause per answered call, e.g. "kept 500 of 50,000 related IPs (49,500 over the cap)". */
export function describeFindings(findings: EtFindings): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(findings)) {
    if (value === undefined) continue;
    if (name === 'asn') out.push(value ? `AS${(value as { asn: number }).asn}` : 'no ASN');
    else if (name === 'sampleDetails') out.push(value ? 'sample details' : 'sample unknown to ET');
    else out.push(describeList(name, value as EtListResult<unknown>));
  }
  return out;
}

export function describeFailures(failed: FailedCall[]): string {
  return failed.map((f) => `${f.call} failed (${f.errorType}: ${f.message})`).join('; ');
}

export function describeAdded(added: Record<string, number>): string {
  const parts = Object.entries(added)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${fmt(n)} ${k}`);
  return parts.length > 0 ? parts.join(', ') : 'nothing new';
}
