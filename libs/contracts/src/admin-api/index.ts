// A second entry point: types only, free of Node's, so that the browser console can import it.
export type {
  components as DeviceRegistryApiComponents,
  operations as DeviceRegistryApiOperations,
  paths as DeviceRegistryApiPaths,
} from './device-registry-api.js';
