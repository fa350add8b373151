/** The gateway's routes as a request handler: built from a validated config, reloadable while serving. */
export { buildGatewayPipeline, type PipelineContext } from './build-pipeline.js';
export { createReloadableGateway, type ReloadableGateway, type ReloadableGatewayOptions, type ReloadResult } from './reloadable-gateway.js';
export { reloadOnFileChange, reloadOnSignal } from './reload-triggers.js';
