// The normalized training record every dataset reader produces, and the data error type.
// Readers live in read.ts; example building (templating, masks, batching) in template.ts.

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * One training example, whatever the source layout. All text is trimmed of surrounding whitespace.
 * - self-prompt tuning: question (user turn) → rolePrompt + separator + answer (assistant turn);
 * - plain SFT: no rolePrompt;
 * - multi-turn conversations also carry `messages` (see below).
 */
export interface NormalizedRecord {
  id: string;
  /** The (first) user turn. */
  question: string;
  /** The expert role prompt the model learns to write for itself (LIMA-Role, ExpertLLaMA). */
  rolePrompt?: string;
  /** The (first) assistant turn; '' only when the reader was told to allow records without one. */
  answer: string;
  /** System text that goes before the question (masked out of the loss). */
  system?: string;
  /**
   * Only for multi-turn conversations (more than one user/assistant exchange): every turn after the
   * system text, starting with user and ending with assistant. Single-turn records are fully described
   * by system/question/answer and leave this unset.
   */
  messages?: ChatTurn[];
  /** RoleBench (recipes.md §2): the role the record is conditioned on (its profile is in `system`). */
  role?: string;
  /** RoleBench: 'general' (general instructions answered in character → CUS) or 'role_specific' (SPE). */
  category?: RecordCategory;
  /**
   * Every acceptable reference answer, `answer` first (RoleBench: the clean candidates of `generated`).
   * Evaluation scores a generation against the best of them. Unset: `answer` is the only reference.
   */
  references?: string[];
  /** RoleBench general split: the original, out-of-character answer when the file carries one (RAW). */
  rawAnswer?: string;
  /** 1-based line in the source file where the record starts. */
  line: number;
}

/** RoleBench's two splits: general instructions and role-specific (knowledge) questions. */
export type RecordCategory = 'general' | 'role_specific';

/** A problem with a dataset file as a whole. Bad single records are reported, never thrown. */
export class DataError extends Error {
  override name = 'DataError';
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.file = file;
  }
}
