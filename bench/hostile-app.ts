import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiClient } from '../test/support/api-client.js';

/** 24 words: with the pattern below, backtracking matchers try ~5^11 ways before failing. */
export const HOSTILE_EVENT_TYPE = Array.from({ length: 24 }, () => 'a').join('.');
/** 26 a's then a character the regexes below cannot match: backtracking doubles per a. */
const HOSTILE_STRING = 'a'.repeat(26) + '!';

/** One hostile subscription: what it attacks and the body that creates it (URL aside). */
export interface HostileIngredient {
  name: string;
  subscription: Record<string, unknown>;
  /** Whether its hostile events end in webhooks (the regexes match, at the end, in the end). */
  delivers: boolean;
}

/**
 * The findings of issue 11 that cost CPU in the shared process: an exponential event-type
 * pattern, a catastrophic filter regex, a catastrophic transform regex, and a transform that
 * runs until its deadline (a loop of 2.5e9 steps, each range within JSONata's sequence limit).
 */
export const HOSTILE_INGREDIENTS: readonly HostileIngredient[] = [
  { name: 'pattern #.#.#.#.#.#.#.#.#.#.#.z', subscription: { events: ['#.#.#.#.#.#.#.#.#.#.#.z'] }, delivers: false },
  { name: 'filter $regex (a|a)*$', subscription: { events: ['#'], filter: { 'data.s': { $regex: '(a|a)*$' } } }, delivers: true },
  { name: 'transform $match(data.s, /(a|a)*$/)', subscription: { events: ['#'], transform: '$match(data.s, /(a|a)*$/)' }, delivers: true },
  {
    name: 'transform burning its deadline',
    subscription: { events: ['#'], transform: '[1..50000].$reduce([1..50000], function($a, $b) { $a + $b })' },
    delivers: false,
  },
];

/** `path: message` of each invalid field of a problem+json, or its detail. */
function problemSummary(problem: { detail?: string; errors?: { path: string; message: string }[] }): string {
  return problem.errors?.map((error) => `${error.path}: ${error.message}`).join('; ') ?? problem.detail ?? JSON.stringify(problem);
}

export interface IngredientOutcome {
  name: string;
  /** The subscription's id, or undefined when it was refused. */
  id?: string;
  /** Why creation was refused (422), as the problem's detail. */
  refused?: string;
}

/**
 * Creates each hostile subscription for the app of `client`, delivering to `sinkUrl`. A 422 is
 * the platform refusing input that can never run safely: that ingredient is skipped (a pass).
 */
export async function createHostileSubscriptions(client: ApiClient, sinkUrl: string): Promise<IngredientOutcome[]> {
  const outcomes: IngredientOutcome[] = [];
  for (const [index, ingredient] of HOSTILE_INGREDIENTS.entries()) {
    const created = await client.post('/v1/subscriptions', { url: `${sinkUrl}/${index}`, ...ingredient.subscription });
    if (created.status === 201) outcomes.push({ name: ingredient.name, id: created.body.id });
    else if (created.status === 422) outcomes.push({ name: ingredient.name, refused: problemSummary(created.body) });
    else throw new Error(`hostile subscription (${ingredient.name}): ${created.status} ${JSON.stringify(created.body)}`);
  }
  return outcomes;
}

export interface HostilePublisher {
  /** Stops publishing; resolves with the answers counted by status (a stuck call is `pending`). */
  stop(): Promise<Record<string, number>>;
}

/**
 * Publishes the hostile event every `1000 / perSecond` ms, skipping a beat while the previous
 * publish is still unanswered (a stalled platform is not also flooded with connections).
 */
export function publishSteadily(baseUrl: string, key: string, perSecond: number): HostilePublisher {
  const answers: Record<string, number> = {};
  let inFlight: Promise<void> | undefined;
  const body = JSON.stringify({ type: HOSTILE_EVENT_TYPE, data: { s: HOSTILE_STRING } });
  const publishOne = async () => {
    try {
      const response = await fetch(`${baseUrl}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
      });
      await response.arrayBuffer();
      answers[response.status] = (answers[response.status] ?? 0) + 1;
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const kind = `failed (${cause?.code ?? cause?.message ?? String(error)})`;
      answers[kind] = (answers[kind] ?? 0) + 1;
    }
  };
  const timer = setInterval(() => {
    if (inFlight !== undefined) return;
    inFlight = publishOne().finally(() => (inFlight = undefined));
  }, 1000 / perSecond);
  return {
    async stop() {
      clearInterval(timer);
      if (inFlight !== undefined) answers.pending = 1;
      return answers;
    },
  };
}

export interface Sink {
  url: string;
  /** Requests received so far at `${url}/${index}` (the hostile ingredient of that index), and their distinct webhook-ids. */
  received(index: number): { requests: number; webhookIds: number };
  close(): Promise<void>;
}

/** Where the hostile app's deliveries go: answers 204 to anything, counting requests. */
export async function startSink(): Promise<Sink> {
  const received = new Map<string, { requests: number; ids: Set<string> }>();
  const server = createServer(function answerSink(req, res) {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      const seen = received.get(path) ?? { requests: 0, ids: new Set<string>() };
      seen.requests += 1;
      seen.ids.add(String(req.headers['webhook-id']));
      received.set(path, seen);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hostile`,
    received(index) {
      const seen = received.get(`/hostile/${index}`);
      return { requests: seen?.requests ?? 0, webhookIds: seen?.ids.size ?? 0 };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
