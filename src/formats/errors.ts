// The one error type for malformed or unsupported model files. Model files are untrusted input: every
// parser in src/formats turns a bad file into a FormatError that names the file and what is wrong —
// never a hang, a crash, or a giant allocation. Callers branch on `err.name === 'FormatError'`
// (errors cross the worker boundary as plain Error objects, so `instanceof` is not reliable there).

export class FormatError extends Error {
  override name = 'FormatError';
  /** The file (ByteSource.name) the problem was found in. */
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.file = file;
  }
}

/** Render a file-supplied string for an error message: quoted, control characters escaped, clipped. */
export function quote(s: string, max = 80): string {
  const j = JSON.stringify(s.length > max ? s.slice(0, max) + '…' : s);
  return j;
}
