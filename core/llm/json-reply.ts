/**
 * Parse a structured reply's content as JSON. Tolerates what models and servers commonly wrap
 * around valid JSON even in structured-output mode: surrounding whitespace, a Markdown fence
 * (```json … ``` or a bare ```), and a leading `<think>…</think>` block from reasoning models
 * (Qwen3, DeepSeek-R1 served by Ollama or vLLM).
 * @returns the parsed value.
 * @throws Error saying why the text is not JSON, quoting its start (at most 200 characters).
 */
export function parseJsonReply(content: string): unknown {
  let text = content.replace(/^\s*<think>[\s\S]*?<\/think>/i, '').trim();
  const fenced = /^```[a-zA-Z0-9_-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```\s*$/.exec(text) ?? /```(?:json|JSON)?[ \t]*\r?\n([\s\S]*?)\r?\n?```/.exec(text);
  if (fenced?.[1] !== undefined) text = fenced[1].trim();
  if (text === '') throw new Error('the reply is empty, expected a JSON value');
  try {
    return JSON.parse(text);
  } catch (err) {
    const quote = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    throw new Error(`the reply is not valid JSON (${(err as Error).message}): ${JSON.stringify(quote)}`);
  }
}
