import React, { Component, type ReactNode } from 'react';
import { Alert, Button } from '@grafana/ui';
import { toError } from '../../utils/toError';
import { testIds } from '../testIds';

interface Props {
  /** When this changes (e.g. the location), a caught error is cleared and the children render again. */
  resetKey: string;
  children: ReactNode;
}

interface State {
  error: Error | null;
}

/**
 * The app's root error boundary. Whatever was thrown is turned into an Error before display, and navigating away
 * (a new resetKey) recovers without a page reload.
 */
export class AppErrorBoundary extends Component<Props, State> {
  state: State = { error: null };

  static getDerivedStateFromError(thrown: unknown): State {
    return { error: toError(thrown) };
  }

  componentDidUpdate(prevProps: Props) {
    if (this.state.error && prevProps.resetKey !== this.props.resetKey) {
      this.setState({ error: null });
    }
  }

  private reset = () => this.setState({ error: null });

  render() {
    const { error } = this.state;
    if (!error) {
      return this.props.children;
    }
    return (
      <Alert
        severity="error"
        title="Reliability Studio hit an unexpected error"
        data-testid={testIds.app.errorBoundary}
      >
        <div>{error.message}</div>
        <Button size="sm" variant="secondary" icon="sync" onClick={this.reset}>
          Try again
        </Button>
      </Alert>
    );
  }
}
