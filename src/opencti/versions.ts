/**
 * Which registration input fields each OpenCTI version defines (protocol §1.3): GraphQL rejects
 * an input field the platform does not know, so we send only those of the platform we talk to.
 */
export const REGISTER_FIELD_SINCE: Readonly<Record<string, string>> = {
  playbook_compatible: '5.11.0',
  listen_callback_uri: '6.5.7',
  auto_update: '6.8.9',
  enrichment_resolution: '6.8.9',
};

/** Compares dotted versions numerically (pre-release suffixes ignored). */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parts = (v: string) => v.split(/[.-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0);
  const [a, b] = [parts(version), parts(minimum)];
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/** True when the platform version defines this RegisterConnectorInput field. */
export function supportsRegisterField(platformVersion: string, field: string): boolean {
  const since = REGISTER_FIELD_SINCE[field];
  return since === undefined || versionAtLeast(platformVersion, since);
}
