#!/usr/bin/env node
// The installed `tend` command: Node 20 cannot run TypeScript itself, so tsx loads cli/main.ts.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
