import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventOutbox } from './event-outbox.js';

const DEPTH_METRIC = 'hookgate_gateway_outbox_events';
const RELAYED_METRIC = 'hookgate_gateway_outbox_relayed_total';

/** The depth gauge, reading every outbox registered with it at scrape time (one per process; tests run several). */
class OutboxDepthGauge extends Gauge<'state'> {
  readonly outboxes = new Set<EventOutbox>();
}

export interface OutboxMetrics {
  /** Entries the relay handled, by outcome: `published`, `failed` (will retry), `parked` (refused for good). */
  relayed: Counter<'outcome'>;
  /** Reads `outbox` at every scrape until the returned function is called. */
  observe(outbox: EventOutbox): () => void;
}

/**
 * The outbox's metrics on `registry`, created once per registry (a second relay on the same
 * registry shares them): `hookgate_gateway_outbox_events{state="waiting"|"parked"}` and
 * `hookgate_gateway_outbox_relayed_total{outcome}`.
 */
export function outboxMetrics(registry: Registry): OutboxMetrics {
  let depth = registry.getSingleMetric(DEPTH_METRIC) as OutboxDepthGauge | undefined;
  if (depth === undefined) {
    const gauge: OutboxDepthGauge = new OutboxDepthGauge({
      name: DEPTH_METRIC,
      help: 'Events in the gateway outbox, by state: waiting to be published, or parked (the platform refused them; an operator must act).',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        let waiting = 0;
        let parked = 0;
        let read = 0;
        for (const outbox of gauge.outboxes) {
          try {
            const counts = await outbox.depth();
            waiting += counts.waiting;
            parked += counts.parked;
            read += 1;
          } catch {
            // An outbox that cannot be read right now is left out; the relay logs its failures.
          }
        }
        if (read === 0) {
          gauge.reset();
          return;
        }
        gauge.set({ state: 'waiting' }, waiting);
        gauge.set({ state: 'parked' }, parked);
      },
    });
    depth = gauge;
  }
  const relayed =
    (registry.getSingleMetric(RELAYED_METRIC) as Counter<'outcome'> | undefined) ??
    new Counter({
      name: RELAYED_METRIC,
      help: 'Gateway outbox entries handled by the relay, by outcome: published, failed (kept; retried after a back-off), parked (refused for good).',
      labelNames: ['outcome'],
      registers: [registry],
    });
  const gauge = depth;
  return {
    relayed,
    observe(outbox) {
      gauge.outboxes.add(outbox);
      return () => gauge.outboxes.delete(outbox);
    },
  };
}
