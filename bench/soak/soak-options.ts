import { parseArgs, type ParseArgsConfig } from 'node:util';

const USAGE = `usage: npm run soak -- [--minutes 10] [--normal 2] [--grpc 1] [--hostile-rate 1] [--kinds a,b,...]
                     [--port 0] [--grpc-port 0] [--cooldown-s 15] [--sample-s 5] [--env KEY=VALUE ...]
  --normal/--grpc: well-behaved calls at once over the WebSocket / gRPC; --hostile-rate: hostile
  visits started per second; --kinds: which hostile kinds (default all); --env: server settings
  (the server also inherits this environment, PARLEY_* included).`;

export interface SoakOptions {
  minutes: number;
  normalWs: number;
  normalGrpc: number;
  hostileRate: number;
  kinds: string[];
  /** HTTP port of the server; 0 picks a free one. */
  port: number;
  /** gRPC port; 0 picks a free one. */
  grpcPort: number;
  cooldownS: number;
  sampleS: number;
  env: Record<string, string>;
}

/** Parses the command line; throws with the usage on anything it cannot use. */
export function parseSoakOptions(args: string[], kindNames: readonly string[]): SoakOptions {
  const { values } = parseArgsOrUsage({
    args,
    options: {
      minutes: { type: 'string', default: '10' },
      normal: { type: 'string', default: '2' },
      grpc: { type: 'string', default: '1' },
      'hostile-rate': { type: 'string', default: '1' },
      kinds: { type: 'string', default: kindNames.join(',') },
      port: { type: 'string', default: '0' },
      'grpc-port': { type: 'string', default: '0' },
      'cooldown-s': { type: 'string', default: '15' },
      'sample-s': { type: 'string', default: '5' },
      env: { type: 'string', multiple: true, default: [] },
    },
  });
  const kinds = values.kinds.split(',').filter((k) => k !== '');
  const unknown = kinds.filter((k) => !kindNames.includes(k));
  if (unknown.length > 0) throw new Error(`unknown kinds ${unknown.join(', ')}; known: ${kindNames.join(', ')}\n${USAGE}`);
  const env = Object.fromEntries(
    values.env.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`--env takes KEY=VALUE, not "${pair}"\n${USAGE}`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  return {
    minutes: number('minutes', values.minutes, 0.1),
    normalWs: integer('normal', values.normal),
    normalGrpc: integer('grpc', values.grpc),
    hostileRate: number('hostile-rate', values['hostile-rate'], 0),
    kinds,
    port: integer('port', values.port),
    grpcPort: integer('grpc-port', values['grpc-port']),
    cooldownS: number('cooldown-s', values['cooldown-s'], 0),
    sampleS: number('sample-s', values['sample-s'], 1),
    env,
  };
}

function number(name: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number of at least ${min}, not "${raw}"\n${USAGE}`);
  return value;
}

function integer(name: string, raw: string): number {
  const value = number(name, raw, 0);
  if (!Number.isInteger(value)) throw new Error(`--${name} must be a whole number, not "${raw}"\n${USAGE}`);
  return value;
}

function parseArgsOrUsage<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`);
  }
}
