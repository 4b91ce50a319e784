import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

// The CLI runs from source through tsx, so `npm test` works right after `npm install`, without a build.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = 'src/cli/main.ts';

/** The environment a CLI child starts from: the test runner's, minus Jobline settings that would leak in. */
function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, JOBLINE_LOG_LEVEL: 'warn', NO_COLOR: '1' };
  for (const key of Object.keys(env))
    if (key.startsWith('JOBLINE_') && key !== 'JOBLINE_LOG_LEVEL' && key !== 'JOBLINE_TEST_DATABASE_URL')
      delete env[key];
  delete env.PORT;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** When the first error output arrived and when the process ended (epoch ms). */
  firstStderrAt: number | undefined;
  exitedAt: number;
}

/** Runs `jobline <args>` to completion; kills it and rejects when it outlives `timeoutMs`. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: childEnv(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  let firstStderrAt: number | undefined;
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    firstStderrAt ??= Date.now();
    stderr += d;
  });
  const timeoutMs = options.timeoutMs ?? 40_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `jobline ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, firstStderrAt, exitedAt: Date.now() });
    });
  });
}

/** A port nobody listens on right now (the kernel picks it; we release it for the child to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Server {
  child: ChildProcess;
  url: string;
  port: number;
  /** Everything the process printed so far. */
  output(): string;
  /** Resolves with the exit code once the process is gone (immediately if it already is). */
  exited(): Promise<number | null>;
  /** SIGKILL: no shutdown handler runs, like a crash or a power cut for the process. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit, SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

const running = new Set<Server>();

/**
 * Starts `jobline serve` on a free port and waits until it says it is serving. The port is chosen
 * here rather than with --port 0 so the test knows the URL without parsing it.
 */
export async function startServe(
  args: string[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<Server> {
  const port = await freePort();
  return startProcess(['serve', '--port', String(port), ...args], /Jobline is serving/, port, options);
}

/** Starts `jobline worker` and waits until it says which job types it runs; `url` and `port` mean nothing for it. */
export function startWorker(
  args: string[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<Server> {
  return startProcess(['worker', ...args], /^Worker \S+ runs /m, 0, options);
}

async function startProcess(
  args: string[],
  ready: RegExp,
  port: number,
  options: { env?: Record<string, string | undefined>; timeoutMs?: number },
): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: childEnv(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const server: Server = {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    exited: () => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : exit),
    kill: async () => {
      running.delete(server);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exit;
    },
    stop: async (timeoutMs = 10_000) => {
      running.delete(server);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exit;
      clearTimeout(timer);
    },
  };
  running.add(server);
  // Generous: tsx compiles the sources at start, and CI machines run several test files at once.
  const timeoutMs = options.timeoutMs ?? 90_000;
  const started = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const check = () => {
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout.on('data', check);
    void exit.then(() => {
      clearTimeout(timer);
      resolve(ready.test(out));
    });
  });
  if (!started) {
    await server.kill();
    throw new Error(`jobline ${args[0]} did not start within ${timeoutMs} ms:\n${out}`);
  }
  return server;
}

/** Kills every server this file started and has not stopped; for afterEach/afterAll. */
export async function killAllServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.kill()));
}

/** Polls `check` until it returns true or `timeoutMs` passes; false on timeout. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Runs `jobline <args>` expecting success: exit code 0 and nothing on stderr; returns stdout. */
export async function cliOk(
  args: string[],
  options: { env?: Record<string, string | undefined> } = {},
): Promise<string> {
  const result = await runCli(args, options);
  if (result.code !== 0 || result.stderr !== '') {
    throw new Error(
      `jobline ${args.join(' ')} exited ${result.code}\nstderr: ${result.stderr}\nstdout: ${result.stdout}`,
    );
  }
  return result.stdout;
}
