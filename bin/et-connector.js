#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so `npx et-connector` works from a plain checkout.
require('tsx/cjs');
require('../src/cli/main.ts');
