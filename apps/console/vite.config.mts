import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// device-registry serves the output under /console/; JSX goes through the bundler's own
// transform, so no framework plugin is needed.
export default defineConfig({
  root,
  base: '/console/',
  build: {
    outDir: fileURLToPath(new URL('../../dist/apps/console', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
  },
});
