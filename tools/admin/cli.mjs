// Kept so that `node tools/admin/cli.mjs` goes on working: the CLI is cli.ts, which Node runs as it is.
await import('./cli.ts');
