/**
 * Change evidence: deploys and config changes (POST /api/changes) of the impacted services, and global ones, from
 * an hour before the window until its end, scored by how close before the incident's start they landed.
 */
import type { Database } from '../store/db.js';
import { listChanges, type Change } from '../store/changes.js';
import type { CorrelationContext, EvidenceSource, SourceFinding, SourceReport } from './source.js';
import { relativeToStart } from './suggestions.js';

/** How far before the window a change may have landed and still be a suspect. */
const LOOKBACK_MS = 3_600_000;
const MAX_CHANGES = 50;

/**
 * 0–1 for a change at `at` against an incident that started at `start`: 0.9 right before, halving about every
 * 10 minutes further back (a deploy 2 min before: ~0.8; 30 min: ~0.11); after the start it is more often the fix
 * than the cause (0.3 decaying faster). A change with no service is anyone's, so it counts less (× 0.7).
 */
export function scoreChange(at: Date, start: Date, isGlobal: boolean): number {
  const minutesBefore = (start.getTime() - at.getTime()) / 60_000;
  const closeness = minutesBefore >= 0 ? 0.9 * Math.exp(-minutesBefore / 15) : 0.3 * Math.exp(minutesBefore / 10);
  return closeness * (isGlobal ? 0.7 : 1);
}

export class ChangeSource implements EvidenceSource {
  readonly name = 'change' as const;
  readonly isConfigured = true;

  constructor(private readonly db: Database) {}

  async collect(context: CorrelationContext): Promise<SourceReport> {
    const changes = await this.db.read((sql) =>
      listChanges(sql, {
        services: context.services.map((s) => s.name),
        includeGlobal: true,
        from: new Date(context.window.start.getTime() - LOOKBACK_MS),
        to: context.window.end,
        limit: MAX_CHANGES,
      })
    );
    return { status: 'ok', findings: changes.map((change) => this.toFinding(change, context)) };
  }

  private toFinding(change: Change, context: CorrelationContext): SourceFinding {
    const when = relativeToStart(change.at, context.incidentStart);
    const what = change.service ? `${kindName(change.kind)} of ${change.service}` : kindName(change.kind);
    return {
      service: change.service,
      signal: 'change',
      score: scoreChange(change.at, context.incidentStart, change.service === null),
      summary: `${what} ${when}: ${change.summary}`,
      query: '',
      window: context.window,
      baseline: null,
      changedAt: change.at,
      exploreUrl: null,
      data: {
        change: { ...change, at: change.at.toISOString(), createdAt: change.createdAt.toISOString() },
      },
    };
  }
}

function kindName(kind: Change['kind']): string {
  return { deploy: 'Deploy', config: 'Config change', feature_flag: 'Feature flag change', infrastructure: 'Infrastructure change', other: 'Change' }[kind];
}
