/** How the gateway answers errors: problem+json, 404 for unknown routes, 405 for wrong methods. */
export * from './problem-handler.js';
