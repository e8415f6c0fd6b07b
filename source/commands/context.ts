/** Moved to ../common/context.ts (shared with the UI); kept for existing imports. */
export * from '../common/context.js';
