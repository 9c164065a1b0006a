/**
 * Errors a user can act on. Every one names what was wrong (config key path, file and line, URL),
 * what was expected, and how to fix it. None may contain a secret.
 */
export class InstructsmithError extends Error {
  /** Stable machine-readable code, e.g. `CONFIG_UNKNOWN_KEY`, `SEEDS_NOT_FOUND`, `LLM_UNREACHABLE`. */
  readonly code: string;
  /** One sentence on how to fix it, printed after the message. */
  readonly hint?: string;
  /** True when the run cannot go on (bad config, unreachable endpoint, rejected key, missing tool). */
  readonly fatal: boolean;

  constructor(code: string, message: string, opts: { hint?: string; fatal?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'InstructsmithError';
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

/** Redact anything that looks like an API key or bearer token from a string before it is logged or stored. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[REDACTED]');
  return out
    .replace(/\b(sk|pk|rk)-[A-Za-z0-9_\-]{8,}/g, '[REDACTED]')
    .replace(/(Bearer\s+)[A-Za-z0-9._\-]{8,}/gi, '$1[REDACTED]')
    .replace(/((?:api[_-]?key|authorization|token)["']?\s*[:=]\s*["']?)[^\s"',]{4,}/gi, '$1[REDACTED]');
}
