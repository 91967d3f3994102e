/**
 * ISO 3166 look-ups for the geolocation mapping: country code -> Country name, and subdivision
 * code -> subdivision name. Pure and offline.
 *
 * Country names come from the npm package `i18n-iso-countries` (MIT), English locale, `official`
 * name: the short UN-style common name that OpenCTI's Country entities usually carry ("Germany",
 * "United States of America", "France"), so the Location we send normally resolves to the existing
 * Country instead of creating a second one (et-intelligence.md §5 #8). (`alias` would give e.g.
 * "United States", which is not OpenCTI's name.) Some official names still differ from OpenCTI's
 * (e.g. CN "People's Republic of China", KR "South Korea", GB "United Kingdom").
 *
 * Only codes the package knows give a name: the 249 assigned ISO 3166-1 codes plus XK, which the
 * package knows as "Kosovo" (a user-assigned code, but the de-facto code for Kosovo). Other special
 * or user-assigned codes used by geo-IP vendors (EU, AP, A1, A2, ZZ, QM, ...) give undefined.
 *
 * Subdivision names come from the generated `country-data.ts` (Debian iso-codes, ISO 3166-2).
 *
 * @module
 */
// `i18n-iso-countries/index`, not the package main: the main entry registers all ~80 locales, we only need English.
import { getName, registerLocale, type LocaleData } from 'i18n-iso-countries/index';
import { SUBDIVISION_NAMES } from './country-data';

registerLocale(require('i18n-iso-countries/langs/en.json') as LocaleData);

const has = (table: Readonly<Record<string, string>>, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(table, key);

/** A country known to ISO 3166-1. */
export interface Country {
  /** Upper-case ISO 3166-1 alpha-2 code. */
  code: string;
  /** The country's English short name (i18n-iso-countries `official`), as OpenCTI's Country entity usually carries. */
  name: string;
}

/** The country for an alpha-2 code (any case, surrounding spaces ignored), or undefined if not a known code. */
export function lookupCountry(code: string): Country | undefined {
  const normalized = code.trim().toUpperCase();
  // getName also accepts alpha-3 and numeric codes: only alpha-2 is a country code here.
  if (!/^[A-Z]{2}$/.test(normalized)) return undefined;
  // ISO 3166 user-assigned codes (AA, QM-QZ, XA-XZ, ZZ; XK is Kosovo's provisional one) are not
  // countries ISO defines: no Country entity in OpenCTI matches them, so we make no Location.
  if (/^(AA|Q[M-Z]|X[A-Z]|ZZ)$/.test(normalized)) return undefined;
  const name = getName(normalized, 'en', { select: 'official' });
  return name ? { code: normalized, name } : undefined;
}

/**
 * The ISO 3166-2 name of subdivision `<countryCode>-<region>` (e.g. `DE`, `BE` -> "Berlin"), or
 * undefined if unknown. `region` may also be given with its country prefix (`DE-BE`).
 * ET documents `region` as an ISO 3166-2 or FIPS 10-4 code; FIPS codes are usually not found here.
 */
export function lookupSubdivisionName(countryCode: string, region: string): string | undefined {
  const cc = countryCode.trim().toUpperCase();
  const sub = region.trim().toUpperCase();
  if (cc === '' || sub === '') return undefined;
  const code = sub.startsWith(`${cc}-`) ? sub : `${cc}-${sub}`;
  return has(SUBDIVISION_NAMES, code) ? SUBDIVISION_NAMES[code] : undefined;
}
