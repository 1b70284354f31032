export * from './basic-credentials.js';
export * from './registry-client.js';
export * from './revision-waiters.js';
export * from './sign-in-cache.js';
export * from './trail/device-trail.js';
export * from './trail/trail-buffer.js';
export * from './device-activity.reporter.js';
export * from './periodic-flush.js';
