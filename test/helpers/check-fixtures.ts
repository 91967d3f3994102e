/** Fails the run at once, with one clear line, when the shared fixtures are not where the tests read them. */
import { existsSync } from 'node:fs';
import { FIXTURES_DIR } from './fixtures';

export function setup(): void {
  if (!existsSync(FIXTURES_DIR)) {
    throw new Error(`The shared test fixtures are missing: expected them at ${FIXTURES_DIR} (../shared/fixtures beside the clone); set SHARED_DIR to the shared/ folder (or FIXTURES_DIR to the fixtures alone)`);
  }
}
