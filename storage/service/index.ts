/** The storage tier as its own HTTP service (distributed mode), and the wire format of its internal API. */
export { createStorageServiceApp, type StorageServiceOptions } from './storage-service.js';
export { STORAGE_METHODS } from './storage-methods.js';
