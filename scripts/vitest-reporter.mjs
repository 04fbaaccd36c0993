// A vitest reporter for scripts/test.mjs. vitest's own JSON report loses what the summary needs: the
// error of a failed beforeAll/afterAll hook (its tests are reported as plain "skipped"), the note of
// `ctx.skip(note)`, and the `SKIP <reason>` lines a test file prints when it skips itself. This one
// writes them all to the file named by $VLSM_VITEST_REPORT; scripts/test-summary.mjs judges them.
import { writeFileSync } from 'node:fs';

const firstLine = (e) => String(e?.message ?? e).split('\n')[0];

export default class SummaryReporter {
  /** console output by task id (a module's, a suite's or a test's) */
  logs = new Map();

  onUserConsoleLog(log) {
    const id = log.taskId ?? '';
    const list = this.logs.get(id) ?? [];
    list.push(log.content);
    this.logs.set(id, list);
  }

  onTestRunEnd(testModules, unhandledErrors, reason) {
    const out = process.env.VLSM_VITEST_REPORT;
    if (!out) return;
    const modules = testModules.map((m) => {
      const ids = [m.id];
      const suites = [...m.children.allSuites()].map((s) => {
        ids.push(s.id);
        return { name: s.fullName, errors: s.errors().map(firstLine) };
      });
      const tests = [...m.children.allTests()].map((t) => {
        ids.push(t.id);
        const r = t.result();
        return {
          name: t.fullName,
          // The suites this test is inside, innermost last, so a failed hook can be tied to its tests.
          suites: ancestors(t),
          state: r.state,
          note: r.note,
          errors: (r.errors ?? []).map(firstLine),
        };
      });
      const skipLines = ids
        .flatMap((id) => this.logs.get(id) ?? [])
        .flatMap((c) => c.split('\n'))
        .filter((l) => l.startsWith('SKIP '))
        .map((l) => l.slice(5).trim());
      return { file: m.moduleId, state: m.state(), errors: m.errors().map(firstLine), suites, tests, skipLines };
    });
    const report = { reason, unhandledErrors: unhandledErrors.map(firstLine), modules };
    writeFileSync(out, JSON.stringify(report));
  }
}

function ancestors(task) {
  const names = [];
  for (let p = task.parent; p && p.type === 'suite'; p = p.parent) names.unshift(p.fullName);
  return names;
}
