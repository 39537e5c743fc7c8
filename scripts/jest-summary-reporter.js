// The closing lines of every jest run, after jest's own summary:
//   skipped: <file> › <test> — <reason>     one line for every test that did not run, so a skip is never silent
//   services: <what>                         a local database that was started or stayed down (libs/testing/src/local-services.ts)
//   jest: N passed, N failed, N skipped      the last line, which CI reads (jest's table is not in a form it reads)
// Written at process exit (synchronously) so it lands after jest's summary reporter.
const fs = require('node:fs');
const path = require('node:path');

// A skipped describe/it carries its reason in its title: `… [skipped: <reason>]` (describeOrSkip in @meridian/testing).
const REASON = /\s*\[skipped: ([^\]]+)\]/;
const SKIPPED = new Set(['pending', 'skipped', 'todo', 'disabled']);
const SERVICE_STATUS_KEY = Symbol.for('meridian.test.localServices');

/** One line per test that did not run, with its reason. */
function skippedLines(results, rootDir) {
  const lines = [];
  for (const file of results.testResults) {
    const where = path.relative(rootDir, file.testFilePath);
    for (const t of file.testResults) {
      if (!SKIPPED.has(t.status)) continue;
      const title = [...t.ancestorTitles, t.title].join(' › ');
      const reason =
        title.match(REASON)?.[1] ?? (t.status === 'todo' ? 'todo: not written yet' : 'no reason given (use describeOrSkip from @meridian/testing)');
      lines.push(`skipped: ${where} › ${title.replace(REASON, '')} — ${reason}`);
    }
  }
  return lines;
}

function serviceLines(failed) {
  const statuses = globalThis[SERVICE_STATUS_KEY] ?? [];
  return statuses.flatMap((s) => [
    ...(s.started ? [`services: ${s.started}`] : []),
    // A server that stayed down only matters to a run that failed (the suites that need it say so too).
    ...(s.problem && failed > 0 ? [`services: ${s.problem}`] : []),
  ]);
}

class SummaryLineReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const lines = [
      ...skippedLines(results, this.rootDir),
      ...serviceLines(failed),
      `jest: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped`,
    ];
    const text = `\n${lines.join('\n')}\n`;
    process.once('exit', () => fs.writeSync(1, text));
  }
}
module.exports = SummaryLineReporter;
