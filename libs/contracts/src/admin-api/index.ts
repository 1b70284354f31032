// A second entry point: types only, free of Node's, so that the browser console can import it.

/**
 * The admin API as operations serves it (apps/operations/openapi.json): device-registry's paths and
 * operations' own, generated from that one document. The console and the CLI call it through
 * operations; the test kit calls device-registry's part of it on device-registry itself.
 */
export type {
  components as AdminApiComponents,
  operations as AdminApiOperations,
  paths as AdminApiPaths,
} from './admin-api.js';
