import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { IconButton, Stack, useStyles2 } from '@grafana/ui';
import type { EscalationPolicy, Service } from '../../api/types';
import { listTableStyles } from '../../components/listTable';
import { testIds } from '../../components/testIds';
import { previewSentence, type PreviewLookups } from './preview';

const ids = testIds.escalationPolicies;

interface Props {
  policies: EscalationPolicy[];
  services: Service[];
  lookups: PreviewLookups;
  isReadOnly: boolean;
  onEdit: (policy: EscalationPolicy) => void;
  onDelete: (policy: EscalationPolicy) => void;
}

/** Services whose incidents start this policy, by default or for some severities. */
export function servicesUsing(policy: EscalationPolicy, services: Service[]): Service[] {
  return services.filter(
    (s) => s.escalationPolicyId === policy.id || Object.values(s.escalationPolicies).includes(policy.id)
  );
}

/** The policies, each with what it would do if paged now (for the first service that uses it). */
export function PoliciesTable({ policies, services, lookups, isReadOnly, onEdit, onDelete }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <table className={styles.table} data-testid={ids.list}>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">If paged now</th>
          <th scope="col">Services</th>
          <th scope="col">
            <span className={styles.visuallyHidden}>Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {policies.map((policy) => {
          const using = servicesUsing(policy, services);
          return (
            <tr key={policy.id} data-testid={ids.row} data-policy-id={policy.id} data-policy-name={policy.name}>
              <td className={styles.name}>
                {policy.name}
                {policy.description && <div className={styles.secondary}>{policy.description}</div>}
              </td>
              <td data-testid={ids.preview}>{previewSentence(policy, lookups, using[0]?.name)}</td>
              <td>
                {using.length ? using.map((s) => s.name).join(', ') : <span className={styles.secondary}>None</span>}
              </td>
              <td>
                {!isReadOnly && (
                  <Stack gap={1} justifyContent="flex-end">
                    <IconButton
                      name="pen"
                      tooltip={`Edit ${policy.name}`}
                      onClick={() => onEdit(policy)}
                      data-testid={ids.edit}
                    />
                    <IconButton
                      name="trash-alt"
                      tooltip={using.length ? `${policy.name} is used by a service` : `Delete ${policy.name}`}
                      disabled={using.length > 0}
                      onClick={() => onDelete(policy)}
                      data-testid={ids.delete}
                    />
                  </Stack>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css(listTableStyles(theme)),
  name: css({ fontWeight: theme.typography.fontWeightMedium, minWidth: theme.spacing(20) }),
  secondary: css({
    color: theme.colors.text.secondary,
    fontWeight: theme.typography.fontWeightRegular,
    fontSize: theme.typography.bodySmall.fontSize,
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
