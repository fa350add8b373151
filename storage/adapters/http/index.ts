/** The Storage port spoken over the storage service's internal API (distributed mode). */
export { createHttpStorage, type HttpStorageOptions } from './http-storage.js';
