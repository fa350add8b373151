#!/usr/bin/env node
// Runs a TypeScript entry point (benchmarks, scripts) with the same loader that `npm start` uses.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: run-ts.js FILE.ts [args...]\n');
  process.exit(2);
}
process.argv.splice(2, 1);
const { register } = await import('tsx/esm/api');
register();
await import(pathToFileURL(resolve(entry)).href);
