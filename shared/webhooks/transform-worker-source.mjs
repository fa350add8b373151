// A TransformPool worker started from the TypeScript sources (`npm start` through tsx, vitest):
// a child process does not inherit the loader its parent registered, so it registers tsx
// itself, as bin/hookgate.js does, before loading the worker. The compiled build forks
// transform-worker.js directly and never loads this file.
import { register } from 'tsx/esm/api';

register();
await import('./transform-worker.ts');
