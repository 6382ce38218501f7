#!/usr/bin/env node
// The `civicos` CLI runs the TypeScript sources through tsx, so there is no build step to forget.
require('tsx/cjs');
require('../client/cli.ts');
