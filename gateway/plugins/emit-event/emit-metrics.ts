import { Counter, type Registry } from 'prom-client';

const EMITTED_METRIC = 'hookgate_gateway_emitted_events_total';

export type EmitOutcome = 'queued' | 'no_app' | 'data_failed' | 'outbox_failed';

/**
 * `hookgate_gateway_emitted_events_total{route, outcome}`, once per registry (every plugin
 * instance and every reload shares it): 2xx answers that became an outbox entry (`queued`), and
 * those that did not, by why.
 */
export function emittedEventsCounter(registry: Registry): Counter<'route' | 'outcome'> {
  return (
    (registry.getSingleMetric(EMITTED_METRIC) as Counter<'route' | 'outcome'> | undefined) ??
    new Counter({
      name: EMITTED_METRIC,
      help: 'Successful (2xx) answers on routes with emit-event, by route and outcome: queued (in the outbox), no_app (the caller is no app), data_failed (the data expression failed), outbox_failed (the outbox could not store it).',
      labelNames: ['route', 'outcome'],
      registers: [registry],
    })
  );
}
