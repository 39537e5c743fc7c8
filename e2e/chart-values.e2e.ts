import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { loadConfig } from '@meridian/config';
import { describeOrSkip } from '@meridian/testing';

// The chart is checked without helm first (fast, and where no helm runs): values against
// values.schema.json (what `helm install` enforces), every value path the
// templates read against the same schema, and the images/compose files against the rules
// operators rely on (non-root, health checks, no baked secrets, env names the server reads).

const ROOT = resolve(__dirname, '..');
const CHART = join(ROOT, 'charts/meridian');
const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as JsonSchema;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonSchema = { [k: string]: Json };

// merge: compose files share service settings through `<<: *anchor`.
const readYaml = (path: string) => parseYaml(readFileSync(path, 'utf8'), { merge: true }) as Record<string, Json>;

function isMap(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Helm's coalescing of user values over the chart's values.yaml: maps merge, lists are replaced, null deletes. */
function coalesce(base: Record<string, Json>, over: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = isMap(v) && isMap(base[k]) ? coalesce(base[k], v) : v;
  }
  return out;
}

function compile(): ValidateFunction {
  // strict: a misspelled schema keyword fails the test instead of silently validating nothing.
  return new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
}

const describeErrors = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : ''}`);

function validate(values: Record<string, Json>): string[] {
  const check = compile();
  return check(values) ? [] : describeErrors(check.errors);
}

const defaults = readYaml(join(CHART, 'values.yaml'));
const example = (name: string) => coalesce(defaults, readYaml(join(CHART, 'examples', name)));

describe('chart values against values.schema.json', () => {
  it('accepts the minimal values and the two-region (Tokyo, Seoul) example', () => {
    expect(validate(example('minimal.values.yaml'))).toEqual([]);
    const two = example('two-regions.values.yaml');
    expect(validate(two)).toEqual([]);
    expect((two.regions as Array<{ id: string }>).map((r) => r.id)).toEqual(['ap-northeast-1', 'ap-northeast-2']);
  });

  it('rejects values.yaml alone, naming the Secret and the regions that must be set', () => {
    const errors = validate(defaults);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/controlPlane\/database\/existingSecret /),
        expect.stringMatching(/^\/controlPlane\/secretsKey\/existingSecret /),
        expect.stringMatching(/^\/regions must NOT have fewer than 1 items/),
      ]),
    );
  });

  it('rejects typos, bad region ids, credentials in URLs and bad numbers with the path at fault', () => {
    const base = example('minimal.values.yaml');
    const region = (base.regions as Json[])[0] as Record<string, Json>;
    const withRegion = (r: Record<string, Json>) => ({ ...base, regions: [r] });
    expect(validate(withRegion({ ...region, clickhose: region.clickhouse }))).toContain('/regions/0 must NOT have additional properties (clickhose)');
    expect(validate(withRegion({ ...region, id: 'Tokyo 1' }))[0]).toMatch(/^\/regions\/0\/id must match pattern/);
    expect(validate(withRegion({ ...region, clickhouse: { url: 'http://admin:secret@ch:8123', database: 'meridian' } }))[0]).toMatch(
      /^\/regions\/0\/clickhouse\/url must match pattern/,
    );
    expect(validate(withRegion({ ...region, kafka: { brokers: ['kafka'] } }))[0]).toMatch(/^\/regions\/0\/kafka\/brokers\/0 must match pattern/);
    expect(validate(coalesce(base, { cellDefaults: { intake: { replicas: -1 } } }))).toEqual(['/cellDefaults/intake/replicas must be >= 0']);
    expect(validate(coalesce(base, { cellDefaults: { intake: { autoscalling: { enabled: true } } } }))).toEqual([
      '/cellDefaults/intake must NOT have additional properties (autoscalling)',
    ]);
  });
});

// ---- every value path the templates read exists in the schema ------------------------------

/** The schema node for a dotted path below `node`, or undefined if the schema has no such key. */
function schemaAt(node: JsonSchema | undefined, path: string[]): JsonSchema | undefined {
  let cur = node;
  for (const key of path) {
    cur = deref(cur);
    if (!cur) return undefined;
    const props = cur.properties as Record<string, JsonSchema> | undefined;
    if (props && key in props) cur = props[key];
    else if (isMap(cur.additionalProperties)) cur = cur.additionalProperties as JsonSchema;
    // Free-form objects (securityContext, affinity: passed through to Kubernetes as they are).
    else if (!props && cur.additionalProperties === undefined && cur.type === 'object') return {};
    else return undefined;
  }
  return deref(cur);
}

function deref(node: JsonSchema | undefined): JsonSchema | undefined {
  const ref = node?.$ref;
  return typeof ref === 'string' ? pointer(ref) : node;
}

function pointer(ref: string): JsonSchema | undefined {
  let cur: Json = schema;
  for (const part of ref.replace(/^#\/?/, '').split('/').filter(Boolean)) cur = isMap(cur) ? cur[part] : (undefined as unknown as Json);
  return isMap(cur) ? cur : undefined;
}

const HELM_BUILTINS = new Set(['Values', 'Release', 'Chart', 'Capabilities', 'Template', 'Files']);

/**
 * Problems in one template file: `.Values.a.b` paths (also `$.Values…`, `$root.Values…`) not
 * in the schema, and `$var.a.b` reads whose variable is bound to no schema node. A variable is
 * bound by `range $v := <values path>` (to the list's items), by `$v := <values path>`, or by a
 * `/* schema $v: #/definitions/x *\/` comment for values that arrive through parameters.
 */
function templateProblems(name: string, text: string): string[] {
  const problems: string[] = [];
  const vars = new Map<string, JsonSchema | undefined>();
  const resolvePath = (expr: string): JsonSchema | undefined => {
    const m = /^(\$?[A-Za-z_]\w*|\$|)\.((?:[A-Za-z_]\w*\.?)+)$/.exec(expr.trim());
    if (!m) return undefined;
    const [head, path] = [m[1], m[2].split('.').filter(Boolean)];
    if (path[0] === 'Values') return schemaAt(schema, path.slice(1));
    return head.startsWith('$') && vars.has(head.slice(1)) ? schemaAt(vars.get(head.slice(1)), path) : undefined;
  };
  for (const [, action] of text.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)) {
    const annotation = /\/\*\s*schema\s+\$(\w+):\s*(#\/\S+)\s*\*\//.exec(action);
    if (annotation) {
      const target = pointer(annotation[2]);
      if (!target) problems.push(`${name}: schema comment for $${annotation[1]} points to ${annotation[2]}, which values.schema.json lacks`);
      vars.set(annotation[1], target);
      continue;
    }
    if (/^\s*\/\*/.test(action)) continue; // other comments
    for (const [, path] of action.matchAll(/\.Values((?:\.[A-Za-z_]\w*)+)/g)) {
      if (!schemaAt(schema, path.slice(1).split('.'))) problems.push(`${name}: .Values${path} is not in values.schema.json`);
    }
    for (const [, v, path] of action.matchAll(/\$([A-Za-z_]\w*)((?:\.[A-Za-z_]\w*)+)/g)) {
      const segments = path.slice(1).split('.');
      if (HELM_BUILTINS.has(segments[0])) continue; // $root.Values… is checked above; $root.Release… is Helm's
      if (!vars.has(v) || !vars.get(v))
        problems.push(`${name}: $${v}${path} reads a variable bound to no schema node (bind it from .Values or add a schema comment)`);
      else if (!schemaAt(vars.get(v), segments)) problems.push(`${name}: $${v}${path} is not in values.schema.json`);
    }
    const range = /^\s*range\s+(?:\$\w+\s*,\s*)?\$(\w+)\s*:=\s*(\S+)\s*$/.exec(action);
    const assign = /^\s*\$(\w+)\s*:?=\s*(\S+)\s*$/.exec(action);
    if (range) vars.set(range[1], deref(resolvePath(range[2]))?.items as JsonSchema | undefined);
    else if (assign) vars.set(assign[1], resolvePath(assign[2]));
  }
  return problems;
}

const templates = readdirSync(join(CHART, 'templates')).map((f) => ({ name: f, text: readFileSync(join(CHART, 'templates', f), 'utf8') }));

describe('chart templates read only values the schema defines', () => {
  it('finds every .Values path and schema-bound variable read in the templates', () => {
    const problems = templates.flatMap((t) => templateProblems(t.name, t.text));
    expect(problems).toEqual([]);
    // The scan does see the reads (the chart reads values through range/with blocks and helpers).
    const all = templates.map((t) => t.text).join('\n');
    for (const read of [
      '$.Values.regions',
      '$root.Values.config.kafka.compression',
      '$r.clickhouse.url',
      '$c.autoscaling.maxReplicas',
      '$cr.clickhouse.existingSecret',
    ])
      expect(all).toContain(read);
  });

  it('fails on a misspelled path, inside range and through variables', () => {
    const typo = [
      '{{- range $r := $.Values.regions }}{{ $r.clickhouse.urll }}{{ end }}',
      '{{ .Values.controlPlane.databse.existingSecret }}',
      '{{- with $.Values.config }}{{ $.Values.config.kafka.compresion }}{{ end }}',
      '{{ $x := .foo }}{{ $x.bar }}',
      '{{- /* schema $c: #/definitions/componnt */ -}}',
    ].join('\n');
    expect(templateProblems('typo.yaml', typo)).toEqual([
      'typo.yaml: $r.clickhouse.urll is not in values.schema.json',
      'typo.yaml: .Values.controlPlane.databse.existingSecret is not in values.schema.json',
      'typo.yaml: .Values.config.kafka.compresion is not in values.schema.json',
      'typo.yaml: $x.bar reads a variable bound to no schema node (bind it from .Values or add a schema comment)',
      'typo.yaml: schema comment for $c points to #/definitions/componnt, which values.schema.json lacks',
    ]);
  });

  it('sets only environment variables the server reads (libs/config)', () => {
    const configSource = readFileSync(join(ROOT, 'libs/config/src/load-config.ts'), 'utf8');
    const files = [
      ...templates.map((t) => t.text),
      readFileSync(join(ROOT, 'infra/compose/docker-compose.yml'), 'utf8'),
      readFileSync(join(ROOT, 'infra/docker/server.Dockerfile'), 'utf8'),
    ];
    const names = new Set(files.flatMap((f) => [...f.matchAll(/\b((?:MERIDIAN|DATABASE)_[A-Z0-9_]+)\b/g)].map((m) => m[1])));
    expect(names.size).toBeGreaterThan(8);
    expect([...names].filter((n) => !configSource.includes(`'${n}'`) && !configSource.includes(`env.${n}`))).toEqual([]);
  });
});

describe('render-config.js (init step of every pod)', () => {
  it('adds ClickHouse credentials from the environment and writes the file for the owner only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-render-'));
    const template = join(dir, 'in.json');
    const out = join(dir, 'out.json');
    writeFileSync(
      template,
      JSON.stringify({
        regions: [
          { id: 'ap-northeast-1', clickhouse: { mode: 'http', url: 'http://ch:8123', database: 'm' } },
          { id: 'ap-northeast-2', clickhouse: { mode: 'http', url: 'http://ch2:8123', database: 'm' } },
        ],
      }),
    );
    execFileSync(process.execPath, [join(ROOT, 'scripts/render-config.js'), template, out], {
      env: { PATH: process.env.PATH, CLICKHOUSE_USERNAME__AP_NORTHEAST_1: 'meridian', CLICKHOUSE_PASSWORD__AP_NORTHEAST_1: 'p"w' },
    });
    const written = JSON.parse(readFileSync(out, 'utf8')) as { regions: Array<{ clickhouse: Record<string, string> }> };
    expect(written.regions[0].clickhouse).toEqual({ mode: 'http', url: 'http://ch:8123', database: 'm', username: 'meridian', password: 'p"w' });
    expect(written.regions[1].clickhouse).toEqual({ mode: 'http', url: 'http://ch2:8123', database: 'm' });
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });
});

// ---- rendered by Helm -------------------------------------------------------------------------

/**
 * `helm` from MERIDIAN_TEST_HELM or PATH, else the pinned build that scripts/ensure-helm.js takes
 * from an npm package (Debian has none). Otherwise why not: the tests then skip, listed with that
 * reason at the end of the run — except on CI, where they fail.
 */
function findHelm(): { helm: string } | { missing: string } {
  const candidates = [process.env.MERIDIAN_TEST_HELM, ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'helm'))];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (found) return { helm: found };
  const ensured = spawnSync(process.execPath, [join(ROOT, 'scripts/ensure-helm.js')], { encoding: 'utf8' });
  if (ensured.status === 0) return { helm: ensured.stdout.trim() };
  const why = (ensured.stderr || String(ensured.error))
    .trim()
    .split('\n')
    .pop()!
    .replace(/^\[ensure-helm\] /, '');
  return { missing: `no helm binary: ${why.replace(/[[\]]/g, '')}` };
}
const found = findHelm();
const helm = 'helm' in found ? found.helm : undefined;

type Manifest = { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: Record<string, Json> };
type Container = {
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: Json }>;
  readinessProbe?: Json;
  livenessProbe?: Json;
  resources?: { requests?: Json };
};

describeOrSkip('missing' in found && !process.env.CI ? found.missing : undefined)('chart rendered by helm', () => {
  beforeAll(() => {
    if ('missing' in found) throw new Error(`${found.missing} (on CI helm must be there: scripts/ensure-helm.js)`);
  });
  const render = (example: string): Manifest[] => {
    const out = execFileSync(helm!, ['template', 'mrd', CHART, '--kube-version', '1.30.0', '-f', join(CHART, 'examples', example)], { encoding: 'utf8' });
    // parseAllDocuments reports duplicate keys, which the API server would reject.
    return parseAllDocuments(out).flatMap((d) => {
      if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join('\n'));
      const m = d.toJS() as Manifest | null;
      return m ? [m] : [];
    });
  };

  it('lints cleanly with --strict and rejects values.yaml alone', () => {
    execFileSync(helm!, ['lint', '--strict', CHART, '-f', join(CHART, 'examples/two-regions.values.yaml')], { encoding: 'utf8' });
    const bare = spawnSync(helm!, ['lint', CHART], { encoding: 'utf8' });
    expect(bare.status).not.toBe(0);
    // Helm 3 names the field `controlPlane.database.existingSecret`, Helm 4 `/controlPlane/database/existingSecret`.
    expect(bare.stdout + bare.stderr).toMatch(/controlPlane[./]database[./]existingSecret/);
    expect(bare.stdout + bare.stderr).toMatch(/regions/);
  });

  it('renders the global plane once and four roles per region, with probes, requests, HPA and PDBs', () => {
    const docs = render('two-regions.values.yaml');
    const names = (kind: string) =>
      docs
        .filter((d) => d.kind === kind)
        .map((d) => d.metadata.name)
        .sort();
    const cells = ['ap-northeast-1', 'ap-northeast-2'].flatMap((r) => ['alerter', 'api', 'ingester', 'intake'].map((c) => `mrd-meridian-${r}-${c}`));
    expect(names('Deployment')).toEqual([...cells, 'mrd-meridian-global-alerter', 'mrd-meridian-global-api'].sort());
    expect(names('HorizontalPodAutoscaler')).toEqual(cells.filter((n) => /(intake|ingester)$/.test(n)).sort());
    expect(names('PodDisruptionBudget')).toEqual(expect.arrayContaining(cells.filter((n) => /(intake|ingester|api)$/.test(n))));
    for (const d of docs.filter((x) => x.kind === 'Deployment')) {
      const pod = (d.spec!.template as { spec: { containers: Container[] } }).spec;
      const [main] = pod.containers;
      expect(main.args).toEqual(['start', `--roles=${d.metadata.name.split('-').pop()}`]);
      expect(main.readinessProbe).toMatchObject({ httpGet: { path: '/readyz' } });
      expect(main.livenessProbe).toMatchObject({ httpGet: { path: '/healthz' } });
      expect(main.resources?.requests).toBeDefined();
      expect(JSON.stringify(main.env)).not.toMatch(/password/i); // credentials only through secretKeyRef
      const threads = main.env?.find((e) => e.name === 'MERIDIAN_INTAKE_ENCODE_THREADS')?.value;
      expect({ name: d.metadata.name, threads }).toEqual({ name: d.metadata.name, threads: d.metadata.name.endsWith('-intake') ? '2' : undefined });
    }
  });

  it('renders per-region config files that the server loads, each cell knowing only its own region', () => {
    const docs = render('two-regions.values.yaml');
    const dir = mkdtempSync(join(tmpdir(), 'meridian-chart-'));
    const load = (configMap: string, env: Record<string, string>) => {
      const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === configMap)!;
      const path = join(dir, `${configMap}.json`);
      writeFileSync(path, cm.data!['config.json']);
      return loadConfig({ MERIDIAN_CONFIG_FILE: path, DATABASE_URL: 'postgres://m:p@pg:5432/m', ...env });
    };
    const seoul = load('mrd-meridian-ap-northeast-2-config', { MERIDIAN_BUS: 'kafka', MERIDIAN_DEFAULT_REGION: 'ap-northeast-2' });
    expect(seoul.regions.map((r) => r.id)).toEqual(['ap-northeast-2']);
    expect(seoul.regions[0].bus.kafka).toMatchObject({
      brokers: expect.arrayContaining(['kafka-0.kafka.meridian-seoul.svc:9092']),
      topicPrefix: 'meridian.ap-northeast-2.',
    });
    expect(seoul.regions[0].clickhouse).toEqual({ mode: 'http', url: 'http://clickhouse.meridian-seoul.svc:8123', database: 'meridian' });
    const global = load('mrd-meridian-global-config', { MERIDIAN_BUS: 'inline' });
    expect(global.regions.map((r) => r.id)).toEqual(['ap-northeast-1', 'ap-northeast-2']);
    expect(global.defaultRegion).toBe('ap-northeast-1');
  });
});

// ---- container images and compose ---------------------------------------------------------

/** Dockerfile instructions with line continuations joined. */
function instructions(path: string): Array<{ op: string; args: string }> {
  return readFileSync(path, 'utf8')
    .replace(/\\\n(\s*#.*\n)*/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'))
    .map((l) => {
      const m = /^\s*(\w+)\s+(.*)$/.exec(l);
      return { op: m![1].toUpperCase(), args: m![2] };
    });
}

describe.each(['server', 'web'])('infra/docker/%s.Dockerfile', (image) => {
  const ins = instructions(join(ROOT, `infra/docker/${image}.Dockerfile`));
  const stages = ins.filter((i) => i.op === 'FROM');
  const final = ins.slice(ins.lastIndexOf(stages[stages.length - 1]));

  it('builds in one stage and runs from a separate, non-root final stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0].args).toMatch(/ AS build$/);
    const users = final.filter((i) => i.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1].args).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/); // numeric: runAsNonRoot can check it
    // The final stage takes build output only from the build stage, never node_modules from the context.
    for (const copy of final.filter((i) => i.op === 'COPY' && !i.args.includes('--from='))) expect(copy.args).not.toMatch(/node_modules|apps\/web\/out/);
  });

  it('has a health check and no secrets baked into the image', () => {
    expect(final.some((i) => i.op === 'HEALTHCHECK' && /CMD/.test(i.args))).toBe(true);
    const text = ins.map((i) => `${i.op} ${i.args}`).join('\n');
    expect(text).not.toMatch(/(PASSWORD|SECRET|TOKEN|DATABASE_URL|_KEY)\S*\s*=/i);
    expect(ins.filter((i) => i.op === 'ARG' || i.op === 'ENV').map((i) => i.args)).not.toContainEqual(expect.stringMatching(/password|secret|token/i));
  });

  it('keeps local state out of the build context', () => {
    const ignore = readFileSync(join(ROOT, `infra/docker/${image}.Dockerfile.dockerignore`), 'utf8').split('\n');
    for (const entry of ['.git', '**/node_modules', 'data', 'apps/web/out']) expect(ignore).toContain(entry);
  });
});

describe('infra/compose/docker-compose.yml', () => {
  const compose = readYaml(join(ROOT, 'infra/compose/docker-compose.yml')) as { services: Record<string, Record<string, Json>> };
  const services = compose.services;

  it('runs real ClickHouse, Kafka in KRaft mode, PostgreSQL and each Meridian role as its own service', () => {
    expect(services.clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:(2[5-9]|24\.(8|9|1\d))/);
    expect(services.postgres.image).toMatch(/^postgres:1[5-9]/);
    const kafkaEnv = services.kafka.environment as Record<string, Json>;
    expect(kafkaEnv.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafkaEnv.KAFKA_CONTROLLER_QUORUM_VOTERS).toBeDefined();
    for (const role of ['api', 'alerter', 'intake', 'ingester']) {
      expect(services[role].command).toEqual(['start', `--roles=${role}`]);
      expect((services[role].environment as Record<string, Json>).MERIDIAN_BUS).toBe('kafka');
      expect(services[role].user).toBe('10001:10001');
    }
    for (const s of Object.values(services)) expect(s.healthcheck).toBeDefined();
  });

  it('gives the roles a region registry the server loads, on Kafka with a topic prefix per region', () => {
    const api = services.api.environment as Record<string, string>;
    const cfg = loadConfig({
      MERIDIAN_CONFIG_FILE: join(ROOT, 'infra/compose/meridian.json'),
      MERIDIAN_BUS: api.MERIDIAN_BUS,
      MERIDIAN_KAFKA_BROKERS: api.MERIDIAN_KAFKA_BROKERS,
      DATABASE_URL: 'postgres://m:p@postgres:5432/m',
    });
    expect(cfg.regions.map((r) => [r.id, r.clickhouse.mode, r.bus.kafka?.topicPrefix])).toEqual([
      ['ap-northeast-1', 'http', 'meridian.ap-northeast-1.'],
      ['ap-northeast-2', 'http', 'meridian.ap-northeast-2.'],
    ]);
  });

  it('takes every password from the environment, never from the file', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [k, v] of Object.entries((s.environment ?? {}) as Record<string, Json>)) {
        if (/PASSWORD|DATABASE_URL/.test(k)) expect(`${name}.${k}=${String(v)}`).toMatch(/\$\{[A-Z_]+:\?/);
      }
    }
  });
});
