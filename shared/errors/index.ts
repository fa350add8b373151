export * from './catalogue.js';
export * from './hookgate-error.js';
export * from './problem.js';
