import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { PROMOTION_FAILURE } from '../../common/failures';
import type { JsonLogger } from '../../platform/logger';
import type { PromotionActivities } from '../../common/promotion/activities';
import { renderPromotionHtml, renderPromotionMarkdown } from '../../common/promotion/report';
import { reportStem } from '../../common/promotion/gate';
import { writeFileAtomic } from '../../stores/files';
import { RoutingMatrixError, RoutingStore } from '../../stores/routing-store';

/** The gate's routing writes (through the versioned store) and its report files under `<data>/outputs/promotions/`. */
export function createPromotionActivities(deps: { dataDir: string; logger: JsonLogger }): PromotionActivities {
  const store = new RoutingStore(deps.dataDir);
  return {
    async applyPromotionVersion({ alias, provider, model, evidence, approvedBy, expectedVersion }) {
      const { version, matrix } = store.current();
      const route = matrix.aliases[alias];
      // An activity retry after the write: the promoted version is already current.
      if (route?.provider === provider && route.model === model && matrix.promotions.some((p) => p.evidence === evidence)) {
        return { version, previous: store.history().filter((e) => e.version === version).at(-1)?.previous ?? expectedVersion };
      }
      if (version !== expectedVersion) {
        throw ApplicationFailure.nonRetryable(`routing matrix moved from v${expectedVersion} to v${version} while the gate ran; run the gate again on the current version`, PROMOTION_FAILURE.matrixMoved);
      }
      const next = {
        ...matrix,
        description: `promotion of ${provider}:${model} for ${alias} (gate report ${evidence})`.slice(0, 500),
        aliases: { ...matrix.aliases, [alias]: { ...route!, provider, model } },
        promotions: [...matrix.promotions, { provider, lane: 'prod' as const, approvedBy, at: new Date().toISOString(), evidence }],
      };
      try {
        const written = store.set(next, `promotion-gate (${approvedBy})`);
        deps.logger.info('promotion version written', { alias, provider, model, ...written });
        return written;
      } catch (error) {
        if (error instanceof RoutingMatrixError) throw ApplicationFailure.nonRetryable(error.message, PROMOTION_FAILURE.matrixRefused);
        throw error;
      }
    },
    async rollbackPromotionVersion({ promotedVersion, by }) {
      const { version } = store.current();
      if (version !== promotedVersion) return { version };
      return { version: store.rollback(by).version };
    },
    async reapplyPromotionVersion({ promotedVersion, by }) {
      const { version } = store.current();
      if (version === promotedVersion) return { version };
      return { version: store.reapply(promotedVersion, by).version };
    },
    async writePromotionReport(report) {
      const root = path.join(deps.dataDir, 'outputs', 'promotions');
      const stem = reportStem(report.workflowId);
      const paths = { markdown: `outputs/promotions/${stem}.md`, json: `outputs/promotions/${stem}.json`, html: `outputs/promotions/${stem}.html` };
      const full = { ...report, reportPaths: paths };
      await writeFileAtomic(path.join(root, `${stem}.json`), `${JSON.stringify(full, null, 2)}\n`);
      await writeFileAtomic(path.join(root, `${stem}.md`), renderPromotionMarkdown(full));
      await writeFileAtomic(path.join(root, `${stem}.html`), renderPromotionHtml(full));
      return paths;
    },
  };
}
