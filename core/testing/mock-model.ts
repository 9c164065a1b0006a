import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { definePlugin, type Plugin } from '../plugin.js';
import { sampleFromSchema } from '../llm/schema-sample.js';
import type { ChatProvider, ChatRequest, ChatResult, PromptLogprobs } from '../llm/types.js';
import { builtinTemplatesDir } from '../templates.js';
import { z } from 'zod';

/** One chat request as a mock model sees it (the same fields the HTTP test double's routers get). */
export interface MockRequest {
  /** The model name after `mock:` (`scripted` in `mock:scripted`). */
  model: string;
  messages: { role: string; content: string }[];
  /** The JSON Schema of a structured call. */
  schema?: Record<string, unknown>;
  /** The structured output's name (`quality_verdict`). */
  schemaName?: string;
  /** The schema with every constraint kept (OutputSchema.sampleSchema), when the caller made one. */
  sampleSchema?: Record<string, unknown>;
  /** True for a structured call. */
  json: boolean;
  /** Content of the last user message ('' when none). */
  lastUser: string;
  /** Content of the system message ('' when none). */
  system: string;
  /** 1-based count of requests this model answered so far, this one included. */
  n: number;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  seed?: number;
  stop?: string[];
}

/**
 * A reply with the completion's finish reason, for testing how plugins treat a reply the model cut
 * off (`mockReply('def f(', { finishReason: 'length' })`).
 */
export class MockReply {
  constructor(
    readonly content: string,
    readonly options: { finishReason?: string } = {},
  ) {}
}

/** See {@link MockReply}. */
export function mockReply(content: string, options: { finishReason?: string } = {}): MockReply {
  return new MockReply(content, options);
}

/**
 * A reply router: return a {@link MockReply}, a string (the assistant content), an object or array (sent as JSON: a
 * structured reply), or undefined to let the next router answer. May be async.
 */
export type MockReplyFn = (request: MockRequest) => unknown;

/** Which requests a route answers; every given field must match. */
export interface MockMatch {
  /**
   * A template directory under templates/ (`judge-quality`): matches a request whose system or user
   * message starts with that template's leading literal text (the text before its first `{{` or `{%`).
   */
  template?: string;
  /** The structured output's name (`quality_verdict`). */
  schema?: string;
  /** Tested against the last user message. */
  pattern?: RegExp;
  /** The model name after `mock:`. */
  model?: string;
}

/**
 * An in-process model for tests and offline runs: scripted replies routed by template, schema name
 * or pattern, asked in the order added; a request no route answers gets a reply that satisfies its
 * JSON Schema (structured calls) or a short fenced code block (plain calls), so every stage runs.
 * Deterministic: replies depend only on the request. Records every request.
 */
export class MockModel {
  readonly requests: MockRequest[] = [];
  private readonly routes: MockReplyFn[] = [];
  private scorer?: (text: string) => PromptLogprobs;
  /** Texts scored by {@link logprobs}' function, in call order. */
  readonly scored: string[] = [];

  /**
   * Give the model prompt log-probabilities (`ChatProvider.promptLogprobs`): `score` returns the
   * tokens, logprobs and offsets of a text. Without it the model has none, as Ollama has none. Call
   * before the first LLM call (the provider is built then). Returns this.
   */
  logprobs(score: (text: string) => PromptLogprobs): this {
    this.scorer = score;
    return this;
  }

  constructor(routes: readonly MockReplyFn[] = []) {
    this.routes.push(...routes);
  }

  /** Add a router, or a fixed reply (or reply function) for the requests `match` selects. Returns this. */
  reply(router: MockReplyFn): this;
  reply(match: MockMatch, reply: unknown): this;
  reply(a: MockReplyFn | MockMatch, b?: unknown): this {
    if (typeof a === 'function') this.routes.push(a);
    else {
      const matches = matcher(a);
      this.routes.push((req) => (matches(req) ? (typeof b === 'function' ? (b as MockReplyFn)(req) : b) : undefined));
    }
    return this;
  }

  /** How many requests matched `match` (all requests without one). */
  count(match?: MockMatch): number {
    if (!match) return this.requests.length;
    const m = matcher(match);
    return this.requests.filter(m).length;
  }

  /** The model as a ChatProvider named `name` (model ids `name:anything`). */
  provider(name = 'mock'): ChatProvider {
    return {
      apiVersion: 1,
      name,
      endpoint: `${name}://in-process`,
      chat: (model, request) => this.answer(model, request),
      ...(this.scorer
        ? {
            promptLogprobs: async (_model: string, text: string) => {
              this.scored.push(text);
              const r = this.scorer!(text);
              return { tokens: r.tokens, logprobs: r.logprobs, offsets: r.offsets, promptTokens: r.tokens.length, completionTokens: 0 };
            },
          }
        : {}),
    };
  }

  /** A provider plugin (`provider:<name>`) serving this model, for tests that run plugins or presets. */
  plugin(name = 'mock'): Plugin {
    return definePlugin({
      name: `provider:${name}`,
      description: 'In-process mock model (instructsmith/testing)',
      options: z.object({}).strict(),
      apply: (ctx) => {
        ctx.hooks.provider.for(name).tap(() => this.provider(name));
      },
    });
  }

  private async answer(model: string, request: ChatRequest): Promise<ChatResult> {
    const messages = request.messages.map((m) => ({ role: m.role, content: m.content }));
    const req: MockRequest = {
      model,
      messages,
      ...(request.schema ? { schema: request.schema.jsonSchema, schemaName: request.schema.name } : {}),
      ...(request.schema?.sampleSchema ? { sampleSchema: request.schema.sampleSchema } : {}),
      json: Boolean(request.schema),
      lastUser: messages.filter((m) => m.role === 'user').at(-1)?.content ?? '',
      system: messages.find((m) => m.role === 'system')?.content ?? '',
      n: this.requests.length + 1,
      temperature: request.temperature,
      topP: request.topP,
      maxTokens: request.maxTokens,
      seed: request.seed,
      stop: request.stop,
    };
    this.requests.push(req);
    let reply: unknown;
    for (const route of this.routes) {
      reply = await route(req);
      if (reply !== undefined) break;
    }
    // The sample schema keeps the constraints (minLength, ...) that strict structured-output modes drop.
    if (reply === undefined) reply = req.schema ? sampleFromSchema(req.sampleSchema ?? req.schema) : '```\nok\n```';
    const finishReason = reply instanceof MockReply ? (reply.options.finishReason ?? 'stop') : 'stop';
    const content = reply instanceof MockReply ? reply.content : typeof reply === 'string' ? reply : JSON.stringify(reply);
    const promptChars = messages.reduce((n, m) => n + m.content.length, 0);
    return { content, promptTokens: Math.ceil(promptChars / 4), completionTokens: Math.ceil(content.length / 4), finishReason };
  }
}

/** A mock model with these routers (see {@link MockModel}). */
export function createMockModel(...routes: MockReplyFn[]): MockModel {
  return new MockModel(routes);
}

const prefixes = new Map<string, string[]>();

// The literal text a template starts with, per message file, so a route can name a template.
function templatePrefixes(dir: string): string[] {
  let p = prefixes.get(dir);
  if (p) return p;
  p = [];
  for (const file of ['system.jinja', 'user.jinja']) {
    const path = join(builtinTemplatesDir(), dir, file);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    const cut = text.search(/\{\{|\{%/);
    const head = (cut < 0 ? text : text.slice(0, cut)).trim();
    if (head.length >= 8) p.push(head);
  }
  if (p.length === 0) throw new Error(`mock model: template "${dir}" has no leading literal text to match (templates/${dir}/system.jinja or user.jinja)`);
  prefixes.set(dir, p);
  return p;
}

function matcher(m: MockMatch): (req: MockRequest) => boolean {
  const heads = m.template ? templatePrefixes(m.template) : undefined;
  return (req) =>
    (m.model === undefined || req.model === m.model) &&
    (m.schema === undefined || req.schemaName === m.schema) &&
    (m.pattern === undefined || m.pattern.test(req.lastUser)) &&
    (heads === undefined || req.messages.some((msg) => heads.some((h) => msg.content.trim().startsWith(h))));
}
