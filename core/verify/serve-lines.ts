/**
 * `instructsmith/tool-server`: the server side of the tool-server protocol (core/verify/tool-server.ts),
 * for a long-lived Node process that `createToolServer` starts (with `nodeScriptCommand`). Its own
 * entry, importing nothing else of instructsmith, so that a server starts in the time Node and its
 * tool take to load. The built-in ESLint and TypeScript servers and the export's pretokenizer use it.
 */
import { createInterface } from 'node:readline';

/** What a request is answered with, as a CLI run would end: its exit code and output. */
export interface ServerReply {
  exitCode: number;
  stdout: string;
  stderr?: string;
}

/**
 * Serve the protocol on stdin/stdout: one JSON request per stdin line (`{id, cwd, ...}`), one
 * `{id, exitCode, stdout, stderr}` line per request on stdout, one request at a time, in order;
 * returns at once and exits the process when stdin closes. `handle` runs with the request's `cwd`
 * as the working directory, as the CLI would; a handler that throws is answered with exit code 2 and
 * the error's stack in `stderr` (what a CLI's internal error gives). `console.log` and
 * `console.info` go to stderr from here on: only the protocol writes to stdout.
 */
export function serveLines(handle: (request: Record<string, unknown>) => Promise<ServerReply>): void {
  // Only the protocol may write to stdout: a tool's console output goes to stderr.
  const write = process.stdout.write.bind(process.stdout);
  console.log = console.info = console.warn;
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    if (!line.trim()) return;
    queue = queue.then(async () => {
      const request = JSON.parse(line) as Record<string, unknown>;
      let reply: ServerReply;
      try {
        process.chdir(String(request.cwd));
        reply = await handle(request);
      } catch (err) {
        // What the CLIs do on an internal error: exit 2 with the message (ESLint's "Oops!", tsc's crash).
        reply = { exitCode: 2, stdout: '', stderr: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      }
      write(`${JSON.stringify({ id: request.id, ...reply })}\n`);
    });
  });
  lines.on('close', () => void queue.then(() => process.exit(0)));
}
