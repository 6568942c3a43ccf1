import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, IconButton, TagList, TextLink, useStyles2, type BadgeColor } from '@grafana/ui';
import type { Service } from '../../api/types';
import { testIds } from '../../components/testIds';
import { listTableStyles } from '../../components/listTable';

// Tier 1 is the most critical: the warmest colour.
const TIER_COLORS: Record<Service['tier'], BadgeColor> = { 1: 'red', 2: 'orange', 3: 'blue', 4: 'darkgrey' };

interface Props {
  services: Service[];
  onEdit: (service: Service) => void;
}

export function ServicesTable({ services, onEdit }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <table className={styles.table} data-testid={testIds.services.list}>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Team</th>
          <th scope="col">Tier</th>
          <th scope="col">Labels</th>
          <th scope="col">Runbook</th>
          <th scope="col">
            <span className={styles.visuallyHidden}>Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {services.map((service) => (
          <tr key={service.id} data-testid={testIds.services.row} data-service-name={service.name}>
            <td>
              <div className={styles.name}>{service.name}</div>
              {service.description && <div className={styles.secondary}>{service.description}</div>}
            </td>
            <td>{service.team ?? <span className={styles.secondary}>No team</span>}</td>
            <td>
              <Badge color={TIER_COLORS[service.tier]} text={`Tier ${service.tier}`} />
            </td>
            <td>
              {Object.keys(service.labels).length > 0 ? (
                <TagList className={styles.tags} tags={Object.entries(service.labels).map(([k, v]) => `${k}=${v}`)} />
              ) : (
                <span className={styles.secondary}>None</span>
              )}
            </td>
            <td>
              {service.runbookUrl ? (
                <TextLink href={service.runbookUrl} external>
                  Runbook
                </TextLink>
              ) : (
                <span className={styles.secondary}>None</span>
              )}
            </td>
            <td className={styles.actions}>
              <IconButton
                name="pen"
                tooltip={`Edit ${service.name}`}
                data-testid={testIds.services.edit}
                onClick={() => onEdit(service)}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css(listTableStyles(theme)),
  name: css({
    fontWeight: theme.typography.fontWeightMedium,
  }),
  secondary: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  tags: css({
    justifyContent: 'flex-start',
  }),
  actions: css({
    textAlign: 'right',
  }),
  visuallyHidden: css({
    position: 'absolute',
    width: '1px',
    height: '1px',
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
  }),
});
