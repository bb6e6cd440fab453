#!/usr/bin/env node
// The `facekit` command: runs the built CLI (dist/cli.js; `npm run build` makes it in a checkout).
let cli;
try {
  cli = await import('../dist/cli.js');
} catch (e) {
  const msg = String(e?.message ?? e).split('\n')[0];
  const hint = /dist[\\/]cli\.js/.test(msg) ? ' (run `npm run build` first)' : '';
  process.stderr.write(`facekit: E_INTERNAL: cannot load the CLI: ${msg}${hint}\n`);
  process.exit(1);
}
await cli.run();
