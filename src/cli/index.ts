/** `vlsm-audit`: the headless entry point. Each command lives in src/cli/commands/. */
import { Command, CommanderError } from 'commander';
import { registerAttackCommands } from './commands/attack.js';
import { registerAudit } from './commands/audit.js';
import { registerEval } from './commands/eval.js';
import { registerGradcheck } from './commands/gradcheck.js';
import { registerReport } from './commands/report.js';
import { registerResults } from './commands/results.js';
import { registerSegment } from './commands/segment.js';
import { registerServe } from './commands/serve.js';
import { formatCommanderError } from './errors.js';
import { registerWorker } from './commands/worker.js';

const program = new Command();
program
  .name('vlsm-audit')
  .description('Adversarial-robustness audits of medical vision-language segmentation models (offline)')
  .version('0.1.0')
  .showHelpAfterError(false)
  .configureOutput({ outputError: (text, write) => write(formatCommanderError(text)) })
  .exitOverride();

registerSegment(program);
registerEval(program);
registerServe(program);
registerAttackCommands(program);
registerGradcheck(program);
registerReport(program);
registerAudit(program);
registerWorker(program);
registerResults(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Commander has already printed its one-line message. A rejected option value is a user mistake like
    // any other (exit 1); a command line it cannot parse (unknown or missing option …) is a usage error (2).
    process.exitCode = e.exitCode === 0 ? 0 : e.code === 'commander.invalidArgument' ? 1 : 2;
  } else {
    throw e;
  }
}
