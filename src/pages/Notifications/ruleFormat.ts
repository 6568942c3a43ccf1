import type { NotificationRule, Severity } from '../../api/types';

export const severityName = (s: Severity) => s.charAt(0).toUpperCase() + s.slice(1);

/** Which incidents a rule applies to, in a few words ("Critical, High · checkout · team payments · env=prod"). */
export function describeScope(rule: NotificationRule): string {
  const parts = [
    rule.severities.length > 0 ? rule.severities.map(severityName).join(', ') : null,
    rule.services.length > 0 ? rule.services.join(', ') : null,
    rule.teams.length > 0 ? `team ${rule.teams.join(', ')}` : null,
    Object.keys(rule.labels).length > 0
      ? Object.entries(rule.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')
      : null,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : 'Every incident';
}
