import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeSetting } from '../common/search-attributes';

/**
 * Sets a run's search attributes from inside the workflow, so a run started by any starter (the
 * `temporal` CLI, a schedule, a script) is counted and queryable. Upserts only what differs, so a
 * run started with the attributes adds no history event.
 */
export function ensureSearchAttributes(settings: SearchAttributeSetting[]): void {
  const current = workflowInfo().typedSearchAttributes;
  const missing = settings.filter((setting) => current.get(setting.key) !== setting.value);
  if (missing.length > 0) upsertSearchAttributes(missing);
}
