import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { ConfigError } from './errors.js';
import { packageRoot } from './paths.js';
import type { TemplateRenderer } from './plugin.js';
import type { ChatMessage } from './record.js';

/** The built-in templates directory. */
export function builtinTemplatesDir(): string {
  return join(packageRoot(), 'templates');
}

/**
 * Create a renderer that searches `dirs` in order, then the built-in templates/. A user overrides a
 * built-in prompt by putting a file with the same relative path in one of `dirs`.
 * Templates are Jinja (Hugging Face's implementation, the one chat templates use), parsed once each.
 */
export function createTemplateRenderer(dirs: readonly string[] = []): TemplateRenderer {
  const roots = [...dirs, builtinTemplatesDir()];
  const parsed = new Map<string, Template | null>();

  const load = (name: string): Template | null => {
    if (parsed.has(name)) return parsed.get(name)!;
    let tpl: Template | null = null;
    for (const root of roots) {
      const file = join(root, name);
      if (!existsSync(file)) continue;
      try {
        tpl = new Template(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new ConfigError(`template ${file} does not parse: ${(err as Error).message}`, { hint: 'fix the Jinja syntax' });
      }
      break;
    }
    parsed.set(name, tpl);
    return tpl;
  };

  const render = (name: string, vars: Record<string, unknown>): string => {
    const tpl = load(name);
    if (!tpl) {
      throw new ConfigError(`template "${name}" not found (searched: ${roots.join(', ')})`, {
        code: 'CONFIG_TEMPLATE_MISSING',
        hint: 'add the file to one of those directories or fix the name',
      });
    }
    try {
      return tpl.render(vars);
    } catch (err) {
      throw new ConfigError(`template "${name}" failed to render: ${(err as Error).message}`, { hint: 'check the variables it uses' });
    }
  };

  return {
    render,
    chat(dir: string, vars: Record<string, unknown>): ChatMessage[] {
      const messages: ChatMessage[] = [];
      if (load(`${dir}/system.jinja`)) messages.push({ role: 'system', content: render(`${dir}/system.jinja`, vars).trim() });
      messages.push({ role: 'user', content: render(`${dir}/user.jinja`, vars).trim() });
      return messages;
    },
  };
}
