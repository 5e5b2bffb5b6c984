export * from './errors.js';
export * from './messages.js';
export * from './session-config.js';
export * from './webrtc.js';
