import { getAlpha2Codes } from 'i18n-iso-countries/index';
import { describe, expect, it } from 'vitest';
import { SUBDIVISION_NAMES } from '../../../src/stix/country-data';
import { lookupCountry, lookupSubdivisionName } from '../../../src/stix/countries';
import { locationId } from '../../../src/stix/ids';

describe('lookupCountry', () => {
  // Names are i18n-iso-countries' English `official` names.
  it.each([
    ['DE', 'Germany'],
    ['us', 'United States of America'],
    [' FR ', 'France'],
    ['GB', 'United Kingdom'],
    ['CN', "People's Republic of China"],
    ['KR', 'South Korea'],
    ['TW', 'Taiwan, Province of China'],
  ])('%j is named %j', (code, name) => {
    expect(lookupCountry(code)).toEqual({ code: code.trim().toUpperCase(), name });
  });

  it('names US so that its Location id is the reference one', () => {
    const us = lookupCountry('US');
    expect(us && locationId(us.name, 'Country')).toBe('location--e79b4cf1-a256-5efa-bc74-c94c7c7ffde0');
  });

  it.each(['XK', 'EU', 'AP', 'A1', 'A2', 'ZZ', 'QM', 'XA', '', 'D', 'DEU', '276', '__proto__', 'constructor'])(
    'knows nothing of %j (special, user-assigned, not alpha-2 or malformed)',
    (code) => {
      expect(lookupCountry(code)).toBeUndefined();
    },
  );

  it('covers every ISO 3166-1 assigned code with a distinct name', () => {
    const codes = Object.keys(getAlpha2Codes()).filter((c) => c !== 'XK');
    expect(codes).toHaveLength(249);
    const names = codes.map((c) => lookupCountry(c)?.name.toLowerCase());
    expect(names).not.toContain(undefined);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('lookupSubdivisionName', () => {
  it('names ISO 3166-2 subdivisions from the country and region codes', () => {
    expect(lookupSubdivisionName('DE', 'BE')).toBe('Berlin');
    expect(lookupSubdivisionName('us', 'ca')).toBe('California');
    expect(lookupSubdivisionName('DE', 'DE-BY')).toBe('Bayern');
  });

  it('returns undefined for unknown or empty codes', () => {
    expect(lookupSubdivisionName('DE', '16')).toBeUndefined();
    expect(lookupSubdivisionName('DE', '')).toBeUndefined();
    expect(lookupSubdivisionName('XK', '01')).toBeUndefined();
    expect(Object.keys(SUBDIVISION_NAMES).length).toBeGreaterThan(5000);
  });
});
