export * from './budget.js';
export * from './capabilities.js';
export * from './dispatcher.js';
export * from './errors.js';
export * from './request.js';
export * from './result-reference.js';
export * from './websocket.js';
export * from './client/device-client.js';
