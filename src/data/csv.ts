// A small RFC 4180 CSV parser (no CSV package is installed). Fields are separated by a delimiter
// (',' by default); a field may be quoted with '"', inside which delimiters, CR/LF and doubled quotes
// ("") are literal. Records end at LF or CRLF outside quotes. Blank lines are skipped.
//
// Deviations from a strict parser, chosen so that one bad record never stops the load: a malformed record
// (a quote inside an unquoted field, text after a closing quote, a quote never closed) is returned with
// `error` set and parsing resumes at the next line break outside quotes; an unterminated quote consumes the
// rest of the file, as it would in any reader. A bare CR not followed by LF is kept as data.

export interface CsvRow {
  fields: string[];
  /** 1-based line where the record starts, and where it ends (differs when a quoted field spans lines). */
  line: number;
  endLine: number;
  /** Set when the record is malformed; `fields` then holds what was read. */
  error?: string;
}

export interface CsvOptions {
  delimiter?: string;
}

export function parseCsv(text: string, options: CsvOptions = {}): CsvRow[] {
  const delim = options.delimiter ?? ',';
  if (delim.length !== 1 || delim === '"' || delim === '\n' || delim === '\r') {
    throw new Error(`CSV delimiter must be one character other than quote or newline, got ${JSON.stringify(delim)}`);
  }
  const rows: CsvRow[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    // Skip blank lines (LF or CRLF).
    if (text[i] === '\n') {
      i++;
      line++;
      continue;
    }
    if (text[i] === '\r' && text[i + 1] === '\n') {
      i += 2;
      line++;
      continue;
    }
    const start = line;
    const fields: string[] = [];
    let error: string | undefined;
    let field = '';
    // One record: fields until an unquoted line break or the end of the text.
    for (;;) {
      if (text[i] === '"') {
        // Quoted field.
        i++;
        let closed = false;
        while (i < n) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (!closed) {
          error ??= `quoted field opened on line ${start} is never closed`;
          fields.push(field);
          break;
        }
        // After the closing quote: a delimiter, a line break or the end.
        if (i < n && text[i] !== delim && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          error ??= `text after a closing quote on line ${line}`;
          while (i < n && text[i] !== delim && text[i] !== '\n') {
            field += text[i];
            i++;
          }
        }
      } else {
        // Unquoted field: up to the delimiter or a line break.
        while (i < n) {
          const c = text[i];
          if (c === delim || c === '\n' || (c === '\r' && text[i + 1] === '\n')) break;
          if (c === '"') error ??= `a quote inside an unquoted field on line ${line}`;
          field += c;
          i++;
        }
      }
      fields.push(field);
      field = '';
      if (i >= n) break;
      if (text[i] === delim) {
        i++;
        if (i >= n) {
          fields.push(''); // a trailing delimiter at the very end opens one more (empty) field
          break;
        }
        continue;
      }
      // Line break ends the record.
      i += text[i] === '\r' ? 2 : 1;
      line++;
      break;
    }
    const endLine = text[i - 1] === '\n' ? line - 1 : line;
    rows.push(error === undefined ? { fields, line: start, endLine } : { fields, line: start, endLine, error });
  }
  return rows;
}
