import * as path from 'node:path';
import { assertValidContracts } from '../../common/reliability-contract';
import { WORKFLOW_CONTRACTS } from '../../common/workflow-contracts';
import { checkKb } from '../kb-check';
import type { RegisterCommand } from './context';

/** A failed check: exit code 1, problems on stderr. */
export class KbCheckFailed extends Error {
  override readonly name = 'KbCheckFailed';
}

/** `civicos kb check`: the KB discipline check CI runs (needs no Temporal). */
export const registerKb: RegisterCommand = (program) => {
  const kb = program.command('kb').description('Knowledge-base discipline for prod workflows');
  kb.command('check')
    .description('Fail when a prod workflow lacks its KB artifact, a section is empty, or a stated fact disagrees with the contract')
    .option('--root <dir>', 'repository root', path.resolve(__dirname, '..', '..'))
    .action((options: { root: string }) => {
      const result = checkKb({ root: options.root, contracts: assertValidContracts(WORKFLOW_CONTRACTS) });
      if (result.problems.length > 0) {
        throw new KbCheckFailed(`kb check failed (${result.problems.length} problems):\n  - ${result.problems.join('\n  - ')}`);
      }
      process.stdout.write(`kb check passed: ${result.checked.length} artifacts agree with their contracts (${result.checked.join(', ')})\n`);
    });
};
