import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkGatewayConfig, GatewayConfigError, loadGatewayConfig } from '../../../gateway/config/index.js';
import { writeConfig } from '../plugins/gateway-fixture.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

const VALID = `
services:
  orders:
    url: \${ORDERS_URL:-http://127.0.0.1:9000}
    timeoutMs: \${ORDERS_TIMEOUT_MS:-1500}
plugins:
  - name: request-id
routes:
  - name: create-order
    service: orders
    methods: [POST]
    paths: [/api/orders]
    plugins:
      - name: jwt
        config: {algorithms: [HS256], secret: "\${JWT_SECRET}", issuer: tests, audience: orders}
      - name: rate-limit
        config: {limit: 100, windowMs: 60000, by: app}
`;
const ENV = { JWT_SECRET: 'a-secret-of-at-least-thirty-two-characters' };

describe('loadGatewayConfig', () => {
  const files: { remove: () => void }[] = [];
  afterEach(() => files.splice(0).forEach((file) => file.remove()));
  const write = (yaml: string) => {
    const file = writeConfig(yaml);
    files.push(file);
    return file.path;
  };
  /** The messages a file gets, each without the file name it starts with (checked once here). */
  const mistakesIn = async (yaml: string, env: NodeJS.ProcessEnv = ENV) => {
    const path = write(yaml);
    const issues = await checkGatewayConfig(path, { env });
    for (const issue of issues) expect(issue.startsWith(`${path}: `)).toBe(true);
    return issues.map((issue) => issue.slice(path.length + 2));
  };

  it('returns a frozen, typed config with defaults applied and ${VAR} substituted', async () => {
    const config = await loadGatewayConfig(write(VALID), { env: { ...ENV, ORDERS_TIMEOUT_MS: '2500' } });
    expect(config.services.orders).toEqual({ url: 'http://127.0.0.1:9000', connectTimeoutMs: 5000, timeoutMs: 2500 });
    expect(config.plugins).toEqual([{ name: 'request-id', config: {} }]);
    const route = config.routes[0]!;
    expect(route).toMatchObject({ name: 'create-order', stripPath: false, pathRewrite: [], methods: ['POST'] });
    expect(route.plugins.map((plugin) => plugin.name)).toEqual(['jwt', 'rate-limit']);
    expect(route.plugins[0]!.config).toMatchObject({ secret: ENV.JWT_SECRET, appClaim: 'sub', clockToleranceSeconds: 30 });
    expect(route.plugins[1]!.config).toEqual({ limit: 100, windowMs: 60000, by: 'app', store: 'local', failOpen: false });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(route.plugins[1]!.config)).toBe(true);
    expect(config.registry.names()).toContain('jwt');
  });

  it('keeps a quoted reference a string and types a plain one', async () => {
    const config = await loadGatewayConfig(
      // Block style: in a flow collection ({...}) a plain ${...} is not valid YAML, and quoting it keeps a string.
      write('routes:\n  - name: r\n    paths: [/]\n    plugins:\n      - name: rate-limit\n        config:\n          limit: ${LIMIT}\n          windowMs: 1000\n          policy: "${POLICY}"\n'),
      { env: { LIMIT: '7', POLICY: '42' } },
    );
    expect(config.routes[0]!.plugins[0]!.config).toMatchObject({ limit: 7, policy: '42' });
  });

  it('throws a GatewayConfigError listing every mistake', async () => {
    const path = write('routes: [{name: a, paths: [nope], extra: 1}]');
    const error = await loadGatewayConfig(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayConfigError);
    expect((error as GatewayConfigError).issues).toEqual([`${path}: routes[0] (a).paths[0]: must start with /`, `${path}: routes[0] (a).extra: is not a known field`]);
    expect((error as Error).message).toMatch(/^Invalid gateway config:\n {2}\//);
  });

  const mistakes: [string, string, string][] = [
    [
      'a plugin config value',
      VALID.replace('limit: 100', 'limit: -1'),
      'routes[0] (create-order).plugins[1] (rate-limit).config.limit: must be a positive integer',
    ],
    ['an unknown plugin config field', VALID.replace('by: app', 'by: app, burst: 5'), 'routes[0] (create-order).plugins[1] (rate-limit).config.burst: is not a known field'],
    ['a missing plugin config field', VALID.replace(', audience: orders', ''), 'routes[0] (create-order).plugins[0] (jwt).config.audience: is required'],
    ['an unknown route field', VALID.replace('stripPath', 'x').replace('methods: [POST]', 'methods: [POST]\n    strip_path: true'), 'routes[0] (create-order).strip_path: is not a known field'],
    ['an unknown top-level field', `${VALID}\nroute: []\n`, 'route: is not a known field'],
    ['an unregistered plugin', VALID.replace('name: request-id', 'name: geo-block'), 'plugins[0] (geo-block).name: no plugin named "geo-block" is registered (registered: body-limit, cors, emit-event, jwt, key-auth, metrics, rate-limit, request-id)'],
    ['the proxy listed as a plugin', VALID.replace('name: request-id', 'name: proxy'), 'plugins[0] (proxy).name: the proxy is not listed as a plugin: a route with a service ends in it'],
    ['a service that does not exist', VALID.replace('service: orders', 'service: order'), 'routes[0] (create-order).service: no service named "order" (services: orders)'],
    ['a duplicate route name', `${VALID}  - {name: create-order, paths: [/other]}\n`, 'routes[1] (create-order).name: routes[0] is already named "create-order"'],
    ['a missing route field', VALID.replace('    paths: [/api/orders]\n', ''), 'routes[0] (create-order).paths: is required'],
    ['a method that is not one', VALID.replace('[POST]', '[POST, post]'), 'routes[0] (create-order).methods[1]: must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'],
    ['a path that is no pattern', VALID.replace('[/api/orders]', '["/api/(orders"]'), 'routes[0] (create-order).paths[0]: is not a path pattern: Unexpected ( at index 5'],
    [
      'a rewrite that could backtrack',
      VALID.replace('methods: [POST]', 'methods: [POST]\n    pathRewrite: [{pattern: "(a+)+$", replacement: ""}]'),
      'routes[0] (create-order).pathRewrite[0].pattern: may take exponential time (nested quantifiers); simplify it',
    ],
    ['a service without a URL scheme', VALID.replace('url: ${ORDERS_URL:-http://127.0.0.1:9000}', 'url: 127.0.0.1:9000'), 'services.orders.url: must be a URL starting http:// or https://'],
    ['a limit per app without authentication first', VALID.replace(/ {6}- name: jwt\n.*\n/, ''), 'routes[0] (create-order).plugins[0] (rate-limit).config.by: needs an earlier plugin that authenticates the caller (jwt, key-auth)'],
    ['an unset variable', VALID, 'routes[0] (create-order).plugins[0] (jwt).config.secret: ${JWT_SECRET} is not set and has no default'],
    ['a YAML syntax error', 'services: {}\nroutes: []\nroutes: []\n', 'Map keys must be unique at line 3, column 1'],
    ['a file that is not a mapping', '- just\n- a list\n', 'must be a mapping with services, plugins and routes'],
  ];
  for (const [kind, yaml, expected] of mistakes) {
    it(`names the place of ${kind}`, async () => {
      const found = await mistakesIn(yaml, kind === 'an unset variable' ? {} : ENV);
      expect(found, found.join('\n')).toContain(expected);
    });
  }

  it('names a file that cannot be read', async () => {
    expect(await checkGatewayConfig('/nonexistent/hookgate.yaml')).toEqual(['/nonexistent/hookgate.yaml: cannot be read (ENOENT)']);
  });

  it('returns no messages for a valid file', async () => {
    expect(await checkGatewayConfig(write(VALID), { env: ENV })).toEqual([]);
  });

  describe('plugin modules', () => {
    const withModule = (name: string, module: string) => `
pluginModules:
  - {name: ${name}, module: "${module}"}
routes:
  - {name: r, paths: [/], plugins: [{name: ${name}, config: {label: a}}]}
`;

    it('registers a module plugin and validates its config with its own schema', async () => {
      const config = await loadGatewayConfig(write(withModule('tag', fixture('tag-plugin.ts'))));
      expect(config.registry.names()).toContain('tag');
      expect(config.routes[0]!.plugins).toEqual([{ name: 'tag', config: { label: 'a' } }]);
      expect(await mistakesIn(withModule('tag', fixture('tag-plugin.ts')).replace('label: a', 'label: ""'))).toEqual([
        'routes[0] (r).plugins[0] (tag).config.label: Too small: expected string to have >=1 characters',
      ]);
    });

    it('refuses a module that exports no plugin, one that cannot be imported, a wrong name and a taken one', async () => {
      expect(await mistakesIn(withModule('broken', fixture('not-a-plugin.ts')))).toContain(
        `pluginModules[0] (broken).module: ${fixture('not-a-plugin.ts')} does not export a plugin: configSchema must be a zod 4 schema; create must be a function (config, context) => middleware`,
      );
      expect((await mistakesIn(withModule('gone', './gone.js')))[0]).toMatch(/^pluginModules\[0\] \(gone\)\.module: \.\/gone\.js cannot be imported: /);
      expect(await mistakesIn(withModule('other', fixture('tag-plugin.ts')))).toContain(
        `pluginModules[0] (other).name: ${fixture('tag-plugin.ts')} exports a plugin named "tag"`,
      );
      expect(await mistakesIn(withModule('jwt', fixture('tag-plugin.ts')))).toContain(`pluginModules[0] (jwt).name: ${fixture('tag-plugin.ts')} exports a plugin named "tag"`);
    });
  });
});
