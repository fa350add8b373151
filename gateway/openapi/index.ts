/** The OpenAPI 3.1 document, generated from the route declarations and their zod schemas. */
export * from './build-document.js';
