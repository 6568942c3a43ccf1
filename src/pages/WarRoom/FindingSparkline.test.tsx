import React from 'react';
import { render, screen } from '@testing-library/react';
import { FindingSparkline } from './FindingSparkline';

describe('FindingSparkline', () => {
  it('draws the series, breaks the line at gaps, and describes it for screen readers', () => {
    const series = [
      { t: 0, v: 0.01 },
      { t: 60_000, v: 0.02 },
      { t: 120_000, v: null },
      { t: 180_000, v: 0.3 },
      { t: 240_000, v: 0.5 },
    ];
    const { container } = render(<FindingSparkline series={series} unit="ratio" label="Error ratio" />);
    const chart = screen.getByRole('img');
    expect(chart.getAttribute('aria-label')).toMatch(/^Error ratio: from 1(\.0)? ?% to 50(\.0)? ?%, peak 50(\.0)? ?%$/);
    const line = container.querySelectorAll('path')[1].getAttribute('d')!;
    // Two segments around the gap, and the peak at the top of the box.
    expect(line.match(/M/g)).toHaveLength(2);
    expect(line).toMatch(/L400\.0,2\.0$/);
  });

  it('draws nothing from fewer than two values', () => {
    const { container } = render(
      <FindingSparkline
        series={[
          { t: 0, v: null },
          { t: 1, v: 3 },
        ]}
        unit="rps"
        label="Rate"
      />
    );
    expect(container.querySelector('svg')).toBeNull();
    expect(screen.getByRole('img').getAttribute('aria-label')).toContain('Rate: from');
  });
});
