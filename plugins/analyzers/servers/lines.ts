/**
 * The JSON-lines loop the Node tool servers share (protocol: core/verify/tool-server.ts): one
 * request per stdin line, one `{id, exitCode, stdout, stderr}` line per request on stdout, one
 * request at a time; exits when stdin closes. The handler runs with the request's `cwd` as the
 * working directory, as the CLI would.
 */
import { createInterface } from 'node:readline';

export interface ServerReply {
  exitCode: number;
  stdout: string;
  stderr?: string;
}

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
