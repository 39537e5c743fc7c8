import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * NIST 800-63B: length over composition (no "one digit, one symbol" rules), but refuse what
 * guessers try first: common and breached passwords, repeated or sequential characters, and the
 * account's own email. The list is @zxcvbn-ts/language-common's `passwords-common` (MIT, ~49k
 * entries ranked from breach corpora), shipped with the package, so no network is needed.
 */
const COMMON = new Set(dictionary['passwords-common']);

/** Why a password is refused for this account (the message for `body.password`), or undefined. */
export function passwordProblem(password: string, context: { email: string }): string | undefined {
  const lower = password.toLowerCase();
  if (!password.trim()) return 'is only spaces; choose a passphrase of a few words';
  if (new Set(lower.replace(/\s/g, '')).size < 4) return 'repeats too few characters; choose a passphrase of a few words';
  if (isSequence(lower.replace(/\s/g, ''))) return 'is a run of keys (1234…, abcd…); choose a passphrase of a few words';
  const core = lower.replace(/[^\p{L}\p{N}]+$/u, '');
  if (COMMON.has(lower) || COMMON.has(core) || COMMON.has(core.replace(/\d+$/, '')))
    return 'is a common password that guessers try first; choose a passphrase of a few words';
  const email = context.email.toLowerCase();
  const local = email.split('@')[0];
  const squashed = lower.replace(/[\s._-]+/g, '');
  if (lower.includes(email) || (local.length >= 4 && squashed.includes(local.replace(/[._-]+/g, ''))))
    return 'contains your email address; choose something others cannot guess from it';
  return undefined;
}

/** Every character one step after the previous (abcd, 4321, 0987…), on the character codes or a keyboard row. */
function isSequence(s: string): boolean {
  if (s.length < 4) return false;
  const step = s.charCodeAt(1) - s.charCodeAt(0);
  if (Math.abs(step) === 1 && [...s].every((c, i) => i === 0 || c.charCodeAt(0) - s.charCodeAt(i - 1) === step)) return true;
  return ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'].some((row) => row.includes(s) || [...row].reverse().join('').includes(s));
}
