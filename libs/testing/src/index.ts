export * from './admin-client.js';
export * from './container-specs.js';
export * from './delivery-group.js';
export * from './device-client.js';
export * from './expect-eventually.js';
export * from './metrics-scrape.js';
export { startPlatformInContainers, type ContainerPlatformOptions } from './platform-containers.js';
export * from './platform-harness.js';
export * from './smtp-client.js';
