import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.ts';

describe('parseCsv (RFC 4180)', () => {
  it('plain fields, LF and CRLF line ends, blank lines skipped', () => {
    const rows = parseCsv('a,b,c\r\n1,2,3\n\n4,5,6\r\n');
    expect(rows.map((r) => r.fields)).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
      ['4', '5', '6'],
    ]);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 4]);
    expect(rows.every((r) => r.error === undefined)).toBe(true);
  });

  it('quoted fields hold delimiters, doubled quotes and line breaks', () => {
    const rows = parseCsv('q,a\n"Hello, world","He said ""hi""\r\nthen left"\nlast,"x"');
    expect(rows[1].fields).toEqual(['Hello, world', 'He said "hi"\r\nthen left']);
    expect(rows[1].line).toBe(2);
    expect(rows[1].endLine).toBe(3);
    expect(rows[2]).toEqual({ fields: ['last', 'x'], line: 4, endLine: 4 });
  });

  it('empty fields, empty quoted fields, trailing delimiter, no final newline', () => {
    expect(parseCsv('a,,""\n,')[0].fields).toEqual(['a', '', '']);
    expect(parseCsv('a,,""\n,')[1].fields).toEqual(['', '']);
    expect(parseCsv('x')[0].fields).toEqual(['x']);
  });

  it('keeps spaces and a bare CR as data; other delimiters', () => {
    expect(parseCsv(' a , b\rc ')[0].fields).toEqual([' a ', ' b\rc ']);
    expect(parseCsv('a\tb\t"c\td"', { delimiter: '\t' })[0].fields).toEqual(['a', 'b', 'c\td']);
    expect(() => parseCsv('a', { delimiter: '"' })).toThrow();
  });

  it('malformed records get an error and parsing resumes on the next line', () => {
    const rows = parseCsv('a,b\nx"y,1\n"ok",2\n"bad"z,3\n4,5\n"open,6\n7,8');
    expect(rows[1].error).toMatch(/quote inside an unquoted field/);
    expect(rows[2]).toEqual({ fields: ['ok', '2'], line: 3, endLine: 3 });
    expect(rows[3].error).toMatch(/after a closing quote/);
    expect(rows[3].fields).toEqual(['badz', '3']);
    expect(rows[4]).toEqual({ fields: ['4', '5'], line: 5, endLine: 5 });
    // An unclosed quote runs to the end of the file.
    expect(rows[5].error).toMatch(/never closed/);
    expect(rows[5].line).toBe(6);
    expect(rows).toHaveLength(6);
  });
});
