// Evaluation metrics for generations: ROUGE-L (RoleBench reports it; recipes.md §2) and the self-prompt
// recipe's role-prompt rate — how often a generation opens with an expert role prompt followed by the
// separator the recipe trained with (recipes.md §1).
//
// Pure functions on strings; browser- and worker-safe.

// --- ROUGE-L ----------------------------------------------------------------------------------------

/**
 * ROUGE tokens: lower-cased, split on anything that is not a letter or a digit, empties dropped.
 * (Google's rouge_score does the same with [a-z0-9] only; we keep Unicode letters and digits so that
 * non-English text is not scored as empty. No stemming.)
 */
export function rougeTokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

/** Length of the longest common subsequence (O(|a|·|b|) time, O(|b|) memory). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const ai = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = ai === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

export interface RougeScore {
  precision: number;
  recall: number;
  f: number;
}

/**
 * ROUGE-L of a candidate against a reference: P = LCS/|candidate|, R = LCS/|reference|,
 * F = 2PR/(P+R) (β = 1, as rouge_score). Empty candidate or reference → all zeros.
 */
export function rougeL(candidate: string, reference: string): RougeScore {
  const c = rougeTokens(candidate);
  const r = rougeTokens(reference);
  const lcs = lcsLength(c, r);
  if (lcs === 0) return { precision: 0, recall: 0, f: 0 };
  const precision = lcs / c.length;
  const recall = lcs / r.length;
  return { precision, recall, f: (2 * precision * recall) / (precision + recall) };
}

/** Mean ROUGE-L F over pairs (candidates[i] vs references[i]); 0 for no pairs. */
export function meanRougeL(candidates: readonly string[], references: readonly string[]): number {
  if (candidates.length !== references.length) {
    throw new Error(`meanRougeL: ${candidates.length} candidates but ${references.length} references`);
  }
  if (candidates.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < candidates.length; i++) sum += rougeL(candidates[i], references[i]).f;
  return sum / candidates.length;
}

// --- role prompts -----------------------------------------------------------------------------------------

/** Openings that make a paragraph read as a role prompt (matched case-insensitively at its start). */
export const ROLE_PROMPT_OPENINGS = [
  'as a ',
  'as an ',
  'you are ',
  "you're ",
  'from now on',
  'i am a ',
  'i am an ',
  "i'm a ",
  "i'm an ",
  'imagine you are',
  'act as',
  // the role-prompt styles of tabtune's own self-prompt data (public/data), e.g. "I'll answer this as a
  // museum curator, …", "Let me step into the shoes of …", "Taking the view of …"
  "i'll answer this as",
  'i will answer this as',
  'let me step into',
  'taking the view of',
  'thinking like a ',
  'thinking like an ',
  'speaking as a ',
  'speaking as an ',
  'in the role of',
];

/** Openings that look like ROLE_PROMPT_OPENINGS but are ordinary prose ("As a result, …", "You are right"). */
export const NOT_ROLE_PROMPT_OPENINGS = [
  'as a result',
  'as a rule',
  'as a whole',
  'as a consequence',
  'as a side note',
  'as an example',
  'as an aside',
  'as an alternative',
  'you are right',
  'you are correct',
  'you are welcome',
  "you're right",
  "you're welcome",
];

/** "with 20 years", "with over ten years", "with many decades" (of experience). */
const YEARS_OF_EXPERIENCE =
  /\bwith (?:over |more than |nearly |almost )?(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|many|several)\+? (?:years|decades)\b/u;

/**
 * Whether a paragraph reads like an expert role prompt. Heuristic, documented so results can be
 * compared across runs:
 *  - it starts (after whitespace, case-insensitive) with one of ROLE_PROMPT_OPENINGS
 *    ("As a…", "As an…", "You are…", "From now on…", "I am a…", "Imagine you are…", "Act as…", and the
 *    styles of our sample data: "I'll answer this as…", "Let me step into…", "Taking the view of…",
 *    "Thinking like a…", "Speaking as a…", "In the role of…") and
 *    not with one of NOT_ROLE_PROMPT_OPENINGS ("As a result", "You are right", …), or
 *  - it contains the word "expert(s)" or "specialist(s)", or "with N years" / "with over N years" /
 *    "with many decades" (N in digits or a number word).
 * It can be fooled both ways (an answer whose first paragraph mentions experts counts as a role
 * prompt); it measures whether the model kept the trained two-part shape, not quality.
 */
export function looksLikeRolePrompt(text: string): boolean {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  if (t.length === 0) return false;
  const head = t.replace(/^["'“‘*_#>\s-]+/u, ''); // ignore leading quotes and markdown emphasis
  if (ROLE_PROMPT_OPENINGS.some((o) => head.startsWith(o)) && !NOT_ROLE_PROMPT_OPENINGS.some((o) => head.startsWith(o))) return true;
  return /\b(experts?|specialists?)\b/u.test(t) || YEARS_OF_EXPERIENCE.test(t);
}

export interface RolePromptSplit {
  rolePrompt: string;
  answer: string;
}

/**
 * Split a generation into role prompt and answer at the first separator. Null when there is no
 * separator, the part before it is empty, or it does not read like a role prompt (looksLikeRolePrompt).
 * Both parts are trimmed; the answer may be empty (the model stopped after the role prompt).
 */
export function splitRolePrompt(text: string, separator = '\n\n'): RolePromptSplit | null {
  if (separator.length === 0) throw new Error('splitRolePrompt: the separator must not be empty');
  // Leading whitespace is not a role prompt: look for the separator after it.
  const body = text.replace(/^\s+/u, '');
  const at = body.indexOf(separator);
  if (at < 0) return null;
  const rolePrompt = body.slice(0, at).trim();
  if (rolePrompt.length === 0 || !looksLikeRolePrompt(rolePrompt)) return null;
  return { rolePrompt, answer: body.slice(at + separator.length).trim() };
}

/** Fraction of generations that open with a role prompt (splitRolePrompt !== null); 0 for none. */
export function rolePromptRate(generations: readonly string[], separator = '\n\n'): number {
  if (generations.length === 0) return 0;
  let n = 0;
  for (const g of generations) if (splitRolePrompt(g, separator) !== null) n++;
  return n / generations.length;
}

/** Words too common in role prompts to say anything about a domain (besides ROUGE's stop words). */
const FIT_STOP = new Set(
  'a an the as i ll i will my me let to and or of in on for with who has have years many what is it you your this here aim into step view taking speaking thinking like answer give keep explain plain words simple clear short'.split(' '),
);

function fitWords(text: string): Set<string> {
  return new Set(rougeTokens(text).filter((w) => w.length > 2 && !FIT_STOP.has(w)).map((w) => w.replace(/s$/u, '')));
}

/**
 * Does a generated role prompt fit the question's domain? It fits when it shares a word with the
 * domain's reference role prompts that no role prompt of another domain uses ("beekeeper", "hive",
 * "volcanologist", "grandmaster"; not "teacher" or "professor", which every domain has). Words are
 * lower-cased, a plural "s" is dropped, and generic role-prompt words ("keep", "explain", …) are ignored.
 * `references` maps each domain to its reference role prompts; `otherDomains` gives the role prompts of
 * the domains whose words do not count (e.g. the training domains, plus the other held-out domains).
 */
export function domainFitRate(
  generated: readonly { rolePrompt: string | null; domain: string }[],
  references: ReadonlyMap<string, readonly string[]>,
): { rate: number; fitting: number; total: number; vocab: Map<string, Set<string>> } {
  const vocab = new Map<string, Set<string>>();
  for (const [domain, prompts] of references) {
    const own = new Set<string>();
    for (const p of prompts) for (const w of fitWords(p)) own.add(w);
    vocab.set(domain, own);
  }
  // A word used by two domains' references is not specific to either.
  const seen = new Map<string, number>();
  for (const words of vocab.values()) for (const w of words) seen.set(w, (seen.get(w) ?? 0) + 1);
  for (const words of vocab.values()) for (const w of [...words]) if ((seen.get(w) ?? 0) > 1) words.delete(w);
  let fitting = 0;
  for (const g of generated) {
    const own = vocab.get(g.domain);
    if (!own) throw new Error(`domainFitRate: no reference role prompts for domain "${g.domain}"`);
    if (g.rolePrompt !== null && [...fitWords(g.rolePrompt)].some((w) => own.has(w))) fitting++;
  }
  return { rate: generated.length ? fitting / generated.length : 0, fitting, total: generated.length, vocab };
}

/**
 * Does a generated role prompt name the question's subject? `subject` is the phrase the question is
 * about (for tabtune's sample data, scripts/sample-data-topics.ts); it is named when every one of its
 * words (ROUGE tokens, a plural "s" dropped) occurs in the role prompt. Questions without a subject
 * (null) are left out of the rate.
 */
export function subjectRate(generated: readonly { rolePrompt: string | null; subject: string | null }[]): { rate: number; naming: number; total: number } {
  const words = (t: string) => new Set(rougeTokens(t).map((w) => w.replace(/s$/u, '')));
  let naming = 0, total = 0;
  for (const g of generated) {
    if (g.subject === null) continue;
    total++;
    if (g.rolePrompt === null) continue;
    const have = words(g.rolePrompt);
    const need = [...words(g.subject)];
    if (need.length > 0 && need.every((w) => have.has(w))) naming++;
  }
  return { rate: total ? naming / total : 0, naming, total };
}
