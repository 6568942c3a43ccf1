import type { GrafanaTheme2 } from '@grafana/data';

/**
 * The rules every list page's table shares (incidents, alerts, services): full width, a thin rule under each row,
 * secondary-coloured headers. A style object, not a class, so a page can add to it inside its own css().
 */
export const listTableStyles = (theme: GrafanaTheme2) => ({
  width: '100%',
  borderCollapse: 'collapse' as const,
  'th, td': {
    padding: theme.spacing(1, 1.5),
    borderBottom: `thin solid ${theme.colors.border.weak}`,
    textAlign: 'left' as const,
    verticalAlign: 'middle' as const,
  },
  th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
});
