export * from './stream.js';
export * from './context.js';
export * from './receiver.js';
export * from './call.js';
export * from './supervisor.js';
