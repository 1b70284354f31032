export * from './basic-credentials.js';
export * from './registry-client.js';
export * from './revision-waiters.js';
export * from './sign-in-cache.js';
