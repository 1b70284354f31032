// A second entry point: types only, free of Node's, so that the browser console can import it.
import type { components as RegistryComponents, paths as RegistryPaths } from './device-registry-api.js';
import type { components as OperationsComponents, paths as OperationsPaths } from './operations-api.js';

export type {
  components as DeviceRegistryApiComponents,
  operations as DeviceRegistryApiOperations,
  paths as DeviceRegistryApiPaths,
} from './device-registry-api.js';

/**
 * The admin API as operations serves it (apps/operations/openapi.json): device-registry's paths and
 * operations' own. The console and the CLI call it.
 */
export type AdminApiPaths = RegistryPaths & OperationsPaths;
export interface AdminApiComponents {
  schemas: RegistryComponents['schemas'] & OperationsComponents['schemas'];
}
