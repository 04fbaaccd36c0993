// Lets plain Node run the project's TypeScript sources without a build step:
//   node --import ./scripts/ts-register.mjs scripts/fuzz.ts
// Used by `npm run fuzz` and by the job pool (src/engine/jobs/pool.ts) when the engine itself runs from
// its .ts sources (vitest), so a forked worker can load the same sources. Types are stripped with the oxc
// transform that rolldown (already installed for Vite) ships; no type checking happens here.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
