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

/**
 * Query parameters whose values are treated as secrets wherever a URL is shown or stored: the names
 * that OpenAI-compatible gateways, Azure (`api-key`), Google (`key`) and signed URLs (`sig`,
 * `signature`) use. Our choice of list; matched case-insensitively, `-` and `_` alike.
 */
const SECRET_QUERY_PARAM = /^(api[-_]?key|key|apikey|token|access[-_]?token|auth|authorization|password|passwd|pwd|secret|client[-_]?secret|sig|signature|x[-_]?api[-_]?key)$/i;

/** True for a query parameter name whose value must never be shown (see SECRET_QUERY_PARAM). */
export function isSecretQueryParam(name: string): boolean {
  return SECRET_QUERY_PARAM.test(name);
}

/**
 * Redact anything that looks like an API key or bearer token from a string before it is logged or
 * stored: the given secret values, `sk-...`-style keys, bearer tokens, `api_key=...` assignments,
 * the `user:password@` part of any URL, and the values of secret-looking query parameters
 * (see {@link isSecretQueryParam}) in any URL.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[REDACTED]');
  return out
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi, '$1')
    .replace(/([?&])([A-Za-z0-9_.-]+)=([^&\s#"'<>]*)/g, (all, sep: string, name: string) => (isSecretQueryParam(name) ? `${sep}${name}=***` : all))
    .replace(/\b(sk|pk|rk)-[A-Za-z0-9_\-]{8,}/g, '[REDACTED]')
    .replace(/(Bearer\s+)[A-Za-z0-9._\-]{8,}/gi, '$1[REDACTED]')
    .replace(/(Basic\s+)[A-Za-z0-9+/=]{6,}/gi, '$1[REDACTED]')
    .replace(/((?:api[_-]?key|authorization|token)["']?\s*[:=]\s*["']?)[^\s"',]{4,}/gi, '$1[REDACTED]');
}

/** Option keys whose values are secrets in any config section (our choice; `apiKeyEnv` names a variable, so it stays). */
const SECRET_KEY = /^(api[-_]?key|token|access[-_]?token|secret|client[-_]?secret|password|authorization)$/i;

/**
 * A copy of a config value fit to be written (run.json, exports, logs): every string passes through
 * {@link redactSecrets} (URL credentials, secret query parameters, key-shaped strings), every value
 * under a `headers` key (custom HTTP headers carry keys) and under a secret-named key (`apiKey`,
 * `token`, ...) becomes `[REDACTED]`. Shapes are kept, so the file still says which options were set.
 */
export function redactConfigSecrets<T>(value: T): T {
  const walk = (v: unknown, secret: boolean): unknown => {
    if (typeof v === 'string') return secret ? '[REDACTED]' : redactSecrets(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, secret));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, secret || k === 'headers' || SECRET_KEY.test(k));
      return out;
    }
    return v;
  };
  return walk(value, false) as T;
}
