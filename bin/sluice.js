#!/usr/bin/env node
// The CLI is written in TypeScript and compiled by `npm run build` into dist/.
const { run } = await import('../dist/server/cli/main.js');
process.exitCode = await run(process.argv.slice(2));
