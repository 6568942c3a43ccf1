import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Combobox, useStyles2 } from '@grafana/ui';
import { SEVERITIES, type EscalationPolicy, type Service } from '../../api/types';
import { listTableStyles } from '../../components/listTable';
import { testIds } from '../../components/testIds';

const ids = testIds.escalationPolicies;
/** Combobox values are strings: this one stands for "no policy" (the service's incidents page nobody). */
const NONE = '';

interface Props {
  services: Service[];
  policies: EscalationPolicy[];
  isReadOnly: boolean;
  pendingName: string | null;
  onAttach: (service: Service, policyId: string | null) => void;
}

/** Which policy each service's incidents start; changing it applies to incidents opened from then on. */
export function ServicePolicies({ services, policies, isReadOnly, pendingName, onAttach }: Props) {
  const styles = useStyles2(getStyles);
  const options = [
    { value: NONE, label: 'None', description: 'Its incidents page nobody' },
    ...policies.map((p) => ({ value: p.id, label: p.name })),
  ];
  const policyName = (id: string) => policies.find((p) => p.id === id)?.name ?? 'a deleted policy';
  return (
    <table className={styles.table} data-testid={ids.services}>
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col">Team</th>
          <th scope="col" id="policy-column">
            Escalation policy
          </th>
          <th scope="col">By severity</th>
        </tr>
      </thead>
      <tbody>
        {services.map((service) => {
          const bySeverity = SEVERITIES.flatMap((s) => {
            const id = service.escalationPolicies[s];
            return id ? [`${s}: ${policyName(id)}`] : [];
          });
          return (
            <tr
              key={service.id}
              data-testid={ids.serviceRow}
              data-service-name={service.name}
              data-policy-id={service.escalationPolicyId ?? ''}
            >
              <td className={styles.name} id={`service-name-${service.name}`}>
                {service.name}
              </td>
              <td>{service.team ?? <span className={styles.secondary}>None</span>}</td>
              <td>
                {isReadOnly ? (
                  service.escalationPolicyId ? (
                    policyName(service.escalationPolicyId)
                  ) : (
                    <span className={styles.secondary}>None</span>
                  )
                ) : (
                  <Combobox<string>
                    id={`service-policy-${service.name}`}
                    aria-labelledby={`service-name-${service.name} policy-column`}
                    data-testid={ids.servicePolicy}
                    width={30}
                    options={options}
                    value={service.escalationPolicyId ?? NONE}
                    loading={pendingName === service.name}
                    disabled={pendingName === service.name}
                    onChange={(option) => onAttach(service, option.value === NONE ? null : option.value)}
                  />
                )}
              </td>
              <td>{bySeverity.length ? bySeverity.join(', ') : <span className={styles.secondary}>Same</span>}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css(listTableStyles(theme)),
  name: css({ fontWeight: theme.typography.fontWeightMedium }),
  secondary: css({ color: theme.colors.text.secondary }),
});
