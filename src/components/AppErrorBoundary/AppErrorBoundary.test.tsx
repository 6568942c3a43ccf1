import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { testIds } from '../testIds';
import { AppErrorBoundary } from './AppErrorBoundary';

let shouldThrow = true;

function Fragile() {
  if (shouldThrow) {
    // Not an Error on purpose: the boundary must still show a message.
    throw 'the widget exploded';
  }
  return <div>all good</div>;
}

describe('AppErrorBoundary', () => {
  let consoleError: jest.SpyInstance;

  beforeEach(() => {
    shouldThrow = true;
    // React logs caught render errors; they are expected here.
    consoleError = jest.spyOn(console, 'error').mockImplementation(() => {});
  });

  afterEach(() => consoleError.mockRestore());

  test('shows whatever was thrown as an error message', () => {
    render(
      <AppErrorBoundary resetKey="/a">
        <Fragile />
      </AppErrorBoundary>
    );
    expect(screen.getByTestId(testIds.app.errorBoundary)).toHaveTextContent('the widget exploded');
  });

  test('recovers when the location changes', () => {
    const { rerender } = render(
      <AppErrorBoundary resetKey="/a">
        <Fragile />
      </AppErrorBoundary>
    );
    shouldThrow = false;
    rerender(
      <AppErrorBoundary resetKey="/a">
        <Fragile />
      </AppErrorBoundary>
    );
    expect(screen.getByTestId(testIds.app.errorBoundary)).toBeInTheDocument();

    rerender(
      <AppErrorBoundary resetKey="/b">
        <Fragile />
      </AppErrorBoundary>
    );
    expect(screen.getByText('all good')).toBeInTheDocument();
  });

  test('can be retried in place', () => {
    render(
      <AppErrorBoundary resetKey="/a">
        <Fragile />
      </AppErrorBoundary>
    );
    shouldThrow = false;
    fireEvent.click(screen.getByRole('button', { name: /try again/i }));
    expect(screen.getByText('all good')).toBeInTheDocument();
  });
});
