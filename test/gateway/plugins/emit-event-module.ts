// The emit-event plugin as an operator's plugin module, for configs in tests while the built-in
// registry does not list it (see emitEventModules in emit-event-fixture.ts).
export { emitEventPlugin as plugin } from '../../../gateway/plugins/emit-event/index.js';
