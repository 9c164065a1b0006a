/**
 * Brand shared by every copy of instructsmith loaded in one process (`Symbol.for` is global), so that
 * `err instanceof ConfigError` holds for an error thrown by another copy of the package, e.g. a
 * plugin that resolved its own `instructsmith` (README.md, "Writing a plugin").
 */
const BRAND = Symbol.for('instructsmith.error');

function brandsOf(value: unknown): readonly string[] | undefined {
  return value !== null && typeof value === 'object' ? ((value as Record<symbol, unknown>)[BRAND] as readonly string[] | undefined) : undefined;
}

/**
 * Errors a user can act on. Every one names what was wrong (config key path, file and line, URL),
 * what was expected, and how to fix it. None may contain a secret.
 * `instanceof` works across copies of the package: each class checks the brand its instances carry.
 */
export class InstructsmithError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brandsOf(value)?.includes(this.name) ?? false;
  }

  /** Stable machine-readable code, e.g. `CONFIG_UNKNOWN_KEY`, `SEEDS_NOT_FOUND`, `LLM_UNREACHABLE`. */
  readonly code: string;
  /** One sentence on how to fix it, printed after the message. */
  readonly hint?: string;
  /** True when the run cannot go on (bad config, unreachable endpoint, rejected key, missing tool). */
  readonly fatal: boolean;

  constructor(code: string, message: string, opts: { hint?: string; fatal?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'InstructsmithError';
    // Every class in the chain adds its name (see Symbol.hasInstance above); non-enumerable so JSON stays clean.
    const names: string[] = [];
    for (let c = new.target as unknown as { name: string } | null; c && c.name && c !== (Error as unknown); c = Object.getPrototypeOf(c)) names.push(c.name);
    Object.defineProperty(this, BRAND, { value: names, enumerable: false });
    this.code = code;
    this.hint = opts.hint;
    this.fatal = opts.fatal ?? true;
  }

  /** Message plus hint, as printed by the CLI. */
  describe(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message;
  }
}

/** Bad configuration: names the key path (`plugins.judge:quality.threshold`). */
export class ConfigError extends InstructsmithError {
  constructor(message: string, opts: { hint?: string; code?: string } = {}) {
    super(opts.code ?? 'CONFIG_INVALID', message, { hint: opts.hint, fatal: true });
    this.name = 'ConfigError';
  }
}

/** Bad input data: names the file and, where known, the 1-based line. */
export class InputError extends InstructsmithError {
  readonly file: string;
  readonly line?: number;
  constructor(file: string, line: number | undefined, message: string, opts: { hint?: string; code?: string; fatal?: boolean } = {}) {
    super(opts.code ?? 'INPUT_INVALID', `${file}${line ? `:${line}` : ''}: ${message}`, { hint: opts.hint, fatal: opts.fatal ?? true });
    this.name = 'InputError';
    this.file = file;
    this.line = line;
  }
}

/** An external tool (pylint, eslint, bwrap, ...) is not installed. Says which package installs it. */
export class ToolMissingError extends InstructsmithError {
  readonly tool: string;
  readonly language?: string;
  constructor(tool: string, install: string, language?: string) {
    super('TOOL_MISSING', `${tool} is not installed${language ? ` (needed to check ${language})` : ''}`, {
      hint: `install it with: ${install}`,
      fatal: true,
    });
    this.name = 'ToolMissingError';
    this.tool = tool;
    this.language = language;
  }
}

/**
 * An error thrown from a plugin's tap, wrapped by the plugin context (core/context.ts) so that the
 * run reports which plugin failed, in which hook, on which record. `cause` is the original error;
 * `fatal` and `hint` are the cause's (an unreachable endpoint inside a judge still stops the run).
 */
export class PluginError extends InstructsmithError {
  readonly plugin: string;
  readonly hook: string;
  /** The record (or `seed <id>`) being processed when the tap threw; undefined for run-level hooks. */
  readonly recordId?: string;
  constructor(plugin: string, hook: string, recordId: string | undefined, cause: unknown) {
    const inner = cause as { message?: string; hint?: string; code?: string; fatal?: boolean; name?: string } | undefined;
    const message = inner?.message ?? String(cause);
    super(typeof inner?.code === 'string' && inner instanceof InstructsmithError ? inner.code : 'PLUGIN_ERROR', `${plugin} failed in hook ${hook}${recordId ? ` on ${recordId}` : ''}: ${message}`, {
      hint: inner?.hint,
      fatal: inner?.fatal === true,
      cause,
    });
    this.name = 'PluginError';
    this.plugin = plugin;
    this.hook = hook;
    this.recordId = recordId;
  }
}

/** The original error inside any PluginError wrapping (for kind checks on LlmError and the like). */
export function rootCause(err: unknown): unknown {
  let e = err;
  while (e instanceof PluginError && e.cause !== undefined) e = e.cause;
  return e;
}

/** Redact anything that looks like an API key or bearer token from a string before it is logged or stored. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[REDACTED]');
  return out
    .replace(/\b(sk|pk|rk)-[A-Za-z0-9_\-]{8,}/g, '[REDACTED]')
    .replace(/(Bearer\s+)[A-Za-z0-9._\-]{8,}/gi, '$1[REDACTED]')
    .replace(/((?:api[_-]?key|authorization|token)["']?\s*[:=]\s*["']?)[^\s"',]{4,}/gi, '$1[REDACTED]');
}
