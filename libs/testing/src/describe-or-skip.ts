/**
 * `describe`, or `describe.skip` with the reason in its title (`… [skipped: <reason>]`), which
 * the summary reporter (scripts/jest-summary-reporter.js) prints for every skipped test before
 * the closing line. The only sanctioned way to skip: a skip without a reason is listed as such.
 *
 *   describeOrSkip(helm ? undefined : 'no helm binary')('chart rendered by helm', () => { … });
 */
export function describeOrSkip(skipReason: string | undefined): (title: string, body: () => void) => void {
  if (skipReason === undefined) return (title, body) => describe(title, body);
  if (/[[\]]/.test(skipReason))
    throw new Error(`describeOrSkip: the reason "${skipReason}" must not contain square brackets (the reporter reads it from "[skipped: …]")`);
  return (title, body) => describe.skip(`${title} [skipped: ${skipReason}]`, body);
}
