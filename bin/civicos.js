#!/usr/bin/env node
// The `civicos` CLI runs the TypeScript sources through tsx, so there is no build step to forget.
// It calls the CLI explicitly: `npx civicos`, `npm link` and a global install run this file
// through a symlink named `civicos`, so the CLI cannot guess from argv whether it was started.
require('tsx/cjs');
const { runCli } = require('../client/cli.ts');

runCli(process.argv).then((code) => {
  process.exitCode = code;
});
