// CLI error conventions: bad input → exit 2 with one line `tabtune: <file>: <what is wrong>`;
// anything else → exit 1 with one line; the stack only with --debug.

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Error names that mean "the user's input is wrong" (exit 2). */
const INPUT_ERRORS = new Set(['UsageError', 'FormatError', 'ConfigError', 'WeightError', 'TokenizerError', 'DataError']);

export function exitCodeFor(e: unknown): number {
  return e instanceof Error && INPUT_ERRORS.has(e.name) ? 2 : 1;
}

export function reportError(e: unknown, debug: boolean): number {
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`tabtune: ${msg}\n`);
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return exitCodeFor(e);
}
