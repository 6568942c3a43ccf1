import React from 'react';
import { Link } from 'react-router-dom';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, LoadingPlaceholder, Tooltip, useStyles2, type BadgeColor } from '@grafana/ui';
import type { Slo } from '../../api/types';
import { isUnreachable } from '../../api/errors';
import { testIds } from '../../components/testIds';
import { prefixRoute, ROUTES } from '../../constants';
import { budgetLevel, formatBurnRate, formatMinutes, formatPercent, windowLabel, type BudgetLevel } from './sloFormat';
import type { SloStatusState } from './useSloStatuses';

const LEVEL_BADGE: Record<BudgetLevel, { color: BadgeColor; text: string }> = {
  healthy: { color: 'green', text: 'Within budget' },
  low: { color: 'orange', text: 'Budget low' },
  exhausted: { color: 'red', text: 'Budget exhausted' },
  unknown: { color: 'darkgrey', text: 'No live figures' },
};

const BURN_WINDOWS = ['5m', '1h', '6h', '3d'] as const;

interface Props {
  slo: Slo;
  status: SloStatusState;
}

/** One SLO: objective and window, then (when Prometheus answers) SLI, budget left, burn rates and costly incidents. */
export function SloCard({ slo, status }: Props) {
  const styles = useStyles2(getStyles);
  const live = status.phase === 'ready' ? status.status : null;
  const level = budgetLevel(live?.budgetRemaining);
  return (
    <section
      className={styles.card}
      data-testid={testIds.slos.card}
      data-slo-name={slo.name}
      aria-labelledby={`slo-${slo.id}`}
    >
      <header className={styles.header}>
        <h2 id={`slo-${slo.id}`} className={styles.title}>
          {slo.name}
        </h2>
        <span className={styles.secondary}>{slo.service}</span>
        <Badge color={LEVEL_BADGE[level].color} text={LEVEL_BADGE[level].text} />
      </header>
      {slo.description && <p className={styles.secondary}>{slo.description}</p>}
      <dl className={styles.stats}>
        <Stat label="Objective" value={`${slo.objective}%`} />
        <Stat label="Window" value={windowLabel(slo.window)} />
        {live && (
          <>
            <Stat label="SLI now" value={formatPercent(live.sli)} testId={testIds.slos.sli} />
            <Stat
              label="Budget left"
              value={`${formatPercent(live.budgetRemaining, 1)} · ${formatMinutes(live.budgetRemainingMinutes)}`}
              testId={testIds.slos.budget}
              className={styles.level[level]}
            />
            {BURN_WINDOWS.map((w) => (
              <Stat key={w} label={`Burn rate ${w}`} value={formatBurnRate(live.burnRates[w])} />
            ))}
          </>
        )}
      </dl>
      {status.phase === 'loading' && <LoadingPlaceholder text="Asking Prometheus…" />}
      {status.phase === 'error' && (
        <p className={styles.secondary} data-testid={testIds.slos.statusError}>
          {isUnreachable(status.error) || status.error.code === 'UPSTREAM_UNAVAILABLE'
            ? 'Live figures unavailable.'
            : `Live figures unavailable: ${status.error.message}`}
        </p>
      )}
      {live && live.warnings.length > 0 && (
        <ul className={styles.secondary}>
          {live.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {live && (
        <div data-testid={testIds.slos.incidents}>
          <h3 className={styles.subtitle}>Incidents that burned it</h3>
          {live.incidents.length === 0 ? (
            <p className={styles.secondary}>No incident of {slo.service} in this window.</p>
          ) : (
            <ul className={styles.incidents}>
              {live.incidents.map((i) => (
                <li key={i.id}>
                  <Link to={prefixRoute(`${ROUTES.Incidents}/${i.id}`)} className={styles.link}>
                    {i.reference}
                  </Link>{' '}
                  {i.title}{' '}
                  <Tooltip content="Share of the window's error budget spent while the incident lasted">
                    <span className={styles.secondary} tabIndex={0}>
                      {formatPercent(i.budgetBurned, 1)} of the budget ({formatMinutes(i.budgetBurnedMinutes)})
                    </span>
                  </Tooltip>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

function Stat({
  label,
  value,
  testId,
  className,
}: {
  label: string;
  value: string;
  testId?: string;
  className?: string;
}) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.stat} data-testid={testId}>
      <dt className={styles.statLabel}>{label}</dt>
      <dd className={className ?? styles.statValue}>{value}</dd>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => {
  const value = css({
    margin: 0,
    fontSize: theme.typography.h4.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
  });
  return {
    card: css({
      padding: theme.spacing(2),
      background: theme.colors.background.secondary,
      border: `thin solid ${theme.colors.border.weak}`,
      borderRadius: theme.shape.radius.default,
    }),
    header: css({ display: 'flex', alignItems: 'baseline', gap: theme.spacing(1.5), flexWrap: 'wrap' }),
    title: css({ margin: 0, fontSize: theme.typography.h4.fontSize }),
    subtitle: css({ fontSize: theme.typography.h6.fontSize, margin: theme.spacing(2, 0, 1) }),
    secondary: css({ color: theme.colors.text.secondary, margin: 0 }),
    stats: css({
      display: 'grid',
      gridTemplateColumns: `repeat(auto-fill, minmax(${theme.spacing(18)}, 1fr))`,
      gap: theme.spacing(1.5, 3),
      margin: theme.spacing(2, 0, 0),
    }),
    stat: css({ display: 'flex', flexDirection: 'column' }),
    statLabel: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
    statValue: value,
    level: {
      healthy: css(value, { color: theme.colors.success.text }),
      low: css(value, { color: theme.colors.warning.text }),
      exhausted: css(value, { color: theme.colors.error.text }),
      unknown: value,
    },
    incidents: css({ margin: 0, paddingLeft: theme.spacing(2) }),
    link: css({ color: theme.colors.text.link, fontFamily: theme.typography.fontFamilyMonospace }),
  };
};
