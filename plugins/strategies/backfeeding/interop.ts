/**
 * graphology's companion packages are CommonJS (`module.exports = fn`) with `export default` typings,
 * which TypeScript's NodeNext resolution reads as `{ default: fn }` while Node hands us `fn` itself.
 * This unwraps either shape so the same import works under tsc, tsx and vitest.
 */
export function cjsDefault<T>(mod: { default: T } | T): T {
  const inner = (mod as { default?: T }).default;
  return inner ?? (mod as T);
}
